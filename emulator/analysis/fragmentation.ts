// Fragmentation metrics, computed the same way for an emulated heap and a captured one
// (both are a GcHeap over bytes), so `run`, `compare` and `analyze` report the same numbers.

import { AT_FREE, AT_HEAD, AT_TAIL } from '../area.js';
import type { GcHeap } from '../heap.js';

export interface FreeRunBucket {
  /** Smallest run length (blocks) in this bucket. */
  min: number;
  /** Largest run length in this bucket (inclusive). */
  max: number;
  /** Number of free runs whose length falls in [min, max]. */
  runs: number;
  /** Blocks in those runs. */
  blocks: number;
}

export interface AreaFragmentation {
  poolStart: number;
  blocks: number;
  freeBlocks: number;
  largestFreeRun: number;
}

export interface Fragmentation {
  blockSize: number;
  totalBytes: number;
  usedBytes: number;
  freeBytes: number;
  /** Longest run of free blocks in any one area (an allocation cannot span areas). */
  largestFreeBlocks: number;
  largestFreeBytes: number;
  /** largestFree / free (1 = all free memory is one run; 0 when nothing is free). */
  largestFreeRatio: number;
  /**
   * 1 - largestFree / free: 0 means all free memory is one run, values near 1 mean it is
   * scattered in small pieces. 0 when nothing is free.
   */
  fragmentationIndex: number;
  /** Free runs by length, buckets 1, 2, 3–4, 5–8, … (powers of two). */
  freeRunHistogram: FreeRunBucket[];
  freeRuns: number;
  /** Allocated chains of exactly 1 and 2 blocks (gc_dump_info's "No. of 1-blocks / 2-blocks"). */
  oneBlock: number;
  twoBlock: number;
  heads: number;
  largestChainBlocks: number;
  /** Largest gc_alloc(n) that succeeds now without collecting or growing: a whole free run. */
  largestAllocNow: number;
  /**
   * split-heap-auto: largest request gc_try_add_heap could satisfy by growing, given
   * max new split (needs n + max(2048, n*13/512) bytes of system heap). Undefined otherwise.
   */
  largestAllocByGrowth?: number;
  areas: AreaFragmentation[];
}

function bucketOf(len: number): number {
  return len <= 1 ? 0 : Math.ceil(Math.log2(len));
}

/** Largest n with n + max(2048, floor(13n/512)) <= avail (gc_try_add_heap's need). */
export function largestGrowthRequest(avail: number): number {
  if (avail < 2048) return 0;
  let lo = 0;
  let hi = avail;
  while (lo < hi) {
    const mid = Math.floor((lo + hi + 1) / 2);
    if (mid + Math.max(2048, Math.floor((mid * 13) / 512)) <= avail) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function fragmentation(heap: GcHeap): Fragmentation {
  const bpb = heap.config.blockSize;
  const hist: FreeRunBucket[] = [];
  const areas: AreaFragmentation[] = [];
  let total = 0;
  let free = 0;
  let largest = 0;
  let runs = 0;
  let one = 0;
  let two = 0;
  let heads = 0;
  let largestChain = 0;
  const addRun = (len: number): void => {
    if (len === 0) return;
    runs++;
    const k = bucketOf(len);
    while (hist.length <= k) {
      const i = hist.length;
      hist.push({ min: i === 0 ? 1 : 2 ** (i - 1) + 1, max: 2 ** i, runs: 0, blocks: 0 });
    }
    hist[k]!.runs++;
    hist[k]!.blocks += len;
  };
  for (const a of heap.areas) {
    total += a.blocks;
    let areaFree = 0;
    let areaLargest = 0;
    let run = 0;
    let chain = 0;
    const endChain = (): void => {
      if (chain === 1) one++;
      else if (chain === 2) two++;
      if (chain > largestChain) largestChain = chain;
      chain = 0;
    };
    for (let b = 0; b < a.blocks; b++) {
      const k = a.kind(b);
      if (k === AT_FREE) {
        endChain();
        run++;
        areaFree++;
        continue;
      }
      if (run > areaLargest) areaLargest = run;
      addRun(run);
      run = 0;
      if (k === AT_HEAD) {
        endChain();
        heads++;
        chain = 1;
      } else if (k === AT_TAIL) {
        chain++;
      } else {
        // AT_MARK outside a collection: count it as a head of its own.
        endChain();
        chain = 1;
      }
    }
    endChain();
    if (run > areaLargest) areaLargest = run;
    addRun(run);
    free += areaFree;
    if (areaLargest > largest) largest = areaLargest;
    areas.push({ poolStart: a.poolStart, blocks: a.blocks, freeBlocks: areaFree, largestFreeRun: areaLargest });
  }
  const out: Fragmentation = {
    blockSize: bpb,
    totalBytes: total * bpb,
    usedBytes: (total - free) * bpb,
    freeBytes: free * bpb,
    largestFreeBlocks: largest,
    largestFreeBytes: largest * bpb,
    largestFreeRatio: free ? largest / free : 0,
    fragmentationIndex: free ? 1 - largest / free : 0,
    freeRunHistogram: hist,
    freeRuns: runs,
    oneBlock: one,
    twoBlock: two,
    heads,
    largestChainBlocks: largestChain,
    largestAllocNow: largest * bpb,
    areas,
  };
  if (heap.config.splitAuto) {
    const avail = heap.splitAutoHost?.maxNewSplit() ?? 0;
    out.largestAllocByGrowth = largestGrowthRequest(avail);
  }
  return out;
}
