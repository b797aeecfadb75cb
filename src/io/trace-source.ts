// Streams a trace file in chunks (TraceReader's source factory), so a multi-megabyte
// trace is never held in memory whole.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
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
