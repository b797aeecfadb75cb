// MicroPython's garbage-collected heap (py/gc.c), operation for operation.
//
// The ATB (2 bits a block: FREE 00, HEAD 01, TAIL 10, MARK 11), FTB and WTB live in the
// emulated memory at the addresses gc_setup_area() gives them, and every state change
// uses the same bit operations gc.c uses (|= to make HEAD/TAIL/MARK, &= to clear), so
// even the v1.9.4 bugs that set bits on blocks already in use come out bit-exact.
//
// Profile differences followed here (see GcConfig.version):
//  - v1.9.2: v1.9.4's algorithm (see v1.9.4), except gc_realloc's pointer check below.
//  - v1.9.4: one area; no gap byte; the sweep runs finalisers inline; gc_alloc does not
//    reset its free-run counter after collecting (fixed in 91041945c9) and does not count
//    a threshold collection as "collected" (fixed in 6bd78741c1).
//  - v1.27: gap byte; split heaps (gc_add); gc_last_used_block bounds the sweep;
//    finalisers run in their own pass before blocks are freed; split-heap-auto growth.
//  - v1.28: as v1.27, plus the weakref table (WTB) handled in the finaliser pass.

import { AT_FREE, AT_HEAD, AT_MARK, AT_TAIL, type Geometry, HeapArea, INDEX_CHUNK_BYTES, INDEX_CHUNK_SHIFT, geometry } from './area.js';
import { ConfigError, type GcConfig, areaStructSize, isV19, validateConfig } from './config.js';
import { computeAreaLayout } from './layout.js';
import { CollectKernel, NO_LIMIT, attachCollectKernel, collectKernelOf } from './kernel/collect-kernel.js';
import { type AddressSpace, MemoryError, hex } from './memory.js';

export type CollectReason = 'explicit' | 'threshold' | 'exhausted';

/** A run of words scanned conservatively as roots (root-pointer section, C stack). */
export interface RootRange {
  name: string;
  address: number;
  words: number;
}

/** What one collection did, and how much work it took (for pause estimates). */
export interface CollectionRecord {
  index: number;
  reason: CollectReason;
  /** gc_collected: head blocks freed by the sweep. */
  freed: number;
  /** Blocks (heads and tails) returned to the pool. */
  freedBlocks: number;
  /** Addresses whose __del__ ran, in sweep order. */
  finalised: number[];
  /** Addresses with a WTB bit that were about to be freed (v1.28). */
  weak: number[];
  /** Heads marked. */
  marked: number;
  /** Words examined while marking (roots and heap). */
  scannedWords: number;
  /** Times the mark stack overflowed and the whole heap was rescanned. */
  overflowRescans: number;
  /** Blocks visited by the sweep (and the overflow rescans). */
  sweptBlocks: number;
  /** Blocks in use (HEAD and TAIL) right after this collection: the live size pacing models use. */
  usedBlocksAfter: number;
}

export interface HeapCounters {
  allocs: number;
  failedAllocs: number;
  frees: number;
  reallocs: number;
  collections: number;
  byReason: Record<CollectReason, number>;
  /** Blocks in use now (HEAD+TAIL), tracked incrementally. */
  usedBlocks: number;
  peakUsedBlocks: number;
  /** Areas added by split-heap-auto. */
  areasAdded: number;
  areasFreed: number;
}

export type WarningCode = 'v1.9.4-double-collect' | 'split-auto-freed-live-area' | 'tables-overlap-pool';

export interface HeapWarning {
  code: WarningCode;
  message: string;
}

/** The system heap a split-heap-auto port grows from (MP_PLAT_ALLOC_HEAP, gc_get_max_new_split). */
export interface SplitAutoHost {
  maxNewSplit(): number;
  allocHeap(size: number): number | null;
  freeHeap(address: number): void;
}

/** Thrown where real firmware would crash (write outside the heap), with the reason. */
export class HeapCrash extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HeapCrash';
  }
}

export interface GcInfo {
  total: number;
  used: number;
  free: number;
  /** Longest free run, in blocks. */
  maxFree: number;
  num1block: number;
  num2block: number;
  /** Longest allocated chain, in blocks. */
  maxBlock: number;
  /** split-heap-auto only: what gc_get_max_new_split() says. */
  maxNewSplit?: number;
}

const BLOCKS_PER_ATB = 4;

// Per ATB-byte facts for the first-fit search, so a byte is one table lookup instead of
// four 2-bit tests (the result is the same as gc.c's four ATB_n_IS_FREE tests):
// LEAD: free blocks at the byte's start (block 0 upward); TRAIL: free blocks at its end;
// FULL: all four blocks in use.
const LEAD = new Uint8Array(256);
const TRAIL = new Uint8Array(256);
const FULL = new Uint8Array(256);
/** MAXIN: the longest free run inside the byte. */
const MAXIN = new Uint8Array(256);
for (let v = 0; v < 256; v++) {
  let run = 0;
  let best = 0;
  for (let k = 0; k < 4; k++) {
    if (((v >> (2 * k)) & 3) === 0) best = Math.max(best, ++run);
    else run = 0;
  }
  MAXIN[v] = best;
  let lead = 0;
  while (lead < 4 && ((v >> (2 * lead)) & 3) === 0) lead++;
  let trail = 0;
  while (trail < 4 && ((v >> (2 * (3 - trail))) & 3) === 0) trail++;
  LEAD[v] = lead;
  TRAIL[v] = trail;
  FULL[v] = ((v | (v >> 1)) & 0x55) === 0x55 ? 1 : 0;
}

// The same facts for a 32-bit ATB word (16 blocks), from its mask of used blocks: bit 2k set
// where block k is not FREE (usedBlocks), for the word-wide search and summaries.
function usedBlocks(w: number): number {
  return (w | (w >>> 1)) & 0x55555555;
}

/** The first 32-bit-aligned ATB byte index at or after `at`, but not past `limit`. */
function wordAligned(at: number, limit: number): number {
  return Math.min(limit, at + ((4 - (at & 3)) & 3));
}

/** Free blocks at the word's start (used != 0). */
function leadFree(used: number): number {
  return (31 - Math.clz32(used & -used)) >> 1;
}

/** Free blocks at the word's end (used != 0). */
function trailFree(used: number): number {
  return 15 - ((31 - Math.clz32(used)) >> 1);
}

// gc_sweep_free_blocks applied to a whole ATB byte at once, for each byte value and
// incoming free_tail flag (index v | free_tail << 8): the new byte, the outgoing flag,
// heads freed, blocks freed, and the last block (0..3) left in use, or -1.
const SW_BYTE = new Uint8Array(512);
const SW_TAIL = new Uint8Array(512);
const SW_HEADS = new Uint8Array(512);
const SW_FREED = new Uint8Array(512);
const SW_LAST = new Int8Array(512);
for (let i = 0; i < 512; i++) {
  let v = i & 0xff;
  let ft = i >> 8;
  let heads = 0;
  let freed = 0;
  let last = -1;
  for (let k = 0; k < 4; k++) {
    const sh = 2 * k;
    switch ((v >> sh) & 3) {
      case AT_HEAD:
        ft = 1;
        heads++;
        v &= ~(3 << sh);
        freed++;
        break;
      case AT_TAIL:
        if (ft) {
          v &= ~(3 << sh);
          freed++;
        } else last = k;
        break;
      case AT_MARK:
        v &= ~(2 << sh);
        ft = 0;
        last = k;
        break;
    }
  }
  SW_BYTE[i] = v;
  SW_TAIL[i] = ft;
  SW_HEADS[i] = heads;
  SW_FREED[i] = freed;
  SW_LAST[i] = last;
}

