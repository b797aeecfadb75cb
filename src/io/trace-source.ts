// Streams a trace file in chunks (TraceReader's source factory), so a multi-megabyte
// trace is never held in memory whole.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { TraceSource } from '../../emulator/trace/parse.js';
import { UserError } from '../errors.js';
import { describeFsError } from './files.js';

export function fileTraceSource(file: string): () => TraceSource {
  return () => {
    let fd: number | null;
    try {
      fd = openSync(file, 'r');
    } catch (e) {
      throw new UserError(`${file}: cannot read: ${describeFsError(e)}`);
    }
    // A folder opens fine on Linux and fails only at the first read (EISDIR): say so up front.
    if (fstatSync(fd).isDirectory()) {
      closeSync(fd);
      throw new UserError(`${file}: cannot read: is a directory`);
    }
    return {
      read(buf, offset, length) {
        if (fd === null) return 0;
        let n: number;
        try {
          n = readSync(fd, buf, offset, length, null);
        } catch (e) {
          closeSync(fd);
          fd = null;
          throw new UserError(`${file}: cannot read: ${describeFsError(e)}`);
        }
        if (n === 0) {
          closeSync(fd);
          fd = null;
        }
        return n;
      },
    };
  };
}

/** Lines in a file (for a progress bar's total), counted in chunks; 0 if it cannot be read. */
export function countLines(file: string): number {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const buf = Buffer.alloc(1 << 20);
    let lines = 0;
    let last = 10;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      // A last line without its newline still counts.
      if (n === 0) return lines + (last === 10 ? 0 : 1);
      for (let i = buf.indexOf(10); i >= 0 && i < n; i = buf.indexOf(10, i + 1)) lines++;
      last = buf[n - 1]!;
    }
  } catch {
    return 0;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
