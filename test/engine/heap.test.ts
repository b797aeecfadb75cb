// The engine's operations, one behaviour at a time, with expectations derived from
// py/gc.c's rules (not from running the engine).
import { describe, expect, it } from 'vitest';
import { HeapCrash } from '../../emulator/index.js';
import { kinds, machineFrom } from './helpers.js';

// 4096-byte heap at 0x20000000, v1.27, finaliser: ATB = (4095*8)/524 = 62 bytes,
// 248 blocks of 16, pool = 3968 bytes ending at 0x20001000 → pool start 0x20000080.
const H = (extra = '', v = 'v1.27') => `gc ${v}\nword 4\nblock 16\nfinaliser 1\nclear 0\n${extra}\nheap 0x20000000 0x20001000`;
const POOL = 0x20000080;

describe('gc_alloc', () => {
  it('is first fit; only a 1-block request moves the search start', () => {
    const { heap } = machineFrom(H());
    const a = heap.alloc(16);
    const b = heap.alloc(32);
    const c = heap.alloc(16);
    expect([a, b, c]).toEqual([POOL, POOL + 16, POOL + 48]);
    expect(heap.areas[0]!.lastFreeAtbIndex).toBe(1); // (3 + 1) / 4
    heap.free(a);
    expect(heap.areas[0]!.lastFreeAtbIndex).toBe(0);
    expect(heap.alloc(32)).toBe(POOL + 64); // two blocks don't fit in the 1-block hole
    expect(heap.areas[0]!.lastFreeAtbIndex).toBe(0); // a 2-block request leaves it
    expect(heap.alloc(1)).toBe(POOL); // one block does
    expect(kinds(heap, 8)).toBe('hh=hh=..');
  });

  it('returns NULL for 0 bytes and for a request larger than the heap', () => {
    const { heap } = machineFrom(H());
    expect(heap.alloc(0)).toBe(0);
    expect(heap.alloc(4000)).toBe(0);
    expect(heap.counters.failedAllocs).toBe(1);
  });

  it('without conservative clear, zeroes only past n_bytes', () => {
    const { heap, m } = machineFrom(H());
    const p = heap.alloc(16);
    m.mem.write32(p, 0xaaaaaaaa);
    m.mem.write32(p + 12, 0xbbbbbbbb);
    heap.free(p);
    expect(heap.alloc(8)).toBe(p);
    expect(m.mem.read32(p)).toBe(0xaaaaaaaa); // what the earlier block held
    expect(m.mem.read32(p + 12)).toBe(0);
  });

  it('with conservative clear, zeroes the whole block', () => {
    const { heap, m } = machineFrom(H().replace('clear 0', 'clear 1'));
    const p = heap.alloc(16);
    m.mem.write32(p, 0xaaaaaaaa);
    heap.free(p);
    expect(heap.alloc(8)).toBe(p);
    expect(m.mem.read32(p)).toBe(0);
  });

  it('a finaliser allocation clears the type word and sets the FTB bit', () => {
    const { heap, m } = machineFrom(H());
    const p = heap.alloc(16);
    m.mem.write32(p, 0x1234);
    heap.free(p);
    heap.alloc(16, true);
    expect(m.mem.read32(p)).toBe(0);
    const a = heap.areas[0]!;
    expect(a.bytes[a.ftbOff]! & 1).toBe(1);
  });

  it('gc_lock_depth is 16 bits: an unlock with nothing locked leaves the heap locked until a lock', () => {
    for (const v of ['v1.9.4', 'v1.27']) {
      const { heap } = machineFrom(H('', v));
      heap.unlock(); // 0 - 1 wraps to 65535
      expect(heap.alloc(16)).toBe(0);
      heap.lock(); // back to 0
      expect(heap.alloc(16)).toBe(POOL);
    }
  });

  it('returns NULL while locked, and free does nothing then', () => {
    const { heap } = machineFrom(H());
    const p = heap.alloc(16);
    heap.lock();
    expect(heap.alloc(16)).toBe(0);
    heap.free(p);
    expect(heap.isHead(p)).toBe(true);
    heap.unlock();
    heap.free(p);
    expect(heap.isHead(p)).toBe(false);
  });
});

