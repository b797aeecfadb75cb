// The text py/gc.c prints: gc_dump_info() and gc_dump_alloc_table().

import { AT_FREE, AT_HEAD, AT_TAIL } from './area.js';
import type { GcHeap, GcInfo } from './heap.js';
import type { TypeTable } from './types.js';
import { isV19 } from './config.js';

const DUMP_BYTES_PER_LINE = 64;

/** `%u` of a (uint) cast: 32-bit. */
function u(n: number): string {
  return String(n >>> 0);
}

/** gc_dump_info(): two lines, each ending in \n. */
export function dumpInfo(info: GcInfo, splitAuto: boolean): string {
  let s = `GC: total: ${u(info.total)}, used: ${u(info.used)}, free: ${u(info.free)}`;
  if (splitAuto) s += `, max new split: ${u(info.maxNewSplit ?? 0)}`;
  s += `\n No. of 1-blocks: ${u(info.num1block)}, 2-blocks: ${u(info.num2block)}, max blk sz: ${u(info.maxBlock)}, max free sz: ${u(info.maxFree)}\n`;
  return s;
}

/**
 * gc_dump_alloc_table(): per area, "GC memory layout; from %p:" then 64 blocks a line,
 * runs of two or more all-free lines abbreviated, each area ending in \n.
 * Line offsets are `%05x` (masked to 20 bits) in v1.9.2/v1.9.4 and `%08x` from v1.10 on.
 */
export function dumpAllocTable(heap: GcHeap, types: TypeTable): string {
  const parts: string[] = [];
  const bpb = heap.config.blockSize;
  const v194 = isV19(heap.config.version);
  for (const a of heap.areas) {
    parts.push(`GC memory layout; from ${a.poolStart.toString(16)}:`);
    const total = a.atbLen * 4;
    let line = '';
    for (let bl = 0; bl < total; bl++) {
      if (bl % DUMP_BYTES_PER_LINE === 0) {
        let bl2 = bl;
        while (bl2 < total && a.kind(bl2) === AT_FREE) bl2++;
        if (bl2 - bl >= 2 * DUMP_BYTES_PER_LINE) {
          parts.push(line);
          line = '';
          parts.push(`\n       (${u(Math.floor((bl2 - bl) / DUMP_BYTES_PER_LINE))} lines all free)`);
          bl = bl2 - (bl2 % DUMP_BYTES_PER_LINE);
          if (bl >= total) break;
        }
        parts.push(line);
        const off = bl * bpb;
        line = v194
          ? `\n${(off & 0xfffff).toString(16).padStart(5, '0')}: `
          : `\n${(off >>> 0).toString(16).padStart(8, '0')}: `;
      }
      const k = a.kind(bl);
      if (k === AT_FREE) line += '.';
      else if (k === AT_HEAD) line += types.letter(heap.mem.readWord(a.poolStart + bl * bpb));
      else if (k === AT_TAIL) line += '=';
      else line += 'm';
    }
    parts.push(line);
    parts.push('\n');
  }
  return parts.join('');
}
