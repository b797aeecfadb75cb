// Runs the --ram read on the board and decodes the printed bytes as they stream in.

import { TransportError } from '../serial/errors.js';
import { parseMemInfo, type ParsedMemInfo } from '../memdump/index.js';
import { BytesReprDecoder } from './bytes-repr.js';
import type { Executor } from './device.js';
import { type ReadWindow, ramCode, readWindows } from './ram.js';

export interface RamRead {
  /** The dump printed in the same command, right before the bytes were read. */
  dump: ParsedMemInfo;
  dumpText: string;
  windows: ReadWindow[];
  bytes: Uint8Array[];
}

export class RamReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RamReadError';
  }
}

export async function readRam(
  repl: Executor,
  layout: ParsedMemInfo,
  opts: { collect?: boolean; onProgress?: (done: number, total: number) => void; timeoutMs?: number } = {},
): Promise<RamRead> {
  if (!layout.blockSize || layout.areas.length === 0) throw new RamReadError('the capture has no complete block table to read the heap by');
  const windows = readWindows(layout);
  const total = windows.reduce((n, w) => n + w.end - w.start, 0);
  let dumpText = '';
  let buf = '';
  let cur: BytesReprDecoder | null = null;
  const done: BytesReprDecoder[] = [];
  let decodedBefore = 0;
  let progress = 0;
  const onText = (t: string): void => {
    buf += t;
    if (!cur && done.length === 0) {
      const i = buf.indexOf('bytearray(');
      if (i < 0) {
        // Keep the tail in case "bytearray(" is split across chunks.
        dumpText += buf.slice(0, Math.max(0, buf.length - 10));
        buf = buf.slice(Math.max(0, buf.length - 10));
        return;
      }
      dumpText += buf.slice(0, i);
      buf = buf.slice(i);
      cur = new BytesReprDecoder(windows[0]!.end - windows[0]!.start);
    }
    while (buf.length > 0 && done.length < windows.length) {
      cur ??= new BytesReprDecoder(windows[done.length]!.end - windows[done.length]!.start);
      const rest: string = cur.feed(buf);
      buf = rest;
      if (cur.done) {
        decodedBefore += cur.length;
        done.push(cur);
        cur = null;
      }
    }
    progress = decodedBefore + (cur?.length ?? 0);
    opts.onProgress?.(progress, total);
  };
  let res;
  try {
    res = await repl.exec(ramCode(windows, opts.collect ?? true), {
      timeoutMs: opts.timeoutMs ?? 10_000,
      onStdout: (c) => onText(Buffer.from(c).toString('latin1')),
    });
  } catch (e) {
    if (e instanceof TransportError) throw new RamReadError(`the board stopped answering after ${progress} of ${total} heap bytes: ${e.message}`);
    throw e;
  }
  if (res.stderr) {
    const last = res.stderr.trim().split(/\r?\n/).pop() ?? '';
    if (/ImportError|no module named/.test(last)) {
      throw new RamReadError(`this firmware has no uctypes module, so the heap cannot be read from Python (${last})`);
    }
    throw new RamReadError(`reading the heap raised on the board: ${last}`);
  }
  if (done.length < windows.length) throw new RamReadError(`only ${done.length} of ${windows.length} heap areas arrived`);
  const bytes = done.map((d) => d.bytes());
  windows.forEach((w, i) => {
    if (bytes[i]!.length !== w.end - w.start) throw new RamReadError(`area ${i}: got ${bytes[i]!.length} bytes, asked for ${w.end - w.start}`);
  });
  return { dump: parseMemInfo(dumpText), dumpText, windows, bytes };
}
