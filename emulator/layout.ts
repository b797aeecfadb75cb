// Layout arithmetic of one heap area: gc_init()/gc_add() → gc_setup_area().
//
//   [descriptor (gc_add only)] [ATB][gap byte (v1.20+)][FTB][WTB (v1.28)] [slack] [pool .......]
//   ^ start                                                                    ^ pool start  ^ end
//
// The pool is anchored at the (block-aligned) end, so any rounding slack sits between
// the tables and the pool.

import { type GcConfig, areaStructSize, isV19 } from './config.js';
import { hex } from './memory.js';

export interface AreaLayout {
  /** Where gc_add() put the area descriptor (mp_state_mem_area_t), if it did. */
  descriptor?: { address: number; size: number };
  /** First byte of the ATB: the `start` gc_setup_area() receives. */
  start: number;
  /** `end` as given by the caller, before alignment. */
  requestedEnd: number;
  /** End aligned down to the block size: also the pool end. */
  end: number;
  /** end - start. */
  totalBytes: number;
  atbStart: number;
  atbLen: number;
  /** The gap byte after the ATB (v1.20+), or undefined. */
  gapByte?: number;
  ftbStart?: number;
  ftbLen: number;
  wtbStart?: number;
  wtbLen: number;
  /** First byte after the tables. */
  tablesEnd: number;
  poolStart: number;
  poolEnd: number;
  blocks: number;
  poolBytes: number;
  /** Unused bytes between the tables and the pool; negative when the last table byte(s) lie inside the pool (see computeAreaLayout). */
  slack: number;
}

export class LayoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LayoutError';
  }
}

const BLOCKS_PER_ATB = 4;
const BLOCKS_PER_FTB = 8;

/**
 * Computes what gc_init(start, end) (viaAdd false) or gc_add(start, end) (viaAdd true)
 * does to the memory in [start, end).
 */
export function computeAreaLayout(c: GcConfig, start: number, end: number, viaAdd = false): AreaLayout {
  const bpb = c.blockSize;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < 0) {
    throw new LayoutError(`heap bounds ${start}..${end} are not addresses`);
  }
  let descriptor: AreaLayout['descriptor'];
  let s = start;
  if (viaAdd) {
    // gc_add places the area struct at `start` without realigning, then the area proper
    // begins right after it (py/gc.c gc_add).
    const size = areaStructSize(c);
    descriptor = { address: start, size };
    s = start + size;
  }
  const alignedEnd = end - (end % bpb);
  if (alignedEnd <= s) {
    throw new LayoutError(`heap ${hex(start)}..${hex(end)} is empty once the end is aligned down to ${bpb} bytes`);
  }
  const total = alignedEnd - s;
  let atbLen: number;
  let gap = 0;
  if (isV19(c.version)) {
    // v1.9.2/v1.9.4: A = T*8 / (8 + 8*4/8 + 8*4*BPB) with the finaliser, T / (1 + 4*BPB) without;
    // no gap byte.
    atbLen = c.finaliser ? Math.floor((total * 8) / (8 + 4 + 32 * bpb)) : Math.floor(total / (1 + 4 * bpb));
  } else {
    // v1.20+: one gap byte (ALLOC_TABLE_GAP_BYTE) is kept free after the ATB so that a
    // chain at the end of the pool never runs on into FTB bits read as AT_TAIL.
    gap = 1;
    const t = total - 1;
    if (c.finaliser || c.weakref) {
      const div = 8 + (c.finaliser ? 4 : 0) + (c.weakref ? 4 : 0) + 32 * bpb;
      atbLen = Math.floor((t * 8) / div);
    } else {
      atbLen = Math.floor(t / (1 + 4 * bpb));
    }
  }
  if (atbLen < 1) {
    throw new LayoutError(`heap ${hex(start)}..${hex(end)} (${total} bytes) is too small for even one ATB byte`);
  }
  const blocks = atbLen * BLOCKS_PER_ATB;
  const ftbLen = c.finaliser ? Math.ceil(blocks / BLOCKS_PER_FTB) : 0;
  const wtbLen = c.weakref ? Math.ceil(blocks / BLOCKS_PER_FTB) : 0;
  const atbStart = s;
  const gapByte = gap ? atbStart + atbLen : undefined;
  const ftbStart = c.finaliser ? atbStart + atbLen + gap : undefined;
  const wtbStart = c.weakref ? atbStart + atbLen + gap + ftbLen : undefined;
  const tablesEnd = atbStart + atbLen + gap + ftbLen + wtbLen;
  const poolBytes = blocks * bpb;
  const poolStart = alignedEnd - poolBytes;
  // The ATB length comes from an exact division, but the FTB and WTB lengths are rounded
  // up, so in a tight area the last table byte can be the pool's first byte. gc.c only
  // asserts against it; a release build (NDEBUG, as on devices) runs with the overlap, and so
  // does the emulator: `slack` is negative then and the heap reports a warning.

  const out: AreaLayout = {
    start: s,
    requestedEnd: end,
    end: alignedEnd,
    totalBytes: total,
    atbStart,
    atbLen,
    ftbLen,
    wtbLen,
    tablesEnd,
    poolStart,
    poolEnd: alignedEnd,
    blocks,
    poolBytes,
    slack: poolStart - tablesEnd,
  };
  if (descriptor) out.descriptor = descriptor;
  if (gapByte !== undefined) out.gapByte = gapByte;
  if (ftbStart !== undefined) out.ftbStart = ftbStart;
  if (wtbStart !== undefined) out.wtbStart = wtbStart;
  return out;
}
