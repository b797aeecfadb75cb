// A virtual MicroPython board: the real MicroPython (WebAssembly build) behind a real
// pseudo-terminal. Anything that talks to a serial port — mcu-gc, mpremote, picocom — can
// open its path. Tests start one in-process with startVirtualBoard().

import { lstatSync, symlinkSync, unlinkSync } from 'node:fs';
import { MicroPythonDevice, type DeviceStats, type RawPasteMode } from './micropython-device.js';
import { openRawPty } from './pty.js';

export interface VirtualBoardOptions {
  /** GC heap size in bytes (default 64 KiB). */
  heapSize?: number;
  /** Create a symlink to the tty at this path (like socat's link=); removed on close. */
  link?: string;
  /** Send MicroPython's boot banner to the tty at start (a USB board's is usually lost). */
  banner?: boolean;
  /** How raw-paste requests are answered (default 'accept', as v1.14+). */
  rawPaste?: RawPasteMode;
  /** Raw-paste window in bytes (default 128, MicroPython's default). */
  rawPasteWindow?: number;
}

export interface VirtualBoard {
  /** The tty to open, e.g. /dev/pts/4. */
  readonly path: string;
  /** The symlink, when one was asked for. */
  readonly link?: string;
  readonly heapSize: number;
  readonly stats: DeviceStats;
  /** Stops the board and closes the tty (always call it: an open pty keeps node alive). */
  close(): void;
}

export const DEFAULT_HEAP_SIZE = 64 * 1024;

export async function startVirtualBoard(opts: VirtualBoardOptions = {}): Promise<VirtualBoard> {
  const heapSize = opts.heapSize ?? DEFAULT_HEAP_SIZE;
  const pty = openRawPty();
  let device: MicroPythonDevice;
  try {
    device = await MicroPythonDevice.boot(
      { heapSize, rawPaste: opts.rawPaste, rawPasteWindow: opts.rawPasteWindow },
      (bytes) => pty.write(bytes),
      opts.banner ?? false,
    );
  } catch (e) {
    pty.close();
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
      throw e;
    }
  }
  let closed = false;
  return {
    path: pty.path,
    link,
    heapSize,
    stats: device.stats,
    close() {
      if (closed) return;
      closed = true;
      device.close();
      pty.close();
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