describe('collection triggers', () => {
  it('collects when gc_alloc_amount reaches the threshold, then resets the amount', () => {
    const { heap } = machineFrom(H());
    heap.threshold = 4;
    heap.alloc(32);
    heap.alloc(16);
    expect(heap.counters.collections).toBe(0); // amount 3 < 4
    heap.alloc(16); // amount 3 before this one: no collection yet
    expect(heap.counters.collections).toBe(0);
    heap.alloc(16); // amount 4 ≥ 4: collect first
    expect(heap.counters.byReason.threshold).toBe(1);
    expect(heap.allocAmount).toBe(1);
  });

  it('collects once when the heap is exhausted, then retries the search', () => {
    const { heap, m } = machineFrom(H());
    // Everything allocated is kept alive through a rooted holder.
    const holder = heap.alloc(64 * 4);
    m.mem.writeWord(m.rootSlot(0), holder);
    let i = 0;
    for (let p = heap.alloc(256); p !== 0; p = heap.alloc(256)) m.mem.writeWord(holder + 4 * i++, p);
    expect(i).toBe(14); // (248 - 16) blocks / 16 per object
    expect(heap.counters.byReason.exhausted).toBe(1); // only the failing request collected
    // Garbage makes the retry succeed: drop one object and ask again.
    m.mem.writeWord(holder, 0);
    expect(heap.alloc(256)).not.toBe(0);
    expect(heap.counters.byReason.exhausted).toBe(2);
  });

  it('with auto-collect off, fails without collecting', () => {
    const { heap } = machineFrom(H());
    heap.autoCollect = false;
    while (heap.alloc(256) !== 0);
    expect(heap.counters.collections).toBe(0);
    heap.autoCollect = true;
    expect(heap.alloc(256)).not.toBe(0); // nothing is rooted: the collection frees it all
    expect(heap.counters.byReason.exhausted).toBe(1);
  });
});

describe('marking', () => {
  it('keeps what roots reach through heap words; interior and tail pointers keep nothing', () => {
    const { heap, m } = machineFrom(H());
    const a = heap.alloc(32); // 2 blocks
    const b = heap.alloc(16);
    const c = heap.alloc(16);
    const d = heap.alloc(16);
    m.mem.writeWord(m.rootSlot(0), a);
    m.mem.writeWord(a + 4, b); // a → b
    m.mem.writeWord(m.stackSlot(3), c + 4); // interior pointer: not block-aligned
    m.mem.writeWord(m.rootSlot(1), a + 16); // a's tail block: not a head
    const rec = heap.collect();
    expect(heap.isHead(a) && heap.isHead(b)).toBe(true);
    expect(heap.isHead(c) || heap.isHead(d)).toBe(false);
    expect(rec.freed).toBe(2);
  });

  it('a full mark stack overflows and the heap is rescanned until everything reachable is marked', () => {
    const { heap, m } = machineFrom(H().replace('\nheap', '\ngcstack 2\nheap'));
    const parent = heap.alloc(16 * 8); // 32 words
    m.mem.writeWord(m.rootSlot(0), parent);
    const kids: number[] = [];
    for (let i = 0; i < 20; i++) {
      const k = heap.alloc(16);
      kids.push(k);
      m.mem.writeWord(parent + 4 * i, k);
    }
    for (let i = 0; i < 10; i++) heap.alloc(16); // garbage
    const rec = heap.collect();
    expect(rec.overflowRescans).toBeGreaterThan(0);
    expect(kids.every((k) => heap.isHead(k))).toBe(true);
    expect(rec.freed).toBe(10);
  });
});