/** (size_t)-1: threshold off. */
export const THRESHOLD_OFF = Number.POSITIVE_INFINITY;

export class GcHeap {
  readonly config: GcConfig;
  readonly mem: AddressSpace;
  readonly geo: Geometry;
  /** MP_STATE_MEM(area): the first area; others follow through `next`. */
  first: HeapArea | null = null;
  /** gc_last_free_area (split heaps). */
  lastFreeArea: HeapArea | null = null;
  lockDepth = 0;
  autoCollect = true;
  /** gc_alloc_threshold, in blocks. */
  threshold = THRESHOLD_OFF;
  /** gc_alloc_amount, in blocks. */
  allocAmount = 0;
  /** Root ranges scanned, in order, by every collection (root section, then stack). */
  roots: RootRange[] = [];
  /** Extra conservative roots (e.g. the pointer gc_realloc's caller holds). */
  readonly extraRoots: number[] = [];
  /**
   * More roots, marked after extraRoots: a recorded trace's extra root slots and the objects
   * allocated since its last pointer snapshot (FORMAT.md, "Recorded traces").
   */
  traceRoots: (() => Iterable<number>) | null = null;
  /** Does this type word name a type with __del__? */
  hasFinaliser: (typeWord: number) => boolean = () => false;
  splitAutoHost: SplitAutoHost | null = null;
  /**
   * What-if pacing: when set, replaces MicroPython's `gc_alloc_amount >= gc_alloc_threshold`
   * test at the top of gc_alloc (same place, same "collect first" effect). Null: stock.
   */
  trigger: ((heap: GcHeap, nBlocks: number) => boolean) | null = null;
  readonly counters: HeapCounters = {
    allocs: 0,
    failedAllocs: 0,
    frees: 0,
    reallocs: 0,
    collections: 0,
    byReason: { explicit: 0, threshold: 0, exhausted: 0 },
    usedBlocks: 0,
    peakUsedBlocks: 0,
    areasAdded: 0,
    areasFreed: 0,
  };
  /** The most recent collection. */
  lastCollection: CollectionRecord | null = null;
  onCollect: ((rec: CollectionRecord) => void) | null = null;
  onWarning: ((w: HeapWarning) => void) | null = null;
  /**
   * Use the free-run index to skip chunks in the first-fit search (default). Off, the
   * search is gc.c's plain byte-by-byte scan: the two must give identical results, which
   * the tests and the benchmark check.
   */
  useIndex = true;

  private readonly wordSize: 4 | 8;
  private readonly bpb: number;
  private readonly bpbShift: number;
  private readonly bpbMask: number;
  private readonly v194: boolean;
  private readonly markStack: Int32Array;
  private readonly markAreaStack: (HeapArea | null)[];
  private stackOverflow = false;
  private rec: CollectionRecord | null = null;
  /** The WebAssembly collection kernel for this collection, or null for the JS loops. */
  private kernel: CollectKernel | null = null;

  constructor(mem: AddressSpace, config: GcConfig) {
    this.config = validateConfig({ ...config });
    if (mem.wordSize !== config.wordSize) {
      throw new ConfigError(`memory map has ${mem.wordSize}-byte words but the GC config says ${config.wordSize}`);
    }
    this.mem = mem;
    this.geo = geometry(this.config);
    this.wordSize = config.wordSize;
    this.bpb = this.geo.bpb;
    this.bpbShift = this.geo.bpbShift;
    this.bpbMask = this.geo.bpbMask;
    this.v194 = isV19(config.version);
    this.markStack = new Int32Array(config.gcStack);
    this.markAreaStack = new Array<HeapArea | null>(config.gcStack).fill(null);
  }

  // ---------------------------------------------------------------- areas

  get areas(): HeapArea[] {
    const out: HeapArea[] = [];
    for (let a = this.first; a; a = a.next) out.push(a);
    return out;
  }

  /** gc_init(start, end). */
  init(start: number, end: number): HeapArea {
    const layout = computeAreaLayout(this.config, start, end, false);
    // The region moves into the mark kernel's memory before the area takes its views (see
    // kernel/collect-kernel.ts); 32-bit words only, as the kernel reads them.
    if (this.wordSize === 4) {
      const from = layout.descriptor ? layout.descriptor.address : layout.start;
      attachCollectKernel(this.mem.resolve(from, layout.end - from), CollectKernel.scratchFor(this.config.gcStack, layout.blocks, layout.atbLen));
    }
    const area = new HeapArea(this.mem, layout, false);
    area.clearTables();
    this.warnOverlap(layout.slack, start, end);
    this.first = area;
    this.lastFreeArea = area;
    this.lockDepth = 0;
    this.autoCollect = true;
    this.threshold = THRESHOLD_OFF;
    this.allocAmount = 0;
    this.counters.usedBlocks = 0;
    return area;
  }

  /** gc_add(start, end): the area descriptor goes at `start`, the area is appended. */
  add(start: number, end: number): HeapArea {
    if (!this.config.split) throw new ConfigError('gc_add needs a split-heap build (split 1)');
    if (!this.first) throw new ConfigError('gc_add before gc_init');
    const layout = computeAreaLayout(this.config, start, end, true);
    for (const a of this.areas) {
      const lo = a.layout.descriptor?.address ?? a.layout.start;
      if (layout.descriptor!.address < a.layout.end && lo < layout.end) {
        throw new ConfigError(`gc_add(${hex(start)}, ${hex(end)}) overlaps the heap area at ${hex(lo)}..${hex(a.layout.end)}`);
      }
    }
    const area = new HeapArea(this.mem, layout, true);
    area.clearTables();
    this.warnOverlap(layout.slack, start, end);
    let prev = this.first;
    while (prev.next) prev = prev.next;
    prev.next = area;
    return area;
  }

  private warnOverlap(slack: number, start: number, end: number): void {
    if (slack < 0) {
      this.warn(
        'tables-overlap-pool',
        `heap ${hex(start)}..${hex(end)}: the rounded-up finaliser/weakref table ends ${-slack} byte(s) inside the pool; gc.c only asserts against this, and a release build (as here) shares those bytes between the table and the first block`,
      );
    }
  }

  /** The area whose pool holds ptr, if ptr is block-aligned (VERIFY_PTR / gc_get_ptr_area). */
  areaOf(ptr: number): HeapArea | null {
    if (ptr % this.bpb !== 0) return null;
    for (let a = this.first; a; a = a.next) {
      if (ptr >= a.poolStart && ptr < a.poolEnd) return a;
    }
    return null;
  }

  /** Is ptr the head of an allocated (unmarked) block? */
  isHead(ptr: number): boolean {
    const a = this.areaOf(ptr);
    return a !== null && a.kind((ptr - a.poolStart) >> this.bpbShift) === AT_HEAD;
  }

