// Running virtual boards, for `mcu-gc ports`: a pty has no USB identity, so mpremote's
// `devs` and `auto` never see one. Each board writes a small file (pid, tty, link) into a
// folder under the temp dir and removes it on exit; a board killed with SIGKILL leaves its
// file, which the listing ignores (its pid is gone or its tty no longer exists) and removes.

import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/files.js';

export interface RunningBoard {
  /** The tty (/dev/pts/N). */
  path: string;
  link?: string;
  /** The mcu-gc process serving it (QEMU is stopped with it). */
  pid: number;
  started: string;
  /** The WebAssembly board's heap, memory and file-system folder. */
  heapSize?: number;
  memory?: number;
  fsDir?: string;
  /** The flags `mcu-gc compare` needs for it: "--board=webassembly --heap-size 65536". */
  compareWith?: string;
  /** A real firmware under QEMU (`virtual-board --qemu`). */
  qemu?: {
    /** "BBC micro:bit (nRF51822) running MicroPython v1.9.2 (micro:bit v1.0.1)". */
    title: string;
    pid: number;
    firmware: string;
  };
}

/** The folder; MCU_GC_RUNTIME_DIR overrides it (tests). */
export function registryDir(): string {
  return process.env.MCU_GC_RUNTIME_DIR ?? join(tmpdir(), `mcu-gc-virtual-boards-${process.getuid?.() ?? 'user'}`);
}

let counter = 0;

/** Records a running board; the returned function forgets it (idempotent). */
export function registerBoard(board: RunningBoard): () => void {
  const dir = registryDir();
  const file = join(dir, `${board.pid}-${++counter}.json`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileAtomic(file, JSON.stringify(board) + '\n', { force: true });
  } catch {
    return () => {}; // listing is a convenience; the board works without it
  }
  let removed = false;
  const remove = (): void => {
    if (removed) return;
    removed = true;
    process.off('exit', remove);
    try {
      unlinkSync(file);
    } catch {
      /* already gone */
    }
  };
  process.on('exit', remove);
  return remove;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Boards whose process and tty still exist; stale records are removed. */
export function listRunningBoards(): RunningBoard[] {
  const dir = registryDir();
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const boards: RunningBoard[] = [];
  for (const n of names) {
    const file = join(dir, n);
    let b: RunningBoard;
    try {
      b = JSON.parse(readFileSync(file, 'utf8')) as RunningBoard;
    } catch {
      continue; // being written, or not ours
    }
    if (typeof b.pid !== 'number' || typeof b.path !== 'string') continue;
    if (!alive(b.pid) || !existsSync(b.path)) {
      try {
        unlinkSync(file);
      } catch {
        /* someone else cleaned it */
      }
      continue;
    }
    boards.push(b);
  }
  return boards;
}