describe('finalisers and weak references', () => {
  it('runs __del__ only for unreachable heads whose type has one, in block order', () => {
    const { heap, m } = machineFrom(H());
    const fin = m.types.address('fin');
    const x = heap.alloc(16, true);
    const y = heap.alloc(16, true); // FTB set but its type has no __del__
    const z = heap.alloc(16, true);
    const kept = heap.alloc(16, true);
    m.mem.writeWord(x, fin);
    m.mem.writeWord(y, m.types.address('str'));
    m.mem.writeWord(z, fin);
    m.mem.writeWord(kept, fin);
    m.mem.writeWord(m.stackSlot(0), kept);
    const rec = heap.collect();
    expect(rec.finalised).toEqual([x, z]);
    expect(rec.freed).toBe(3);
    const a = heap.areas[0]!;
    expect(a.bytes[a.ftbOff]!).toBe(1 << 3); // only the survivor keeps its FTB bit
  });

  it('v1.28 reports weakly referenced objects about to be freed, and clears their WTB bit', () => {
    const { heap, m } = machineFrom(H('weakref 1', 'v1.28'));
    const a = heap.alloc(16, true);
    const b = heap.alloc(16, true);
    heap.weakrefMark(a);
    heap.weakrefMark(b);
    m.mem.writeWord(m.rootSlot(0), b);
    expect(heap.collect().weak).toEqual([a]);
    expect(heap.collect().weak).toEqual([]);
  });
});

describe('sweep bound (v1.21+)', () => {
  it('sweeps only up to gc_last_used_block and lowers it to the last block still in use', () => {
    const { heap, m } = machineFrom(H());
    const keep = heap.alloc(16);
    for (let i = 0; i < 9; i++) heap.alloc(16);
    expect(heap.areas[0]!.lastUsedBlock).toBe(9);
    m.mem.writeWord(m.rootSlot(0), keep);
    const rec = heap.collect();
    expect(rec.sweptBlocks).toBe(10);
    expect(heap.areas[0]!.lastUsedBlock).toBe(0);
  });
});

describe('gc_realloc', () => {
  it('grows in place into free blocks, shrinks in place, and moves (copying whole blocks) when it must', () => {
    const { heap, m } = machineFrom(H());
    const p = heap.alloc(16);
    expect(heap.realloc(p, 48)).toBe(p); // blocks 1, 2 were free
    expect(heap.nbytes(p)).toBe(48);
    const q = heap.alloc(16); // block 3: blocks p's growth
    expect(heap.realloc(p, 20)).toBe(p);
    expect(heap.nbytes(p)).toBe(32);
    m.mem.write32(p + 28, 0xcafe);
    expect(heap.realloc(p, 64, false)).toBe(0); // blocks 2 free, 3 taken: can't grow, may not move
    const r = heap.realloc(p, 64);
    expect(r).toBe(q + 16);
    expect(m.mem.read32(r + 28)).toBe(0xcafe);
    expect(heap.isHead(p)).toBe(false);
  });

  it('keeps the finaliser flag when it moves a block', () => {
    const { heap } = machineFrom(H());
    const p = heap.alloc(16, true);
    heap.alloc(16);
    const r = heap.realloc(p, 64);
    const a = heap.areas[0]!;
    const block = (r - a.poolStart) / 16;
    expect((a.bytes[a.ftbOff + (block >> 3)]! >> (block & 7)) & 1).toBe(1);
    expect(a.bytes[a.ftbOff]! & 1).toBe(0);
  });
});

