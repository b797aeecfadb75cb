// gc_alloc's first-fit search against gc.c's loop written out block by block: the engine
// tests the ATB a 32-bit word (16 blocks) at a time, keeps a free-run summary per index chunk,
// and goes byte by byte only around the words; the block the run ends at, the run's count
// and the ATB byte index the scan stops at must all be gc.c's.
import { describe, expect, it } from 'vitest';
import type { HeapArea } from '../../emulator/area.js';
import { rng } from '../../scripts/bench-gen.js';
import { machineFrom } from './helpers.js';

interface Searcher {
  useIndex: boolean;
  search(a: HeapArea, nBlocks: number, nFreeIn: number): void;
  sEnd: number;
  sFree: number;
  sI: number;
}

/** gc_alloc's scan: from ATB byte `from`, every block in order, counting free ones. */
function reference(a: HeapArea, from: number, nBlocks: number): [number, number, number] {
  let nFree = 0;
  for (let b = from * 4; b < a.atbLen * 4; b++) {
    if (a.kind(b) === 0) {
      if (++nFree >= nBlocks) return [b, nFree, b >> 2];
    } else nFree = 0;
  }
  return [-1, nFree, Math.max(from, a.atbLen)];
}

/** Random block kinds with free runs of every length up to a few hundred blocks. */
function fill(a: HeapArea, r: () => number): void {
  let b = 0;
  const blocks = a.atbLen * 4;
  while (b < blocks) {
    const free = r() < 0.5;
    const len = r() < 0.7 ? 1 + Math.floor(r() * 6) : r() < 0.9 ? 1 + Math.floor(r() * 40) : 1 + Math.floor(r() * 400);
    for (let k = 0; k < len && b < blocks; k++, b++) {
      const i = a.atbOff + (b >> 2);
      const sh = (b & 3) << 1;
      a.bytes[i] = (a.bytes[i]! & ~(3 << sh)) | ((free ? 0 : 1 + Math.floor(r() * 3)) << sh);
    }
  }
  a.invalidateIndex();
}

describe('first-fit search = gc.c block by block', () => {
  it('over random tables, ATBs at every alignment, indexed and plain', () => {
    const r = rng(5);
    const aligns = new Set<number>();
    let found = 0;
    let notFound = 0;
    for (let round = 0; round < 24; round++) {
      // Heaps of 8-64 KB at start offsets that put the ATB at each alignment mod 4.
      const size = [0x2000, 0x4000, 0x10000][round % 3]!;
      const start = 0x20000000 + (round % 4) * 16 + (Math.floor(round / 3) % 4);
      const { heap } = machineFrom(`gc v1.27\nword 4\nblock 16\nfinaliser ${round & 1}\nheap 0x${start.toString(16)} 0x${(start + size).toString(16)}`);
      const a = heap.first!;
      aligns.add(a.atbOff & 3);
      const s = heap as unknown as Searcher;
      for (let t = 0; t < 8; t++) {
        fill(a, r);
        for (let q = 0; q < 40; q++) {
          const nBlocks = r() < 0.6 ? 1 + Math.floor(r() * 4) : r() < 0.8 ? 1 + Math.floor(r() * 20) : 1 + Math.floor(r() * 500);
          const from = Math.floor(r() * r() * a.atbLen);
          const want = reference(a, from, nBlocks);
          for (const indexed of [true, false]) {
            s.useIndex = indexed;
            a.lastFreeAtbIndex = from;
            s.search(a, nBlocks, 0);
            expect([s.sEnd, s.sFree, s.sI], `round ${round} from ${from} n ${nBlocks} indexed ${indexed}`).toEqual(want);
          }
          if (want[0] >= 0) found++;
          else notFound++;
        }
      }
    }
    expect(aligns.size).toBeGreaterThan(1);
    expect(found).toBeGreaterThan(1000);
    expect(notFound).toBeGreaterThan(100);
  });
});
