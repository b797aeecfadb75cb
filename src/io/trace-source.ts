// Streams a trace file in chunks (TraceReader's source factory), so a multi-megabyte
// trace is never held in memory whole.
import { closeSync, openSync, readSync } from 'node:fs';
import type { TraceSource } from '../../emulator/index.js';
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
    return {
      read(buf, offset, length) {
        if (fd === null) return 0;
        const n = readSync(fd, buf, offset, length, null);
        if (n === 0) {
          closeSync(fd);
          fd = null;
        }
        return n;
      },
    };
  };
}