  /** Block count of the chain starting at `block` (following AT_TAIL, as gc.c does). */
  private chainLength(a: HeapArea, block: number): number {
    let n = 1;
    const bytes = a.bytes;
    const off = a.atbOff;
    for (let b = block + 1; ; b++) {
      if (((bytes[off + (b >> 2)]! >> ((b & 3) << 1)) & 3) !== AT_TAIL) break;
      n++;
    }
    return n;
  }

  // ---------------------------------------------------------------- ATB bit operations

  private setBits(a: HeapArea, block: number, bits: number): void {
    a.bytes[a.atbOff + (block >> 2)]! |= bits << ((block & 3) << 1);
    if (block >= 0 && block < a.blocks) a.idxDirty[block >> INDEX_CHUNK_SHIFT] = 1;
  }

  private clearBits(a: HeapArea, block: number, bits: number): void {
    a.bytes[a.atbOff + (block >> 2)]! &= ~(bits << ((block & 3) << 1));
    if (block >= 0 && block < a.blocks) a.idxDirty[block >> INDEX_CHUNK_SHIFT] = 1;
  }

  private ftbGet(a: HeapArea, block: number): number {
    return (a.bytes[a.ftbOff + (block >> 3)]! >> (block & 7)) & 1;
  }

  private ftbSet(a: HeapArea, block: number): void {
    a.bytes[a.ftbOff + (block >> 3)]! |= 1 << (block & 7);
  }

  private ftbClear(a: HeapArea, block: number): void {
    a.bytes[a.ftbOff + (block >> 3)]! &= ~(1 << (block & 7));
  }

  private readWordAt(a: HeapArea, addr: number): number {
    const off = addr - a.region.base;
    if (this.wordSize === 4) return a.u32[off >> 2] ?? 0;
    return (a.u32[(off >> 2) + 1] ?? 0) * 4294967296 + (a.u32[off >> 2] ?? 0);
  }

  private zero(a: HeapArea, addr: number, len: number): void {
    if (len <= 0) return;
    const off = addr - a.region.base;
    a.bytes.fill(0, off, off + len);
  }

  /** Number of blocks for n bytes, with size_t wrap-around as in gc.c. */
  private blocksFor(nBytes: number): number {
    let t = nBytes + this.bpb - 1;
    if (this.wordSize === 4) t %= 4294967296;
    return Math.floor(t / this.bpb);
  }

  private used(delta: number): void {
    const c = this.counters;
    c.usedBlocks += delta;
    if (c.usedBlocks > c.peakUsedBlocks) c.peakUsedBlocks = c.usedBlocks;
  }

  private warn(code: WarningCode, message: string): void {
    this.onWarning?.({ code, message });
  }

  // ---------------------------------------------------------------- lock

  // gc_lock_depth is a uint16_t (mp_state_mem_t in v1.9.4, the thread state later): an
  // unlock with nothing locked wraps it to 65535, which leaves the heap locked until a
  // matching lock brings it back to 0. Found by the C oracle (scripts/c-oracle).
  lock(): void {
    this.lockDepth = (this.lockDepth + 1) & 0xffff;
  }

  unlock(): void {
    this.lockDepth = (this.lockDepth - 1) & 0xffff;
  }

  // ---------------------------------------------------------------- gc_alloc

  /** gc_alloc(n_bytes, has_finaliser ? GC_ALLOC_FLAG_HAS_FINALISER : 0). Returns 0 for NULL. */
  alloc(nBytes: number, hasFinaliser = false): number {
    const nBlocks = this.blocksFor(nBytes);
    if (nBlocks === 0) return 0;
    if (this.lockDepth > 0) return 0;
    this.counters.allocs++;
    const r = this.v194 ? this.alloc194(nBytes, nBlocks) : this.allocModern(nBytes, nBlocks);
    if (r === null) {
      this.counters.failedAllocs++;
      return 0;
    }
    return this.claim(r.area, r.start, r.end, r.nFree, nBytes, nBlocks, hasFinaliser);
  }

  // Result of the last search(): the block the run ends at (or -1), the free-run count
  // there (gc.c's n_free), and the ATB byte index the scan stopped at (gc.c's i).
  private sEnd = -1;
  private sFree = 0;
  private sI = 0;

  /**
   * gc_alloc's first-fit scan of one area, from gc_last_free_atb_index, for a run of
   * nBlocks free blocks, starting with nFreeIn blocks already counted (0 except in
   * v1.9.4's stale retry). Sets sEnd/sFree/sI exactly as the byte-by-byte scan would.
   */
  private search(a: HeapArea, nBlocks: number, nFreeIn: number): void {
    const len = a.atbLen;
    const from = a.lastFreeAtbIndex;
    let nFree: number;
    if (nFreeIn !== 0 || len < 2 * INDEX_CHUNK_BYTES || !this.useIndex) {
      nFree = this.scanBytes(a, from, len, nBlocks, nFreeIn);
      if (nFree < 0) return;
    } else {
      // The partial chunk the scan starts in, byte by byte; then whole chunks, skipping
      // each one whose summary proves no run of nBlocks ends inside it.
      const firstEnd = Math.min(len, (Math.floor(from / INDEX_CHUNK_BYTES) + 1) * INDEX_CHUNK_BYTES);
      nFree = this.scanBytes(a, from, firstEnd, nBlocks, 0);
      if (nFree < 0) return;
      const chunks = a.idxDirty.length;
      for (let c = firstEnd >= len ? chunks : firstEnd / INDEX_CHUNK_BYTES; c < chunks; c++) {
        if (a.idxDirty[c]) this.summarise(a, c);
        const lo = c * INDEX_CHUNK_BYTES;
        const hi = Math.min(len, lo + INDEX_CHUNK_BYTES);
        const pre = a.idxPre[c]!;
        if (pre === (hi - lo) * 4) {
          // Every block free: the run only grows, unless it completes here.
          if (nFree + pre < nBlocks) {
            nFree += pre;
            continue;
          }
        } else if (nFree + pre < nBlocks && a.idxMax[c]! < nBlocks) {
          nFree = a.idxSuf[c]!;
          continue;
        }
        nFree = this.scanBytes(a, lo, hi, nBlocks, nFree);
        if (nFree < 0) return;
      }
    }
    this.sEnd = -1;
    this.sFree = nFree;
    this.sI = Math.max(from, len);
  }

  /** Recomputes the free-run summary of index chunk c. */
  private summarise(a: HeapArea, c: number): void {
    const bytes = a.bytes;
    const w32 = a.u32;
    const lo = a.atbOff + c * INDEX_CHUNK_BYTES;
    const hi = a.atbOff + Math.min(a.atbLen, (c + 1) * INDEX_CHUNK_BYTES);
    // Whole 32-bit words from the first aligned one, the bytes around them one at a time.
    const wordLo = wordAligned(lo, hi);
    const wordHi = wordLo + ((hi - wordLo) & ~3);
    let run = 0;
    let pre = -1;
    let max = 0;
    for (let j = lo; j < hi; ) {
      if (j === wordLo && j < wordHi) {
        for (; j < wordHi; j += 4) {
          const used = usedBlocks(w32[j >> 2]!);
          if (used === 0) {
            run += 16;
            continue;
          }
          run += leadFree(used);
          if (pre < 0) pre = run;
          if (run > max) max = run;
          // The longest free run inside the word: how often f &= f >>> 2 leaves a bit.
          let f = ~used & 0x55555555;
          let inside = 0;
          for (; f !== 0; inside++) f &= f >>> 2;
          if (inside > max) max = inside;
          run = trailFree(used);
        }
        continue;
      }
      const v = bytes[j++]!;
      if (v === 0) {
        run += 4;
        continue;
      }
      run += LEAD[v]!;
      if (pre < 0) pre = run;
      if (run > max) max = run;
      if (MAXIN[v]! > max) max = MAXIN[v]!;
      run = TRAIL[v]!;
    }
    if (pre < 0) pre = run;
    if (run > max) max = run;
    a.idxPre[c] = pre;
    a.idxSuf[c] = run;
    a.idxMax[c] = max;
    a.idxDirty[c] = 0;
  }