describe('v1.9.4 reproduced with its bugs', () => {
  // 60 blocks: a 1-block garbage object at block 0, a rooted object over blocks 1..57,
  // blocks 58..59 free. A 3-block request fails (2 free at the end), collects (frees
  // block 0) and searches again.
  const setup = (v: string) => {
    const { heap, m } = machineFrom(`gc ${v}\nfinaliser 0\nheap 0x20000000 0x20000400`);
    expect(heap.areas[0]!.blocks).toBe(60);
    heap.alloc(16);
    const big = heap.alloc(57 * 16);
    m.mem.writeWord(m.rootSlot(0), big);
    return heap;
  };

  it('v1.9.4 does not reset the free-run count: the retry starts before the pool (a device crash)', () => {
    const heap = setup('v1.9.4');
    expect(() => heap.alloc(48)).toThrow(HeapCrash);
    expect(() => setup('v1.9.4').alloc(48)).toThrow(/would start 2 block\(s\) before the pool start/);
  });

  it('v1.27 resets it and simply fails', () => {
    const heap = setup('v1.27');
    expect(heap.alloc(48)).toBe(0);
  });

  it('v1.9.4 collects twice when a threshold collection is followed by an exhausted search, and warns', () => {
    const run = (v: string) => {
      const { heap, m } = machineFrom(`gc ${v}\nfinaliser 0\nheap 0x20000000 0x20000400`);
      const big = heap.alloc(58 * 16);
      m.mem.writeWord(m.rootSlot(0), big);
      heap.threshold = 1;
      const warnings: string[] = [];
      heap.onWarning = (w) => warnings.push(w.code);
      expect(heap.alloc(48)).toBe(0);
      return { collections: heap.counters.collections, warnings };
    };
    expect(run('v1.9.4')).toEqual({ collections: 2, warnings: ['v1.9.4-double-collect'] });
    expect(run('v1.27')).toEqual({ collections: 1, warnings: [] });
  });

  it('v1.9.4 has no gap byte, so a chain at the pool end runs on into FTB bits read as AT_TAIL', () => {
    // 1 block left at the end of the pool; FTB byte 0 = 0b10 (block 1 has a finaliser,
    // block 0 not) reads as AT_TAIL for the block after the last.
    const mk = (v: string) => machineFrom(`gc ${v}\nfinaliser 1\nheap 0x20000000 0x20000400`);
    for (const v of ['v1.9.4', 'v1.27']) {
      const { heap } = mk(v);
      const n = heap.areas[0]!.blocks;
      heap.alloc(16);
      heap.alloc(16, true);
      heap.alloc((n - 3) * 16);
      const last = heap.alloc(16);
      expect(heap.areas[0]!.kind(n - 1)).toBe(1);
      // gc_nbytes follows AT_TAIL: v1.9.4 counts the FTB pattern as a second block.
      expect(heap.nbytes(last)).toBe(v === 'v1.9.4' ? 32 : 16);
    }
  });
});

describe('split heaps (gc_add)', () => {
  it('searches areas in order and marks pointers into any area', () => {
    const { heap, m } = machineFrom(`gc v1.27\nsplit 1\nheap 0x20000000 0x20000400\nheap 0x30000000 0x30000400`);
    expect(heap.areas.length).toBe(2);
    const big = heap.alloc(heap.areas[0]!.blocks * 16);
    expect(big).toBe(heap.areas[0]!.poolStart);
    const other = heap.alloc(16); // area 0 is full: goes to area 1
    expect(other).toBe(heap.areas[1]!.poolStart);
    m.mem.writeWord(m.rootSlot(0), big);
    m.mem.writeWord(big + 8, other);
    expect(heap.collect().freed).toBe(0);
    m.mem.writeWord(big + 8, 0);
    expect(heap.collect().freed).toBe(1);
  });

  it('warns when an area\'s tables end inside its pool (gc.c only asserts)', () => {
    const warnings: string[] = [];
    const { heap } = machineFrom(`gc v1.28\nsplit 1\nweakref 1\nheap 0x20000000 0x20000400\nheap 0x20010ffd 0x20011400`);
    heap.onWarning = (w) => warnings.push(w.code);
    heap.add(0x20010ffd - 0x800, 0x2001140a - 0x800);
    expect(warnings).toEqual(['tables-overlap-pool']);
  });

  it('gc_add without split is refused', () => {
    const { heap } = machineFrom(`gc v1.27\nheap 0x20000000 0x20000400`);
    expect(() => heap.add(0x20000800, 0x20000c00)).toThrow(/split/);
  });
});
