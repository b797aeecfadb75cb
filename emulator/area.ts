// One heap area (mp_state_mem_area_t): its tables and pool, resolved once to a backing
// region so the hot loops index typed arrays directly.

import type { GcConfig } from './config.js';
import type { AreaLayout } from './layout.js';
import type { AddressSpace, Region } from './memory.js';

export const AT_FREE = 0;
export const AT_HEAD = 1;
export const AT_TAIL = 2;
export const AT_MARK = 3;

/** ATB bytes per free-run index chunk (64 bytes = 256 blocks); block b is in chunk b >> 8. */
export const INDEX_CHUNK_BYTES = 64;
export const INDEX_CHUNK_SHIFT = 8;

/** Chunks of the free-run index over an ATB of `atbLen` bytes. */
export function indexChunks(atbLen: number): number {
  return Math.ceil(atbLen / INDEX_CHUNK_BYTES);
}

/** Words of the mark-overflow bits (one per block) of an area of `blocks` blocks. */
export function pendingWords(blocks: number): number {
  return (blocks >> 5) + 1;
}

export class HeapArea {
  readonly layout: AreaLayout;
  readonly region: Region;
  /** Region bytes; the ATB, FTB, WTB and pool are all windows into this array. */
  readonly bytes: Uint8Array;
  readonly u32: Uint32Array;
  /** Region words, signed (see Region.i32). */
  readonly i32: Int32Array;
  readonly atbOff: number;
  readonly atbLen: number;
  /** Offset of the FTB in `bytes`, or -1 without finaliser. */
  readonly ftbOff: number;
  /** Offset of the WTB in `bytes`, or -1 without weakref. */
  readonly wtbOff: number;
  readonly poolStart: number;
  readonly poolEnd: number;
  /** Offset of the pool in `bytes`. */
  readonly poolOff: number;
  readonly blocks: number;
  /** Bytes per block. */
  readonly bpb: number;
  /** True for areas added with gc_add (descriptor at the start of the area). */
  readonly added: boolean;
  /** gc_last_free_atb_index: where the next first-fit search starts (an ATB byte index). */
  lastFreeAtbIndex = 0;
  /** gc_last_used_block (v1.21+): highest block ever allocated since the last sweep. */
  lastUsedBlock = 0;
  next: HeapArea | null = null;

  // Free-run index for the first-fit search (an emulator speed-up; gc.c has none): the
  // ATB in chunks of INDEX_CHUNK_BYTES bytes, each with the free run at its start (pre),
  // at its end (suf) and the longest inside (max), in blocks. A chunk is recomputed when
  // its dirty flag is set; every ATB write that can turn a block FREE or not-FREE sets it.
  readonly idxPre: Int32Array;
  readonly idxSuf: Int32Array;
  readonly idxMax: Int32Array;
  /** (Moved into the collection kernel's scratch, contents kept, when it binds the area.) */
  idxDirty: Uint8Array;
  /**
   * Mark-phase bookkeeping (an emulator speed-up): one bit per block that was marked while
   * the mark stack was full, so its children are not yet marked. Set and cleared within one
   * collection; gc_deal_with_stack_overflow's rescans visit only these (see GcHeap).
   * (Moved into the collection kernel's scratch, as idxDirty.)
   */
  pending: Uint32Array;
  /** This area's position in the area list, set at each overflow rescan. */
  markOrder = 0;

  constructor(mem: AddressSpace, layout: AreaLayout, added: boolean) {
    const from = layout.descriptor ? layout.descriptor.address : layout.start;
    const region = mem.resolve(from, layout.end - from);
    this.layout = layout;
    this.region = region;
    this.bytes = region.bytes;
    this.u32 = region.u32;
    this.i32 = region.i32;
    this.atbOff = layout.atbStart - region.base;
    this.atbLen = layout.atbLen;
    this.ftbOff = layout.ftbStart !== undefined ? layout.ftbStart - region.base : -1;
    this.wtbOff = layout.wtbStart !== undefined ? layout.wtbStart - region.base : -1;
    this.poolStart = layout.poolStart;
    this.poolEnd = layout.poolEnd;
    this.poolOff = layout.poolStart - region.base;
    this.blocks = layout.blocks;
    this.bpb = layout.poolBytes / layout.blocks;
    this.added = added;
    const chunks = indexChunks(this.atbLen);
    this.idxPre = new Int32Array(chunks);
    this.idxSuf = new Int32Array(chunks);
    this.idxMax = new Int32Array(chunks);
    this.idxDirty = new Uint8Array(chunks).fill(1);
    this.pending = new Uint32Array(pendingWords(this.blocks));
  }

  /** Forget the free-run index (after the ATB was written behind the engine's back). */
  invalidateIndex(): void {
    this.idxDirty.fill(1);
  }

  /** gc_setup_area's memset: ATB, gap byte, FTB and WTB all cleared. */
  clearTables(): void {
    const l = this.layout;
    this.bytes.fill(0, this.atbOff, this.atbOff + (l.tablesEnd - l.atbStart));
    this.lastFreeAtbIndex = 0;
    this.lastUsedBlock = 0;
    this.invalidateIndex();
  }

  /** ATB_GET_KIND. Reads the byte where gc.c would, even past the table's end. */
  kind(block: number): number {
    return (this.bytes[this.atbOff + (block >> 2)]! >> ((block & 3) << 1)) & 3;
  }

  /** Address of a block. */
  addr(block: number): number {
    return this.poolStart + block * this.bpb;
  }

  contains(ptr: number): boolean {
    return ptr >= this.poolStart && ptr < this.poolEnd;
  }
}

/** Fields of GcConfig the hot loops need, precomputed. */
export interface Geometry {
  bpb: number;
  bpbShift: number;
  bpbMask: number;
  wordSize: 4 | 8;
  wordsPerBlock: number;
}

export function geometry(c: GcConfig): Geometry {
  return {
    bpb: c.blockSize,
    bpbShift: Math.log2(c.blockSize),
    bpbMask: c.blockSize - 1,
    wordSize: c.wordSize,
    wordsPerBlock: c.blockSize / c.wordSize,
  };
}