  /**
   * gc.c's block-by-block scan over ATB bytes [fromByte, toByte) with nFree blocks already
   * in the current run: -1 when a run was found (sEnd/sFree/sI set), else the run carried
   * out of the last byte. Whole 32-bit words of the ATB (16 blocks) are tested at once;
   * the bytes before the first aligned word and after the last go one at a time.
   */
  private scanBytes(a: HeapArea, fromByte: number, toByte: number, nBlocks: number, nFreeIn: number): number {
    // v1.9.4's stale count (nFreeIn >= nBlocks) completes on the very first free block:
    // byte by byte.
    if (nFreeIn >= nBlocks) return this.scanByteRange(a, fromByte, toByte, nBlocks, nFreeIn);
    const off = a.atbOff;
    const wordFrom = wordAligned(off + fromByte, off + toByte) - off;
    let nFree = this.scanByteRange(a, fromByte, wordFrom, nBlocks, nFreeIn);
    if (nFree < 0) return -1;
    const w32 = a.u32;
    let i = wordFrom;
    for (; i + 4 <= toByte; i += 4) {
      const used = usedBlocks(w32[(off + i) >> 2]!);
      if (used === 0x55555555) {
        nFree = 0;
        continue;
      }
      // The run so far and the free blocks at the word's start: the first run of nBlocks
      // may end here (gc.c finds the lowest end block, so this one comes first).
      const lead = used === 0 ? 16 : leadFree(used);
      if (nFree + lead >= nBlocks) {
        const end = i * 4 + nBlocks - nFree - 1;
        this.found(end, nBlocks, end >> 2);
        return -1;
      }
      if (used === 0) {
        nFree += 16;
        continue;
      }
      if (nBlocks <= 16) {
        // A run wholly inside the word: bit 2s of g set where blocks s .. s+nBlocks-1 are free.
        const free = ~used & 0x55555555;
        let g = free;
        for (let k = 1; k < nBlocks && g !== 0; k++) g &= free >>> (2 * k);
        if (g !== 0) {
          const end = i * 4 + ((31 - Math.clz32(g & -g)) >> 1) + nBlocks - 1;
          this.found(end, nBlocks, end >> 2);
          return -1;
        }
      }
      // The free blocks after the last used one carry over.
      nFree = trailFree(used);
    }
    return this.scanByteRange(a, i, toByte, nBlocks, nFree);
  }

  /** scanBytes one ATB byte at a time (the table form of gc.c's four ATB_n_IS_FREE tests). */
  private scanByteRange(a: HeapArea, fromByte: number, toByte: number, nBlocks: number, nFreeIn: number): number {
    let nFree = nFreeIn;
    const bytes = a.bytes;
    const off = a.atbOff;
    const small = nBlocks <= 3;
    for (let i = fromByte; i < toByte; i++) {
      const v = bytes[off + i]!;
      if (v === 0) {
        // Four free blocks: the run grows by up to four, as the four ATB_n_IS_FREE tests would.
        const need = nBlocks - nFree;
        if (need <= 4) {
          // need < 1 only with v1.9.4's stale count: the very first free block completes it.
          this.found(need < 1 ? i * 4 : i * 4 + need - 1, need < 1 ? nFree + 1 : nBlocks, i);
          return -1;
        }
        nFree += 4;
        continue;
      }
      if (FULL[v]) {
        nFree = 0;
        continue;
      }
      const lead = LEAD[v]!;
      if (lead > 0 && nFree + lead >= nBlocks) {
        const need = nBlocks - nFree;
        this.found(need < 1 ? i * 4 : i * 4 + need - 1, need < 1 ? nFree + 1 : nBlocks, i);
        return -1;
      }
      if (small) {
        // A run of up to three may also fit between used blocks inside this byte.
        const base = i * 4;
        for (let k = 0; k < 4; k++) {
          if (((v >> (2 * k)) & 3) === 0) {
            if (++nFree >= nBlocks) {
              this.found(base + k, nFree, i);
              return -1;
            }
          } else nFree = 0;
        }
      } else {
        // Four or more can't fit after a used block inside one byte: only the trailing
        // free blocks carry over to the next byte.
        nFree = TRAIL[v]!;
      }
    }
    return nFree;
  }

  private found(endBlock: number, nFree: number, i: number): void {
    this.sEnd = endBlock;
    this.sFree = nFree;
    this.sI = i;
  }

  private allocModern(nBytes: number, nBlocks: number): { area: HeapArea; start: number; end: number; nFree: number } | null {
    let collected = !this.autoCollect;
    let added = false;
    if (!collected && this.thresholdReached(nBlocks)) {
      this.collect('threshold');
      collected = true;
    }
    for (;;) {
      let area = this.config.split ? this.lastFreeArea : this.first;
      for (; area; area = area.next) {
        this.search(area, nBlocks, 0);
        if (this.sEnd >= 0) return { area, start: this.sEnd - this.sFree + 1, end: this.sEnd, nFree: this.sFree };
        // "Mark this heap as filled" (split heaps only): gc.c stores (i + 1) / BLOCKS_PER_ATB
        // with i the ATB byte index the search stopped at, and only for 1-block requests.
        if (this.config.split && nBlocks === 1) area.lastFreeAtbIndex = Math.floor((this.sI + 1) / BLOCKS_PER_ATB);
      }
      if (collected) {
        if (this.config.splitAuto && !added && this.tryAddHeap(nBytes)) {
          added = true;
          continue;
        }
        return null;
      }
      this.collect('exhausted');
      collected = true;
    }
  }

  private alloc194(nBytes: number, nBlocks: number): { area: HeapArea; start: number; end: number; nFree: number } | null {
    const area = this.first!;
    let collected = !this.autoCollect;
    let thresholdCollected = false;
    if (!collected && this.thresholdReached(nBlocks)) {
      // v1.9.4 does not set `collected` here (fixed in 6bd78741c1), so a failed search
      // below collects a second time.
      this.collect('threshold');
      thresholdCollected = true;
    }
    // v1.9.4 initialises n_free once, before the retry loop (fixed in 91041945c9): a
    // search after a collection starts with the free-run count the failed one ended with.
    let nFree = 0;
    for (;;) {
      this.search(area, nBlocks, nFree);
      const s = { end: this.sEnd, nFree: this.sFree };
      nFree = s.nFree;
      if (s.end >= 0) {
        const start = s.end - s.nFree + 1;
        if (start < 0) {
          // The stale count can only matter when the run found starts at block 0 (a used
          // block resets it), and then the run "starts" before the pool: on a device the
          // ATB write lands (size_t-wrapped) far outside the heap.
          throw new HeapCrash(
            `${this.config.version} gc_alloc(${nBytes}) bug: after the collection the free-run count was not reset (fixed in v1.10, commit 91041945c9), so the new block would start ${-start} block(s) before the pool start (${hex(area.poolStart)}); a device writes outside the heap here`,
          );
        }
        return { area, start, end: s.end, nFree: s.nFree };
      }
      if (collected) return null;
      if (thresholdCollected) {
        this.warn(
          'v1.9.4-double-collect',
          `${this.config.version} gc_alloc(${nBytes}) bug: collected twice in one allocation, because a threshold collection does not count as "collected" (fixed in v1.10, commit 6bd78741c1)`,
        );
      }
      this.collect('exhausted');
      collected = true;
    }
  }

