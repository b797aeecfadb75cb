// A virtual MicroPython board: the real MicroPython (WebAssembly build) behind a real
// pseudo-terminal. Anything that talks to a serial port — mcu-gc, mpremote, pyboard.py,
// picocom — can open its path. Tests start one in-process with startVirtualBoard().
//
// Its defaults are those of ports/webassembly.yaml, so that `compare --board=webassembly`
// against a default virtual board matches: a 1 MiB heap (loadMicroPython's default) in a
// 16 MiB linear memory, which split-heap-auto may grow into and no further.

import { lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MicroPythonDevice, type DeviceStats, type RawPasteMode } from './micropython-device.js';
import { openRawPty } from './pty.js';
import { registerBoard } from './registry.js';
import { WASM_PAGE } from './wasm-patch.js';

export interface VirtualBoardOptions {
  /** GC heap size in bytes (default 1 MiB, as the webassembly board config). */
  heapSize?: number;
  /**
   * The board's RAM: the WebAssembly linear memory in bytes (static data, C stack, the
   * heap and what split-heap-auto adds), fixed; MemoryError beyond. Default: 16 MiB with
   * the default heap (the webassembly board config); with only heapSize given, exactly
   * what that heap needs — the heap cannot grow, like a board's.
   */
  memory?: number;
  /** Host directory holding the flash, kept after the board stops (default: a temporary one, removed). */
  fsDir?: string;
  /** Create a symlink to the tty at this path (like socat's link=); removed on close. */
  link?: string;
  /** Send MicroPython's boot banner to the tty at start (a USB board's is usually lost). */
  banner?: boolean;
  /** How raw-paste requests are answered (default 'accept', as v1.14+). */
  rawPaste?: RawPasteMode;
  /** Raw-paste window in bytes (default 128, MicroPython's default). */
  rawPasteWindow?: number;
  /** One-line notices (an interpreter restart); default: stderr. */
  onNotice?: (message: string) => void;
  /** List the board for `mcu-gc ports` (default true). */
  register?: boolean;
}

export interface VirtualBoard {
  /** The tty to open, e.g. /dev/pts/4. */
  readonly path: string;
  /** The symlink, when one was asked for. */
  readonly link?: string;
  readonly heapSize: number;
  /** Linear memory in bytes (the RAM), page-rounded. */
  readonly memory: number;
  /** True when the heap cannot grow (no memory given with a heap size). */
  readonly fixedHeap: boolean;
  readonly fsDir: string;
  readonly stats: DeviceStats;
  /** Stops the board and closes the tty (always call it: an open pty keeps node alive). */
  close(): void;
}

export const DEFAULT_HEAP_SIZE = 1024 * 1024;
export const DEFAULT_MEMORY = 16 * 1024 * 1024;
/** Where malloc starts in linear memory: ports/webassembly.yaml heap.start (static data and the 64 KiB C stack lie below). */
const MALLOC_START = 0x2fa00;
/** mp_js_init's pystack: loadMicroPython's default 2048 words. */
const PYSTACK_BYTES = 2048 * 4;
/** Room the C library needs beside the heap (opendir, small buffers). */
const C_RESERVE = 16 * 1024;
/** Pages beyond the RAM for runPython's copy of pasted source (worker.ts lendScratch). */
const SCRATCH_PAGES = 4;

/** The least linear memory a heap of this size boots in. */
export function minimumMemory(heapSize: number): number {
  return MALLOC_START + PYSTACK_BYTES + heapSize + C_RESERVE;
}

export async function startVirtualBoard(opts: VirtualBoardOptions = {}): Promise<VirtualBoard> {
  const heapSize = opts.heapSize ?? DEFAULT_HEAP_SIZE;
  const fixedHeap = opts.memory === undefined && opts.heapSize !== undefined;
  const memory = opts.memory ?? (fixedHeap ? minimumMemory(heapSize) : DEFAULT_MEMORY);
  if (memory < minimumMemory(heapSize)) {
    throw new Error(`a ${memory}-byte memory cannot hold a ${heapSize}-byte heap: it needs at least ${minimumMemory(heapSize)} bytes (static data, C stack, pystack and heap)`);
  }
  const ramPages = Math.ceil(memory / WASM_PAGE);
  const tempFs = opts.fsDir === undefined;
  const fsDir = opts.fsDir ?? mkdtempSync(join(tmpdir(), 'mcu-gc-vb-flash-'));
  if (!tempFs) mkdirSync(fsDir, { recursive: true });
  const removeFs = (): void => {
    process.off('exit', removeFs);
    if (tempFs) rmSync(fsDir, { recursive: true, force: true });
  };
  // A process that ends without close() (an uncaught error) still leaves no flash behind.
  if (tempFs) process.on('exit', removeFs);
  const notice = opts.onNotice ?? ((m: string) => process.stderr.write(m + '\n'));

  let pty;
  try {
    pty = openRawPty();
  } catch (e) {
    removeFs();
    throw e;
  }
  let device: MicroPythonDevice;
  try {
    device = await MicroPythonDevice.boot(
      {
        heapSize,
        memoryPages: ramPages + SCRATCH_PAGES,
        fixedHeap,
        fsDir,
        rawPaste: opts.rawPaste,
        rawPasteWindow: opts.rawPasteWindow,
        onNotice: notice,
      },
      (bytes) => pty.write(bytes),
      opts.banner ?? false,
    );
  } catch (e) {
    pty.close();
    removeFs();
    throw e;
  }
  pty.onData((chunk) => device.receive(chunk));
  let link: string | undefined;
  if (opts.link) {
    try {
      replaceSymlink(opts.link, pty.path);
      link = opts.link;
    } catch (e) {
      device.close();
      pty.close();
      removeFs();
      throw e;
    }
  }
  const unregister =
    opts.register === false
      ? () => {}
      : registerBoard({
          path: pty.path,
          link,
          pid: process.pid,
          heapSize,
          memory: ramPages * WASM_PAGE,
          fsDir,
          started: new Date().toISOString(),
          // The webassembly config is the default board's; another heap size is a compare flag.
          compareWith: `--board=webassembly${heapSize === DEFAULT_HEAP_SIZE ? '' : ` --heap-size ${heapSize}`}`,
        });
  let closed = false;
  return {
    path: pty.path,
    link,
    heapSize,
    memory: ramPages * WASM_PAGE,
    fixedHeap,
    fsDir,
    stats: device.stats,
    close() {
      if (closed) return;
      closed = true;
      device.close();
      pty.close();
      unregister();
      removeFs();
      if (link) {
        try {
          unlinkSync(link);
        } catch {
          /* already gone */
        }
      }
    },
  };
}

/** Replaces a stale symlink (from a killed run) but never a regular file. */
function replaceSymlink(link: string, target: string): void {
  let st;
  try {
    st = lstatSync(link);
  } catch {
    st = undefined;
  }
  if (st && !st.isSymbolicLink()) throw new Error(`${link}: exists and is not a symlink; not replacing it`);
  if (st) unlinkSync(link);
  symlinkSync(target, link);
}
