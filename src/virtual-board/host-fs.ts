// The virtual board's flash: an Emscripten file-system type whose files live in a directory
// of the host (what Emscripten's NODEFS does; the pyscript build ships without it). Because
// the files are outside the interpreter they survive a soft reset, a restart of the
// interpreter and — with `--fs DIR` — the virtual board itself, as a board's flash does.
// Sizes, errors and directory listings come from the host's file system; errors are thrown
// as Emscripten ErrnoErrors, which its system-call layer turns into return codes (and
// errno.ts then into MicroPython's numbers).

import * as fs from 'node:fs';
import { join } from 'node:path';
import { EMSCRIPTEN_ERRNO, emscriptenErrnoOf } from './errno.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
// Emscripten's FS object and nodes are untyped JavaScript; only what is used is declared.
interface EmNode {
  name: string;
  parent: EmNode;
  mode: number;
  mount: { opts: { root: string }; mountpoint: string };
  node_ops: object;
  stream_ops: object;
}
interface EmStream {
  node: EmNode;
  flags: number;
  position: number;
  hostFd?: number;
}
export interface EmscriptenFS {
  createNode(parent: EmNode | null, name: string, mode: number, dev: number): EmNode;
  isDir(mode: number): boolean;
  isFile(mode: number): boolean;
  isLink(mode: number): boolean;
  ErrnoError: new (errno: number) => Error;
  mkdir(path: string, mode?: number): unknown;
  mount(type: object, opts: object, mountpoint: string): unknown;
}

const O_ACCMODE = 3;
const O_TRUNC = 0o1000;
const O_APPEND = 0o2000;
const SEEK_SET = 0;
const SEEK_CUR = 1;
const SEEK_END = 2;

export function hostFs(FS: EmscriptenFS): object {
  const fail = (e: unknown): never => {
    throw new FS.ErrnoError(emscriptenErrnoOf(e));
  };
  const hostPath = (node: EmNode): string => {
    const parts: string[] = [];
    while (node.parent !== node) {
      parts.push(node.name);
      node = node.parent;
    }
    parts.reverse();
    return join(node.mount.opts.root, ...parts);
  };
  const attempt = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      return fail(e);
    }
  };

  const type = {
    mount(mount: { opts: { root: string } }): EmNode {
      const st = attempt(() => fs.statSync(mount.opts.root));
      return createNode(null, '/', st.mode);
    },
    node_ops: {
      getattr(node: EmNode) {
        const st = attempt(() => fs.lstatSync(hostPath(node)));
        return {
          dev: st.dev,
          ino: st.ino,
          mode: st.mode,
          nlink: st.nlink,
          uid: st.uid,
          gid: st.gid,
          rdev: st.rdev,
          size: st.size,
          atime: st.atime,
          mtime: st.mtime,
          ctime: st.ctime,
          blksize: st.blksize,
          blocks: st.blocks,
        };
      },
      setattr(node: EmNode, attr: { mode?: number; size?: number; atime?: number; mtime?: number }) {
        const p = hostPath(node);
        attempt(() => {
          if (attr.mode !== undefined) {
            fs.chmodSync(p, attr.mode);
            node.mode = attr.mode;
          }
          if (attr.size !== undefined) fs.truncateSync(p, attr.size);
          if (attr.atime !== undefined || attr.mtime !== undefined) {
            const st = fs.statSync(p);
            fs.utimesSync(p, new Date(attr.atime ?? st.atimeMs), new Date(attr.mtime ?? st.mtimeMs));
          }
        });
      },
      lookup(parent: EmNode, name: string): EmNode {
        const st = attempt(() => fs.lstatSync(join(hostPath(parent), name)));
        return createNode(parent, name, st.mode);
      },
      mknod(parent: EmNode, name: string, mode: number): EmNode {
        const p = join(hostPath(parent), name);
        attempt(() => {
          if (FS.isDir(mode)) fs.mkdirSync(p, { mode: mode & 0o7777 });
          else fs.closeSync(fs.openSync(p, 'wx', mode & 0o7777));
        });
        return createNode(parent, name, mode);
      },
      rename(oldNode: EmNode, newDir: EmNode, newName: string) {
        attempt(() => fs.renameSync(hostPath(oldNode), join(hostPath(newDir), newName)));
        oldNode.name = newName;
      },
      unlink(parent: EmNode, name: string) {
        attempt(() => fs.unlinkSync(join(hostPath(parent), name)));
      },
      rmdir(parent: EmNode, name: string) {
        attempt(() => fs.rmdirSync(join(hostPath(parent), name)));
      },
      readdir(node: EmNode): string[] {
        return ['.', '..', ...attempt(() => fs.readdirSync(hostPath(node)))];
      },
      symlink(parent: EmNode, name: string, target: string) {
        attempt(() => fs.symlinkSync(target, join(hostPath(parent), name)));
      },
      readlink(node: EmNode): string {
        return attempt(() => fs.readlinkSync(hostPath(node)));
      },
    },
    stream_ops: {
      open(stream: EmStream) {
        if (FS.isFile(stream.node.mode)) {
          const flags = stream.flags & (O_ACCMODE | O_TRUNC | O_APPEND);
          stream.hostFd = attempt(() => fs.openSync(hostPath(stream.node), flags));
        }
      },
      close(stream: EmStream) {
        if (stream.hostFd !== undefined) attempt(() => fs.closeSync(stream.hostFd!));
      },
      read(stream: EmStream, buffer: Uint8Array, offset: number, length: number, position: number): number {
        if (length === 0) return 0;
        return attempt(() => fs.readSync(stream.hostFd!, buffer, offset, length, position));
      },
      write(stream: EmStream, buffer: Uint8Array, offset: number, length: number, position: number): number {
        if (length === 0) return 0;
        return attempt(() => fs.writeSync(stream.hostFd!, buffer, offset, length, position));
      },
      llseek(stream: EmStream, offset: number, whence: number): number {
        let position = offset;
        if (whence === SEEK_CUR) position += stream.position;
        else if (whence === SEEK_END && FS.isFile(stream.node.mode)) position += attempt(() => fs.fstatSync(stream.hostFd!).size);
        else if (whence !== SEEK_SET && whence !== SEEK_END) throw new FS.ErrnoError(EMSCRIPTEN_ERRNO.EINVAL!);
        if (position < 0) throw new FS.ErrnoError(EMSCRIPTEN_ERRNO.EINVAL!);
        return position;
      },
    },
  };

  function createNode(parent: EmNode | null, name: string, mode: number): EmNode {
    if (!FS.isDir(mode) && !FS.isFile(mode) && !FS.isLink(mode)) throw new FS.ErrnoError(EMSCRIPTEN_ERRNO.EINVAL!);
    const node = FS.createNode(parent, name, mode, 0);
    node.node_ops = type.node_ops;
    node.stream_ops = type.stream_ops;
    return node;
  }

  return type;
}