  private thresholdReached(nBlocks: number): boolean {
    return this.trigger ? this.trigger(this, nBlocks) : this.allocAmount >= this.threshold;
  }

  private claim(a: HeapArea, start: number, end: number, nFree: number, nBytes: number, nBlocks: number, fin: boolean): number {
    // Only a 1-block request moves the search start: nothing free can lie before it then.
    if (nFree === 1) {
      if (this.config.split) this.lastFreeArea = a;
      a.lastFreeAtbIndex = Math.floor((end + 1) / BLOCKS_PER_ATB);
    }
    if (!this.v194 && end > a.lastUsedBlock) a.lastUsedBlock = end;
    this.setBits(a, start, AT_HEAD);
    for (let b = start + 1; b <= end; b++) this.setBits(a, b, AT_TAIL);
    const ptr = a.poolStart + start * this.bpb;
    this.allocAmount += nBlocks;
    this.used(end - start + 1);
    const span = (end - start + 1) * this.bpb;
    if (this.config.conservativeClear) this.zero(a, ptr, span);
    else this.zero(a, ptr + nBytes, span - nBytes);
    if (fin && this.config.finaliser) {
      // Clear the type pointer in case it is never set, then flag the block.
      this.zero(a, ptr, this.wordSize);
      this.ftbSet(a, start);
    }
    return ptr;
  }

  // ---------------------------------------------------------------- split-heap-auto

  /** gc_try_add_heap (v1.21+): grow by at least doubling, or by what the failed request needs. */
  tryAddHeap(failedAlloc: number): boolean {
    const host = this.splitAutoHost;
    if (!host) return false;
    const needed = failedAlloc + Math.max(2048, Math.floor((failedAlloc * 13) / 512));
    const avail = host.maxNewSplit();
    if (avail < needed) return false;
    let totalBlocks = 0;
    for (let a = this.first; a; a = a.next) totalBlocks += a.blocks;
    let totalHeap =
      Math.floor(totalBlocks / 4) +
      (this.config.finaliser ? Math.floor(totalBlocks / 8) : 0) +
      (this.config.weakref ? Math.floor(totalBlocks / 8) : 0) +
      totalBlocks * this.bpb +
      1 +
      areaStructSize(this.config);
    totalHeap = Math.ceil(totalHeap / this.bpb) * this.bpb;
    const toAlloc = Math.min(avail, Math.max(totalHeap, needed));
    const p = host.allocHeap(toAlloc);
    if (p === null) return false;
    this.add(p, p + toAlloc);
    this.counters.areasAdded++;
    return true;
  }

  // ---------------------------------------------------------------- gc_free

  /** gc_free(ptr). The caller has checked ptr is NULL or a head (gc.c asserts it). */
  free(ptr: number): void {
    if (this.lockDepth > 0) return;
    if (ptr === 0) return;
    const a = this.areaOf(ptr);
    if (!a) throw new MemoryError(`gc_free(${hex(ptr)}): not a heap pointer`, ptr);
    let block = (ptr - a.poolStart) >> this.bpbShift;
    this.counters.frees++;
    if (this.config.finaliser) this.ftbClear(a, block);
    if (this.config.split && this.lastFreeArea !== a) {
      // Freed in another area: restart the next search from the first area.
      this.lastFreeArea = this.first;
    }
    if (block >> 2 < a.lastFreeAtbIndex) a.lastFreeAtbIndex = block >> 2;
    let n = 0;
    do {
      this.clearBits(a, block, AT_MARK);
      block++;
      n++;
    } while (a.kind(block) === AT_TAIL);
    this.used(-n);
  }

  // ---------------------------------------------------------------- gc_nbytes

  nbytes(ptr: number): number {
    const a = this.areaOf(ptr);
    if (!a) return 0;
    const block = (ptr - a.poolStart) >> this.bpbShift;
    if (a.kind(block) !== AT_HEAD) return 0;
    return this.chainLength(a, block) * this.bpb;
  }

  // ---------------------------------------------------------------- gc_realloc

  /** gc_realloc(ptr, n_bytes, allow_move). Returns 0 for NULL. */
  realloc(ptrIn: number, nBytes: number, allowMove = true): number {
    if (ptrIn === 0) return this.alloc(nBytes, false);
    if (nBytes === 0) {
      this.free(ptrIn);
      return 0;
    }
    const a = this.areaOf(ptrIn);
    // v1.9.2 checks the pointer first and answers NULL for one that is not a heap head
    // (v1.9.4 turned those checks into asserts: a caller bug, refused here).
    if (this.config.version === 'v1.9.2' && (!a || a.kind((ptrIn - a.poolStart) >> this.bpbShift) !== AT_HEAD)) return 0;
    if (this.lockDepth > 0) return 0;
    if (!a) throw new MemoryError(`gc_realloc(${hex(ptrIn)}): not a heap pointer`, ptrIn);
    this.counters.reallocs++;
    const block = (ptrIn - a.poolStart) >> this.bpbShift;
    const newBlocks = this.blocksFor(nBytes);
    // Count the chain and the free blocks after it, stopping once there are enough.
    let nFree = 0;
    let nBlocks = 1;
    const maxBlock = a.atbLen * BLOCKS_PER_ATB;
    for (let bl = block + 1; bl < maxBlock; bl++) {
      const k = a.kind(bl);
      if (k === AT_TAIL) {
        nBlocks++;
        continue;
      }
      if (k === AT_FREE) {
        nFree++;
        if (nBlocks + nFree >= newBlocks) break;
        continue;
      }
      break;
    }
    if (newBlocks === nBlocks) return ptrIn;
    if (newBlocks < nBlocks) {
      // Shrink in place: free the unneeded tail.
      for (let bl = block + newBlocks, count = nBlocks - newBlocks; count > 0; bl++, count--) {
        this.clearBits(a, bl, AT_MARK);
      }
      this.used(newBlocks - nBlocks);
      if (this.config.split && this.lastFreeArea !== a) this.lastFreeArea = this.first;
      if ((block + newBlocks) >> 2 < a.lastFreeAtbIndex) a.lastFreeAtbIndex = (block + newBlocks) >> 2;
      return ptrIn;
    }
    if (newBlocks <= nBlocks + nFree) {
      // Grow in place into the free blocks that follow.
      const endBlock = block + newBlocks;
      for (let bl = block + nBlocks; bl < endBlock; bl++) this.setBits(a, bl, AT_TAIL);
      // gc.c records the exclusive end here (block + new_blocks), one past the last block.
      if (!this.v194 && endBlock > a.lastUsedBlock) a.lastUsedBlock = endBlock;
      this.used(newBlocks - nBlocks);
      if (this.config.conservativeClear) this.zero(a, ptrIn + nBlocks * this.bpb, (newBlocks - nBlocks) * this.bpb);
      else this.zero(a, ptrIn + nBytes, newBlocks * this.bpb - nBytes);
      return ptrIn;
    }
    const ftbState = this.config.finaliser ? this.ftbGet(a, block) === 1 : false;
    if (!allowMove) return 0;
    // Move: the caller still holds ptr_in (on its stack), so a collection inside this
    // allocation keeps it alive.
    this.extraRoots.push(ptrIn);
    let out: number;
    try {
      out = this.alloc(nBytes, ftbState);
    } finally {
      this.extraRoots.pop();
    }
    if (out === 0) return 0;
    this.mem.copy(out, ptrIn, nBlocks * this.bpb);
    this.free(ptrIn);
    return out;
  }

