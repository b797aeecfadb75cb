// Numbers derived from a block map: the same arithmetic as py/gc.c gc_info(), so a parsed
// map can be checked against the GC: lines printed with it, plus per-letter counts.

import type { DumpArea, GcTotals } from './types.js';

export interface MapStats {
  /** Blocks over all areas. */
  blocks: number;
  usedBlocks: number;
  freeBlocks: number;
  /** Blocks the text did not cover (`?`). */
  unknownBlocks: number;
  num1block: number;
  num2block: number;
  /** Longest allocation, in blocks. */
  maxBlock: number;
  /** Longest free run within one area, in blocks (gc_info's reckoning). */
  maxFree: number;
  /** Count of each letter (`.`, `=`, heads, `m`, `?`). */
  letters: Record<string, number>;
  /** Allocations (head blocks). */
  allocations: number;
}

const FREE = 0;
const HEAD = 1;
const TAIL = 2;
const MARK = 3;
const UNKNOWN = 4;

function kindOf(c: string): number {
  switch (c) {
    case '.':
      return FREE;
    case '=':
      return TAIL;
    case 'm':
      return MARK;
    case '?':
      return UNKNOWN;
    default:
      return HEAD;
  }
}

/**
 * gc_info() over the maps, loop for loop (py/gc.c v1.27; v1.9.4 is the same for one area):
 * a chain ends at the next FREE or HEAD; a free run ends only at a HEAD or the area's end
 * (so a MARK inside a free run does not split it, as in gc.c). `?` blocks end both.
 */
export function mapStats(areas: readonly Pick<DumpArea, 'map'>[]): MapStats {
  const s: MapStats = {
    blocks: 0,
    usedBlocks: 0,
    freeBlocks: 0,
    unknownBlocks: 0,
    num1block: 0,
    num2block: 0,
    maxBlock: 0,
    maxFree: 0,
    letters: {},
    allocations: 0,
  };
  for (const a of areas) {
    const map = a.map;
    const total = map.length;
    s.blocks += total;
    let len = 0;
    let lenFree = 0;
    for (let block = 0; block < total; ) {
      const c = map[block]!;
      s.letters[c] = (s.letters[c] ?? 0) + 1;
      switch (kindOf(c)) {
        case FREE:
          s.freeBlocks++;
          lenFree++;
          len = 0;
          break;
        case HEAD:
          s.usedBlocks++;
          s.allocations++;
          len = 1;
          break;
        case TAIL:
          s.usedBlocks++;
          len++;
          break;
        case UNKNOWN:
          s.unknownBlocks++;
          len = 0;
          if (lenFree > s.maxFree) s.maxFree = lenFree;
          lenFree = 0;
          break;
        default:
          break;
      }
      block++;
      const finish = block === total;
      const next = finish ? FREE : kindOf(map[block]!);
      if (finish || next === FREE || next === HEAD || next === UNKNOWN) {
        if (len === 1) s.num1block++;
        else if (len === 2) s.num2block++;
        if (len > s.maxBlock) s.maxBlock = len;
        if (finish || next === HEAD || next === UNKNOWN) {
          if (lenFree > s.maxFree) s.maxFree = lenFree;
          lenFree = 0;
        }
      }
    }
  }
  return s;
}

/** The GC: lines gc_dump_info would print for these maps (without max new split). */
export function totalsFromMap(areas: readonly Pick<DumpArea, 'map'>[], blockSize: number): GcTotals {
  const s = mapStats(areas);
  return {
    total: s.blocks * blockSize,
    used: s.usedBlocks * blockSize,
    free: s.freeBlocks * blockSize,
    num1block: s.num1block,
    num2block: s.num2block,
    maxBlock: s.maxBlock,
    maxFree: s.maxFree,
  };
}
