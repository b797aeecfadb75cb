// Pause estimates: how long a collection would stop the board, from the work the engine
// counted (CollectionRecord: words examined while marking, blocks visited by the sweep and
// overflow rescans, heads marked) and per-region costs (internal SRAM vs PSRAM behind a cache).
//
// Model (linear, per collection):
//   cycles = Σ_region share_r × (cWord_r × scannedWords + cBlock_r × sweptBlocks)
//            + cHead × marked + fixed
//   time   = cycles / f_cpu
// share_r is the fraction of the heap's pool blocks in memory of region kind r (the record
// does not say which area each word came from, so work is split by area size).
//
// Calibration (../shared/reference/landscape.md §5), ESP32 family at 240 MHz:
//  - PSRAM cBlock = 36 cycles: ESP32-S3, 2 MB PSRAM, trivial GC before high-water-mark
//    sweeping, ~20 ms for 131072 swept blocks (PR #10235).
//  - PSRAM cWord = 480 cycles: the same board's real app (~43 kB live) at 22–23 ms after the
//    high-water-mark change; what is left after sweeping ~6400 used blocks is marking ~11 K
//    words (random PSRAM access through a small cache).
//  - SRAM cBlock = 8, cWord = 75 cycles: ESP32 without SPIRAM, ~1.8 ms per collect
//    (issue #8428) for a ~110 kB heap (~7000 blocks) with ~20 kB live (assumed: the source
//    does not give the live size).
// Error: the calibration points are single published measurements with unknown live sizes;
// expect ±50 % for SRAM heaps and a factor of 2 for PSRAM heaps (cache behaviour depends on
// the object graph's layout, which this model ignores). Use it to compare pacings and boards,
// not as a latency guarantee. estimatePause() returns that band as lowMs/highMs.

import type { CollectionRecord, GcHeap } from './heap.js';
import type { RegionKind } from './memory.js';

export interface RegionCost {
  /** Cycles per word examined while marking. */
  cyclesPerWord: number;
  /** Cycles per block visited by the sweep (or an overflow rescan). */
  cyclesPerBlock: number;
  /** Relative error band of estimates dominated by this region (0.5 = ±50 %). */
  error: number;
}

export interface PauseProfile {
  name: string;
  cpuMHz: number;
  ram: RegionCost;
  psram?: RegionCost;
  /** Cycles per head marked (push/pop on the mark stack). */
  cyclesPerHead: number;
  /** Fixed cost per collection (gc_collect_start/end, port hooks), cycles. */
  fixedCycles: number;
}

const ESP32_SRAM: RegionCost = { cyclesPerWord: 75, cyclesPerBlock: 8, error: 0.5 };
const ESP32_PSRAM: RegionCost = { cyclesPerWord: 480, cyclesPerBlock: 36, error: 1.0 };

export const PAUSE_PROFILES: Readonly<Record<string, PauseProfile>> = {
  esp32: { name: 'ESP32 (240 MHz)', cpuMHz: 240, ram: ESP32_SRAM, psram: ESP32_PSRAM, cyclesPerHead: 20, fixedCycles: 5000 },
  esp32s3: { name: 'ESP32-S3 (240 MHz)', cpuMHz: 240, ram: ESP32_SRAM, psram: ESP32_PSRAM, cyclesPerHead: 20, fixedCycles: 5000 },
  // Other boards: SRAM costs scaled from the ESP32 figures by clock only (not calibrated
  // against a measurement of their own; the Pyboard's ~1 ms (issue #3792) is consistent).
  stm32f4: { name: 'STM32F405 (168 MHz)', cpuMHz: 168, ram: ESP32_SRAM, cyclesPerHead: 20, fixedCycles: 5000 },
  rp2040: { name: 'RP2040 (125 MHz)', cpuMHz: 125, ram: ESP32_SRAM, cyclesPerHead: 20, fixedCycles: 5000 },
  rp2350: { name: 'RP2350 (150 MHz)', cpuMHz: 150, ram: ESP32_SRAM, psram: ESP32_PSRAM, cyclesPerHead: 20, fixedCycles: 5000 },
};

export interface PauseEstimate {
  ms: number;
  lowMs: number;
  highMs: number;
  markMs: number;
  sweepMs: number;
  /** Fraction of the pool in PSRAM. */
  psramShare: number;
}

/** Fraction of pool blocks per region kind (areas resolved to their memory region). */
export function regionShares(heap: GcHeap): Map<RegionKind, number> {
  const blocks = new Map<RegionKind, number>();
  let total = 0;
  for (const a of heap.areas) {
    const kind = heap.mem.find(a.poolStart)?.kind ?? 'ram';
    blocks.set(kind, (blocks.get(kind) ?? 0) + a.blocks);
    total += a.blocks;
  }
  const out = new Map<RegionKind, number>();
  for (const [k, v] of blocks) out.set(k, total ? v / total : 0);
  return out;
}

export function estimatePause(
  rec: Pick<CollectionRecord, 'scannedWords' | 'sweptBlocks' | 'marked'>,
  shares: Map<RegionKind, number>,
  p: PauseProfile,
): PauseEstimate {
  const psramShare = shares.get('psram') ?? 0;
  const ramShare = 1 - psramShare;
  const ps = p.psram ?? p.ram;
  const markCycles = rec.scannedWords * (ramShare * p.ram.cyclesPerWord + psramShare * ps.cyclesPerWord) + rec.marked * p.cyclesPerHead;
  const sweepCycles = rec.sweptBlocks * (ramShare * p.ram.cyclesPerBlock + psramShare * ps.cyclesPerBlock);
  const perMs = p.cpuMHz * 1000;
  const markMs = markCycles / perMs;
  const sweepMs = sweepCycles / perMs;
  const ms = markMs + sweepMs + p.fixedCycles / perMs;
  const err = ramShare * p.ram.error + psramShare * ps.error;
  return { ms, lowMs: ms / (1 + err), highMs: ms * (1 + err), markMs, sweepMs, psramShare };
}

/** Pause estimates for every collection a heap reported (e.g. PacingStats.records). */
export function estimatePauses(heap: GcHeap, records: readonly CollectionRecord[], p: PauseProfile): PauseEstimate[] {
  const shares = regionShares(heap);
  return records.map((r) => estimatePause(r, shares, p));
}