  // ---------------------------------------------------------------- collection

  /** gc_collect(): gc_collect_start, scan the roots, then the stack, gc_collect_end. */
  collect(reason: CollectReason = 'explicit'): CollectionRecord {
    const rec: CollectionRecord = {
      index: this.counters.collections,
      reason,
      freed: 0,
      freedBlocks: 0,
      finalised: [],
      weak: [],
      marked: 0,
      scannedWords: 0,
      overflowRescans: 0,
      sweptBlocks: 0,
      usedBlocksAfter: 0,
    };
    this.rec = rec;
    this.counters.collections++;
    this.counters.byReason[reason]++;
    // gc_collect_start
    this.lock();
    this.allocAmount = 0;
    this.stackOverflow = false;
    this.scannedOnce = 0;
    this.kernel = this.collectKernel();
    for (const r of this.roots) this.collectRootRange(r.address, r.words);
    for (const p of this.extraRoots) this.markRoot(p);
    if (this.traceRoots) for (const p of this.traceRoots()) this.markRoot(p);
    // gc_collect_end
    this.dealWithStackOverflow();
    if (this.v194) this.sweep194();
    else {
      if (this.config.finaliser || this.config.weakref) this.sweepRunFinalisers();
      this.sweepFreeBlocks();
    }
    if (this.config.split) this.lastFreeArea = this.first;
    for (let a = this.first; a; a = a.next) a.lastFreeAtbIndex = 0;
    this.unlock();
    rec.usedBlocksAfter = this.counters.usedBlocks;
    this.rec = null;
    this.kernel = null;
    this.lastCollection = rec;
    this.onCollect?.(rec);
    return rec;
  }

  /**
   * The kernel marks when the heap is one area of 32-bit words whose region lives in the
   * kernel's memory (the views the area took are the kernel's) with scratch enough for the
   * mark stack; otherwise the JS loops do. Bound, the area's overflow bits and dirty index
   * chunks are the kernel's, so the rest of a collection reads them as always.
   */
  private collectKernel(): CollectKernel | null {
    const a = this.first;
    if (!a || a.next || this.wordSize !== 4) return null;
    const k = collectKernelOf(a.region);
    if (!k || a.bytes.buffer !== k.buffer || !k.bind(a, this.bpbShift, this.config.gcStack)) return null;
    return k;
  }

  /** gc_collect_root over `words` words at `address`. */
  collectRootRange(address: number, words: number): void {
    const ws = this.wordSize;
    // 32-bit words, aligned, in one region: read through its view (a replay collects
    // thousands of times, each over the root and stack slots).
    const r = ws === 4 && words > 0 ? this.mem.find(address, words * 4) : undefined;
    if (r !== undefined && ((address - r.base) & 3) === 0) {
      const u32 = r.u32;
      const at = (address - r.base) >> 2;
      for (let i = 0; i < words; i++) this.markRoot(u32[at + i]!);
      return;
    }
    for (let i = 0; i < words; i++) this.markRoot(this.mem.readWord(address + i * ws));
  }

  private markRoot(ptr: number): void {
    if (this.rec) this.rec.scannedWords++;
    const a = this.areaOf(ptr);
    if (!a) return;
    const block = (ptr - a.poolStart) >> this.bpbShift;
    if (a.kind(block) === AT_HEAD) {
      this.setBits(a, block, AT_MARK);
      if (this.rec) this.rec.marked++;
      this.markSubtree(a, block);
    }
  }

  // Overflow rescans (see dealWithStackOverflow): while one runs, the position its block
  // loop has reached, as (area order, block); blocks scanned after that position will be
  // visited by the loop again, and their words counted again.
  private limitArea = -1;
  private limitBlock = Number.POSITIVE_INFINITY;
  private revisitWords = 0;
  /** Words of the chains scanned so far in this collection (each block is scanned once). */
  private scannedOnce = 0;

