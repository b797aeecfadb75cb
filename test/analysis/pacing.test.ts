// Pacing what-ifs and pause estimates, on GcHeap directly: a live set held from the root
// section, then a stream of short-lived objects; each trigger model must collect as often as
// its rule predicts.

import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../emulator/config.js';
import type { GcHeap } from '../../emulator/heap.js';
import { Machine } from '../../emulator/machine.js';
import { PacingError, applyPacing, comparePacings, pacingTable, parsePacing } from '../../emulator/pacing.js';
import { PAUSE_PROFILES, estimatePause, estimatePauses, regionShares } from '../../emulator/pause.js';
import type { RegionKind } from '../../emulator/memory.js';

const HEAP = 0x20000000;
const HEAP_BYTES = 64 * 1024;
const LIVE = 200; // live objects of 2 blocks (32 B)
const GARBAGE = 6000; // short-lived objects of 1 block

function build(kind: RegionKind = 'ram'): GcHeap {
  const m = new Machine({
    config: defaultConfig('v1.27'),
    regions: [
      { name: 'heap', kind, base: HEAP, size: HEAP_BYTES },
      { name: 'flash', kind: 'flash', base: 0x08000000, size: 0x1000 },
      { name: 'state', kind: 'ram', base: 0x30000000, size: 0x100 },
    ],
    typesBase: 0x08000000,
    rootSection: { address: 0x30000000, words: 4 },
    stack: { address: 0x30000010, words: 4 },
  });
  m.heap.init(HEAP, HEAP + HEAP_BYTES);
  return m.heap;
}

/** Live set: one table (held by root slot 0) pointing at LIVE objects; then GARBAGE temporaries. */
function workload(heap: GcHeap): void {
  const table = heap.alloc(LIVE * 4);
  heap.mem.writeWord(0x30000000, table);
  for (let i = 0; i < LIVE; i++) {
    const p = heap.alloc(32);
    heap.mem.writeWord(table + i * 4, p);
  }
  for (let i = 0; i < GARBAGE; i++) heap.alloc(16);
}

const liveBlocks = Math.ceil((LIVE * 4) / 16) + LIVE * 2; // 50 + 400 = 450

describe('parsePacing', () => {
  it('reads the grammar', () => {
    expect(parsePacing('threshold:4096')).toEqual({ kind: 'threshold', bytes: 4096 });
    expect(parsePacing('threshold:8k')).toEqual({ kind: 'threshold', bytes: 8192 });
    expect(parsePacing('gogc:100')).toEqual({ kind: 'gogc', percent: 100, minBytes: 4096 });
    expect(parsePacing('gogc:50,min=1k')).toEqual({ kind: 'gogc', percent: 50, minBytes: 1024 });
    expect(parsePacing('live:2.0')).toEqual({ kind: 'live', factor: 2, minObjects: 0 });
    expect(parsePacing('live:0.25,min=2000')).toEqual({ kind: 'live', factor: 0.25, minObjects: 2000 });
    expect(parsePacing('off')).toEqual({ kind: 'off' });
  });

  it('names the bad part', () => {
    expect(() => parsePacing('gogo:100')).toThrow(/unknown kind "gogo"/);
    expect(() => parsePacing('threshold:lots')).toThrow(/threshold: "lots" is not a byte count/);
    expect(() => parsePacing('gogc')).toThrow(/gogc needs a value, e\.g\. gogc:100/);
    expect(() => parsePacing('gogc:0')).toThrow(/must be above 0/);
    expect(() => parsePacing('live:2,max=3')).toThrow(/live has no option "max" \(known: min\)/);
    expect(() => parsePacing('off:3')).toThrow(PacingError);
  });
});

/** The live set first, then the pacing, then the garbage: counts depend on the rule alone. */
function garbagePhase(spec: string) {
  const heap = build();
  const table = heap.alloc(LIVE * 4);
  heap.mem.writeWord(0x30000000, table);
  for (let i = 0; i < LIVE; i++) heap.mem.writeWord(table + i * 4, heap.alloc(32));
  const h = applyPacing(heap, parsePacing(spec));
  for (let i = 0; i < GARBAGE; i++) heap.alloc(16);
  return h.stats();
}

