// The text `micropython.mem_info(1)` prints (py/modmicropython.c mp_micropython_mem_info),
// per ../shared/reference/protocol.md §2: an optional `mem:` line (MICROPY_MEM_STATS builds),
// `stack: U[ out of N]`, gc_dump_info's two lines and, verbose, gc_dump_alloc_table.
// Lines end in \n (a board's cooked stdout would send \r\n).
// Pure module.

import { dumpAllocTable, dumpInfo } from './dump.js';
import type { GcInfo } from './heap.js';
import type { Machine } from './machine.js';

export interface MemInfoOptions {
  /** mem_info(1): append the alloc table. */
  verbose: boolean;
  /** What `stack:` prints: bytes in use and the check limit (null: no `out of`). */
  stack: { used: number; limit: number | null };
  /** MICROPY_MEM_STATS counters, when the build has them: total, current, peak bytes. */
  memStats?: { total: number; current: number; peak: number } | null;
  /** Precomputed gc_info (saves a pass). */
  info?: GcInfo;
}

export function memInfoText(m: Machine, opts: MemInfoOptions): string {
  let s = '';
  if (opts.memStats) s += `mem: total=${opts.memStats.total >>> 0}, current=${opts.memStats.current >>> 0}, peak=${opts.memStats.peak >>> 0}\n`;
  s += `stack: ${opts.stack.used}`;
  if (opts.stack.limit !== null) s += ` out of ${opts.stack.limit}`;
  s += '\n';
  s += dumpInfo(opts.info ?? m.heap.info(), m.config.splitAuto);
  if (opts.verbose) s += dumpAllocTable(m.heap, m.types);
  return s;
}