  /**
   * gc_mark_subtree (v1.9.4+), which is also v1.9.2's VERIFY_MARK_AND_PUSH + gc_drain_stack:
   * v1.9.2 pushes the root on its global stack and pops it before scanning, so the root
   * never holds a slot while children are pushed, and the overflow rescan pushes one block
   * on an empty stack; the marks, their order and the overflow points are the same (the C
   * oracle checks this with stacks of 1 to 64 entries, the micro:bit's 32 among them).
   *
   * Scan the chain at `block`; each unmarked head it points to is marked
   * and pushed on the explicit stack of config.gcStack entries. A full stack sets the
   * overflow flag instead, and gc_deal_with_stack_overflow rescans the heap later; the
   * head is noted in its area's `pending` bits for that rescan.
   */
  private markSubtree(area: HeapArea, block: number): void {
    if (this.kernel) {
      // One area: its markOrder is 0, so a chain is met again when an overflow rescan
      // (limitArea 0) has passed it.
      const r = this.kernel.mark(block, this.limitArea >= 0 ? this.limitBlock : NO_LIMIT);
      const rec = this.rec!;
      rec.marked += r.marked;
      rec.scannedWords += r.scanned + r.revisit;
      this.scannedOnce += r.scanned;
      if (r.overflow) this.stackOverflow = true;
      return;
    }
    const stack = this.markStack;
    const areaStack = this.markAreaStack;
    const cap = stack.length;
    const first = this.first!;
    const single = first.next === null;
    const bpb = this.bpb;
    const bpbMask = this.bpbMask;
    const bpbShift = this.bpbShift;
    const wide = this.wordSize === 8;
    const wordsPerBlock = bpb / this.wordSize;
    const limitArea = this.limitArea;
    const limitBlock = this.limitBlock;
    const rec = this.rec!;
    let marked = 0;
    let scanned = 0;
    let revisit = 0;
    let overflow = false;
    let sp = 0;
    let a = area;
    for (;;) {
      const bytes = a.bytes;
      const atbOff = a.atbOff;
      // Number of blocks in this chain: the head, then every AT_TAIL that follows (read
      // from memory, so past the table's end it reads what gc.c would read there).
      let n = 1;
      for (let b = block + 1; ((bytes[atbOff + (b >> 2)]! >> ((b & 3) << 1)) & 3) === AT_TAIL; b++) n++;
      const u32 = a.u32;
      const startIdx = (a.poolOff + block * bpb) >> 2;
      const endIdx = startIdx + ((n * bpb) >> 2);
      const words = n * wordsPerBlock;
      scanned += words;
      // In an overflow rescan, a chain past the loop's position is met (and counted) again.
      if (limitArea >= 0 && (a.markOrder > limitArea || (a.markOrder === limitArea && block > limitBlock))) revisit += words;
      const i32 = a.i32;
      if (!wide && single && endIdx <= i32.length) {
        // The common case, kept tight: 32-bit words, one area (VERIFY_PTR), the chain inside
        // its region; the area stack is not written. Words are read signed (Region.i32) and
        // the range test is one unsigned compare of the offset: (ptr - ps) mod 2^32 < pool
        // bytes exactly when ps <= ptr < pe (every address here is below 2^32).
        const ps = first.poolStart;
        const plen = first.poolEnd - ps;
        const pBytes = first.bytes;
        const pAtb = first.atbOff;
        for (let idx = startIdx; idx < endIdx; idx++) {
          const ptr = i32[idx]!;
          const off = (ptr - ps) >>> 0;
          if (off >= plen || (ptr & bpbMask) !== 0) continue;
          const pb = off >>> bpbShift;
          const bi = pAtb + (pb >> 2);
          const sh = (pb & 3) << 1;
          const v = pBytes[bi]!;
          if (((v >> sh) & 3) !== AT_HEAD) continue;
          pBytes[bi] = v | (AT_MARK << sh);
          marked++;
          if (sp < cap) {
            stack[sp++] = pb;
          } else {
            overflow = true;
            first.pending[pb >> 5]! |= 1 << (pb & 31);
          }
        }
      } else {
        const step = wide ? 2 : 1;
        for (let idx = startIdx; idx < endIdx; idx += step) {
          // Words past the region's end (possible only via v1.9.4's unterminated chains) read as 0.
          const ptr = wide ? (u32[idx + 1] ?? 0) * 4294967296 + (u32[idx] ?? 0) : (u32[idx] ?? 0);
          if ((ptr & bpbMask) !== 0) continue;
          let pa: HeapArea | null = null;
          for (let x: HeapArea | null = first; x; x = x.next) {
            if (ptr >= x.poolStart && ptr < x.poolEnd) {
              pa = x;
              break;
            }
          }
          if (pa === null) continue;
          const pb = Math.floor((ptr - pa.poolStart) / bpb);
          const bi = pa.atbOff + (pb >> 2);
          const sh = (pb & 3) << 1;
          const v = pa.bytes[bi]!;
          if (((v >> sh) & 3) !== AT_HEAD) continue;
          pa.bytes[bi] = v | (AT_MARK << sh);
          marked++;
          if (sp < cap) {
            stack[sp] = pb;
            areaStack[sp] = pa;
            sp++;
          } else {
            overflow = true;
            pa.pending[pb >> 5]! |= 1 << (pb & 31);
          }
        }
      }
      if (sp === 0) break;
      sp--;
      block = stack[sp]!;
      if (!single) a = areaStack[sp]!;
    }
    if (overflow) this.stackOverflow = true;
    rec.marked += marked;
    rec.scannedWords += scanned + revisit;
    this.scannedOnce += scanned;
  }

  /**
   * gc_deal_with_stack_overflow: while the stack overflowed, loop over every block of every
   * area and call gc_mark_subtree on each MARK head. Done literally, that rescans every live
   * word each time; here only the heads marked while the stack was full (the `pending`
   * bits) are scanned, in the same order. Every other MARK head was scanned already, so all
   * its children are marked and gc_mark_subtree finds nothing new in it: its words are
   * counted (for the pause model: scannedWords), not read. The count is the same: the
   * chains scanned before this pass, plus the ones scanned in it, plus those scanned in it
   * that lie past the loop's position (the loop meets them again).
   */
  private dealWithStackOverflow(): void {
    const rec = this.rec!;
    while (this.stackOverflow) {
      this.stackOverflow = false;
      rec.overflowRescans++;
      rec.scannedWords += this.scannedOnce;
      let order = 0;
      for (let a = this.first; a; a = a.next) a.markOrder = order++;
      for (let a = this.first; a; a = a.next) {
        rec.sweptBlocks += a.atbLen * BLOCKS_PER_ATB;
        const pending = a.pending;
        this.limitArea = a.markOrder;
        for (let w = 0; w < pending.length; w++) {
          // Only bits above the last one handled: lower ones set meanwhile wait for the next pass.
          let mask = -1;
          for (;;) {
            const bits = pending[w]! & mask;
            if (bits === 0) break;
            const j = 31 - Math.clz32(bits & -bits);
            pending[w] = pending[w]! & ~(1 << j);
            const block = (w << 5) | j;
            this.limitBlock = block;
            this.markSubtree(a, block);
            if (j === 31) break;
            mask = ~((2 << j) - 1);
          }
        }
      }
      this.limitArea = -1;
      this.limitBlock = Number.POSITIVE_INFINITY;
    }
  }

  /** Calls the finaliser of the unmarked head at `block` if its type has __del__. */
  private finalise(a: HeapArea, block: number): void {
    const addr = a.poolStart + block * this.bpb;
    const type = this.readWordAt(a, addr);
    if (type !== 0 && this.hasFinaliser(type)) this.rec!.finalised.push(addr);
  }

  /** v1.9.4 gc_sweep: one pass over every block; finalisers run as heads are freed. */
  private sweep194(): void {
    const rec = this.rec!;
    const a = this.first!;
    const total = a.atbLen * BLOCKS_PER_ATB;
    const fin = this.config.finaliser;
    let freeTail = false;
    let freedBlocks = 0;
    rec.sweptBlocks += total;
    for (let b = 0; b < total; b++) {
      switch (a.kind(b)) {
        case AT_HEAD:
          if (fin && this.ftbGet(a, b)) {
            this.finalise(a, b);
            this.ftbClear(a, b);
          }
          freeTail = true;
          rec.freed++;
          // gc.c falls through to AT_TAIL to free the head.
          this.clearBits(a, b, AT_MARK);
          freedBlocks++;
          break;
        case AT_TAIL:
          if (freeTail) {
            this.clearBits(a, b, AT_MARK);
            freedBlocks++;
          }
          break;
        case AT_MARK:
          this.clearBits(a, b, AT_TAIL);
          freeTail = false;
          break;
      }
    }
    rec.freedBlocks = freedBlocks;
    this.used(-freedBlocks);
  }