describe('applyPacing on a GcHeap', () => {
  const run = (spec: string) => comparePacings(() => build(), workload, [parsePacing(spec)])[0]!;

  it('off collects only when the heap is exhausted', () => {
    const s = run('off');
    expect(s.triggered).toBe(0);
    // 64 KiB = 4096 blocks minus ~450 live: ~3600 garbage blocks per cycle.
    const heapBlocks = (HEAP_BYTES / 16) * 0.97; // pool after the tables
    expect(s.exhausted).toBe(Math.floor(GARBAGE / (heapBlocks - liveBlocks)));
    expect(s.peakUsedBytes).toBeGreaterThan(HEAP_BYTES * 0.9);
  });

  it('threshold:N collects every N bytes allocated (gc.threshold)', () => {
    const s = run('threshold:4096');
    const allocatedBlocks = liveBlocks + GARBAGE;
    expect(s.triggered).toBe(Math.floor((allocatedBlocks - 1) / 256));
    expect(s.exhausted).toBe(0);
  });

  it('gogc:P collects when the heap grows P % past the live size', () => {
    const g100 = garbagePhase('gogc:100');
    const g50 = garbagePhase('gogc:50');
    // Each cycle allocates P % of the live set in garbage (the first one starts from live).
    expect(g100.triggered).toBe(Math.floor((GARBAGE - 1) / liveBlocks));
    expect(g50.triggered).toBe(Math.floor((GARBAGE - 1) / Math.floor(liveBlocks * 0.5)));
    expect(g100.peakUsedBytes).toBe(2 * liveBlocks * 16);
    expect(g50.peakUsedBytes).toBe(Math.floor(1.5 * liveBlocks) * 16);
    for (const r of g100.records) expect(r.usedBlocksAfter).toBe(liveBlocks);
  });

  it('live:F collects when net new objects exceed F × live objects', () => {
    const liveObjects = LIVE + 1;
    const s = garbagePhase('live:2.0');
    // A collection once 2 × 201 + 1 = 403 objects are new; the 403rd allocation collects first.
    expect(s.triggered).toBe(Math.floor((GARBAGE - 1) / (2 * liveObjects + 1)));
    const quarter = garbagePhase('live:0.25,min=100');
    // CPython's rule: max(min, live/4) → 100 < 201/4? no: 50.25 < 100, so every 101 objects.
    expect(quarter.triggered).toBe(Math.floor((GARBAGE - 1) / 101));
  });

  it('comparePacings runs each model on a fresh heap and tabulates', () => {
    const rows = comparePacings(() => build(), workload, ['off', 'threshold:4096', 'gogc:100', 'live:2.0'].map(parsePacing));
    expect(rows.map((r) => r.collections)).toEqual(rows.map((r) => r.triggered + r.exhausted));
    const off = rows[0]!;
    for (const r of rows.slice(1)) {
      expect(r.collections).toBeGreaterThan(off.collections);
      expect(r.peakUsedBytes).toBeLessThan(off.peakUsedBytes);
      expect(r.failedAllocs).toBe(0);
    }
    const t = pacingTable(rows);
    expect(t.split('\n')[0]).toMatch(/^pacing\s+collections\s+triggered\s+exhausted\s+peak used \(B\)\s+failed allocs$/);
    expect(t).toContain('gogc:100,min=4096');
  });

  it('detach restores the stock trigger', () => {
    const heap = build();
    const h = applyPacing(heap, parsePacing('gogc:100'));
    expect(heap.trigger).not.toBeNull();
    h.detach();
    expect(heap.trigger).toBeNull();
  });
});

describe('pause estimates', () => {
  it('reproduces the calibration points it was fitted to', () => {
    // ESP32-S3, 2 MB PSRAM, trivial GC sweeping every block (pre high-water mark): ~20 ms.
    const psram = new Map<RegionKind, number>([['psram', 1]]);
    const trivial = estimatePause({ scannedWords: 200, sweptBlocks: 131072, marked: 50 }, psram, PAUSE_PROFILES.esp32s3!);
    expect(trivial.ms).toBeGreaterThan(18);
    expect(trivial.ms).toBeLessThan(22);
    // ESP32 SRAM heap ~1.8 ms.
    const sram = new Map<RegionKind, number>([['ram', 1]]);
    const e = estimatePause({ scannedWords: 5000, sweptBlocks: 7000, marked: 1500 }, sram, PAUSE_PROFILES.esp32!);
    expect(e.ms).toBeGreaterThan(1.5);
    expect(e.ms).toBeLessThan(2.1);
    expect(e.lowMs).toBeLessThan(e.ms);
    expect(e.highMs).toBeGreaterThan(e.ms);
  });

  it('the same collection costs more in PSRAM, and pauses follow the engine\'s records', () => {
    const ram = build('ram');
    const ps = build('psram');
    const rr = comparePacings(() => ram, workload, [parsePacing('threshold:4096')])[0]!;
    const pr = comparePacings(() => ps, workload, [parsePacing('threshold:4096')])[0]!;
    expect(regionShares(ps).get('psram')).toBe(1);
    const a = estimatePauses(ram, rr.records, PAUSE_PROFILES.esp32s3!);
    const b = estimatePauses(ps, pr.records, PAUSE_PROFILES.esp32s3!);
    expect(a).toHaveLength(rr.collections);
    for (let i = 0; i < a.length; i++) expect(b[i]!.ms).toBeGreaterThan(a[i]!.ms * 3);
    // More live data to mark: a longer pause.
    const small = estimatePause({ scannedWords: 1000, sweptBlocks: 1000, marked: 100 }, regionShares(ram), PAUSE_PROFILES.esp32!);
    const big = estimatePause({ scannedWords: 10000, sweptBlocks: 1000, marked: 1000 }, regionShares(ram), PAUSE_PROFILES.esp32!);
    expect(big.markMs).toBeGreaterThan(small.markMs * 5);
  });
});