  /**
   * v1.21+ gc_sweep_run_finalisers: before anything is freed, walk the FTB (and WTB)
   * bytes up to gc_last_used_block / 8 inclusive; every flagged block that is still an
   * unmarked head gets its finaliser run (or its weakrefs notified) and its flag cleared.
   */
  private sweepRunFinalisers(): void {
    const rec = this.rec!;
    for (let a = this.first; a; a = a.next) {
      const ftbEnd = a.lastUsedBlock >> 3;
      const bytes = a.bytes;
      const i32 = a.i32;
      // Most table bytes are 0 (no finaliser, no weakref): an aligned word of four such
      // bytes in each table is skipped at once.
      const wordsOk = a.wtbOff < 0 || ((a.wtbOff - a.ftbOff) & 3) === 0;
      for (let idx = 0; idx <= ftbEnd; idx++) {
        if (wordsOk && a.ftbOff >= 0 && ((a.ftbOff + idx) & 3) === 0 && idx + 3 <= ftbEnd) {
          if (i32[(a.ftbOff + idx) >> 2] === 0 && (a.wtbOff < 0 || i32[(a.wtbOff + idx) >> 2] === 0)) {
            idx += 3;
            continue;
          }
        }
        if (a.ftbOff >= 0) {
          let ftb = bytes[a.ftbOff + idx]!;
          let block = idx * 8;
          while (ftb) {
            if (ftb & 1 && a.kind(block) === AT_HEAD) {
              this.finalise(a, block);
              this.ftbClear(a, block);
            }
            ftb >>= 1;
            block++;
          }
        }
        if (a.wtbOff >= 0) {
          let wtb = bytes[a.wtbOff + idx]!;
          let block = idx * 8;
          while (wtb) {
            if (wtb & 1 && a.kind(block) === AT_HEAD) {
              rec.weak.push(a.poolStart + block * this.bpb);
              bytes[a.wtbOff + (block >> 3)]! &= ~(1 << (block & 7));
            }
            wtb >>= 1;
            block++;
          }
        }
      }
    }
  }

  /** v1.21+ gc_sweep_free_blocks: free unmarked chains up to gc_last_used_block; recompute it. */
  private sweepFreeBlocks(): void {
    const rec = this.rec!;
    // free_tail is declared once outside the area loop in gc.c, so it carries over.
    let freeTail = false;
    let freedBlocks = 0;
    let prev: HeapArea | null = null;
    for (let a = this.first; a; a = a.next) {
      let lastUsed = 0;
      const end = a.lastUsedBlock;
      rec.sweptBlocks += end + 1;
      const bytes = a.bytes;
      const atbOff = a.atbOff;
      // Whole ATB bytes through the table while the byte lies wholly within [0, end]; then
      // block by block for the partial last byte, as gc.c's loop does.
      let b = 0;
      let ft: number = freeTail ? 1 : 0;
      let heads = 0;
      const k = this.kernel;
      if (k && a === this.first) {
        // The kernel does the whole bytes (the heap is this one area: see collectKernel).
        const nBytes = (end + 1) >> 2;
        const r = k.sweep(nBytes, ft);
        heads = r.heads;
        freedBlocks += r.freed;
        if (r.last >= 0) lastUsed = r.last;
        ft = r.freeTail;
        b = nBytes * 4;
      }
      for (; b + 3 <= end; b += 4) {
        const idx = atbOff + (b >> 2);
        const v = bytes[idx]!;
        if (v === 0) continue;
        const t = v | (ft << 8);
        bytes[idx] = SW_BYTE[t]!;
        ft = SW_TAIL[t] as number;
        heads += SW_HEADS[t]!;
        const f = SW_FREED[t]!;
        if (f) {
          freedBlocks += f;
          a.idxDirty[b >> INDEX_CHUNK_SHIFT] = 1;
        }
        const l = SW_LAST[t]!;
        if (l >= 0) lastUsed = b + l;
      }
      freeTail = ft === 1;
      rec.freed += heads;
      for (; b <= end; b++) {
        const idx = atbOff + (b >> 2);
        const sh = (b & 3) << 1;
        switch ((bytes[idx]! >> sh) & 3) {
          case AT_HEAD:
            freeTail = true;
            rec.freed++;
            // gc.c falls through to AT_TAIL to free the head.
            bytes[idx]! &= ~(AT_MARK << sh);
            a.idxDirty[b >> INDEX_CHUNK_SHIFT] = 1;
            freedBlocks++;
            break;
          case AT_TAIL:
            if (freeTail) {
              bytes[idx]! &= ~(AT_MARK << sh);
              a.idxDirty[b >> INDEX_CHUNK_SHIFT] = 1;
              freedBlocks++;
            } else {
              lastUsed = b;
            }
            break;
          case AT_MARK:
            bytes[idx]! &= ~(AT_TAIL << sh);
            freeTail = false;
            lastUsed = b;
            break;
        }
      }
      a.lastUsedBlock = lastUsed;
      if (this.config.splitAuto && lastUsed === 0 && prev !== null) {
        // An empty added area goes back to the system heap. gc.c tests last_used_block == 0,
        // so an area whose only live block is block 0 is given back too.
        if (a.kind(0) !== AT_FREE) {
          this.warn('split-auto-freed-live-area', `the added heap area at ${hex(a.poolStart)} was given back to the system heap while its block 0 was still in use (gc.c tests gc_last_used_block == 0)`);
        }
        prev.next = a.next;
        if (this.lastFreeArea === a) this.lastFreeArea = this.first;
        // An area loaded from a heap image has no descriptor of ours (the device's lies
        // before the image's bytes): the host is told the area's start instead.
        this.splitAutoHost?.freeHeap(a.layout.descriptor?.address ?? a.layout.start);
        this.counters.areasFreed++;
        a = prev;
      }
      prev = a;
    }
    rec.freedBlocks = freedBlocks;
    this.used(-freedBlocks);
  }

  // ---------------------------------------------------------------- gc_info

  info(): GcInfo {
    const out: GcInfo = { total: 0, used: 0, free: 0, maxFree: 0, num1block: 0, num2block: 0, maxBlock: 0 };
    for (let a = this.first; a; a = a.next) {
      out.total += a.poolEnd - a.poolStart;
      const total = a.atbLen * BLOCKS_PER_ATB;
      let len = 0;
      let lenFree = 0;
      let block = 0;
      let finish = false;
      while (!finish) {
        let kind = a.kind(block);
        switch (kind) {
          case AT_FREE:
            out.free++;
            lenFree++;
            len = 0;
            break;
          case AT_HEAD:
            out.used++;
            len = 1;
            break;
          case AT_TAIL:
            out.used++;
            len++;
            break;
          default:
            // AT_MARK outside a collection "shouldn't happen" (it can, after v1.9.4's bug).
            break;
        }
        block++;
        finish = block === total;
        if (!finish) kind = a.kind(block);
        if (finish || kind === AT_FREE || kind === AT_HEAD) {
          if (len === 1) out.num1block++;
          else if (len === 2) out.num2block++;
          if (len > out.maxBlock) out.maxBlock = len;
          if (finish || kind === AT_HEAD) {
            if (lenFree > out.maxFree) out.maxFree = lenFree;
            lenFree = 0;
          }
        }
      }
    }
    out.used *= this.bpb;
    out.free *= this.bpb;
    if (this.config.splitAuto) out.maxNewSplit = this.splitAutoHost?.maxNewSplit() ?? 0;
    return out;
  }

  // ---------------------------------------------------------------- weakref (v1.28)

  /** gc_weakref_mark(ptr): set the WTB bit of a head. */
  weakrefMark(ptr: number): void {
    if (!this.config.weakref) throw new ConfigError('gc_weakref_mark needs a weakref build (weakref 1)');
    const a = this.areaOf(ptr);
    if (!a) throw new MemoryError(`gc_weakref_mark(${hex(ptr)}): not a heap pointer`, ptr);
    const block = (ptr - a.poolStart) >> this.bpbShift;
    a.bytes[a.wtbOff + (block >> 3)]! |= 1 << (block & 7);
  }
}

