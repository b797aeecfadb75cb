// What `mcu-gc check` pins for a board: its layout (per what-if variant) and, per workload,
// the run's results — GC totals, collections, peak, largest free run, fragmentation,
// estimated pauses and the final mem_info(1) dump. Stored as stable JSON (keys sorted,
// two-space indent, numbers rounded where they are estimates) so a golden file diffs
// cleanly in review and two runs of the same plan give byte-identical files.

import { createHash } from 'node:crypto';
import type { BoardMachine } from '../../emulator/board.js';
import { fragmentation } from '../../emulator/analysis/fragmentation.js';
import type { GcHeap } from '../../emulator/heap.js';
import { hex } from '../../emulator/memory.js';
import type { RunReport } from '../../emulator/run.js';

export const CHECK_FORMAT = 1;

export interface LayoutResult {
  board: string;
  /** What-if flags of this variant ('' for the board as configured). */
  whatIf: string;
  micropython: string;
  gc: { version: string; wordSize: number; blockSize: number; finaliser: boolean; split: boolean; splitAuto: boolean; weakref: boolean; gcStack: number; conservativeClear: boolean };
  heap: { start: string; end: string; bytes: number };
  areas: Array<{ poolStart: string; poolEnd: string; blocks: number; atbStart: string; atbLen: number; ftbLen: number; wtbLen: number }>;
  /** `GC: total:` after boot. */
  total: number;
  /** gc.threshold() at boot in bytes, or null (off). */
  threshold: number | null;
}

export interface CaseResult {
  board: string;
  workload: string;
  whatIf: string;
  seed: number;
  scale: number;
  totals: { allocs: number; failedAllocs: number; reallocs: number; frees: number; memoryErrors: number };
  collections: { total: number; threshold: number; exhausted: number; explicit: number };
  peakUsedBytes: number;
  usedAtEnd: number;
  totalAtEnd: number;
  largestFreeBytes: number;
  worstLargestFreeAfterGc: number | null;
  /** 1 - largest free run / free bytes, 4 decimals (emulator/analysis/fragmentation.ts). */
  fragmentation: { index: number; freeRuns: number };
  areas: { atEnd: number; added: number; freed: number };
  /** Estimated stop-the-world pauses in ms (3 decimals), null for host ports. */
  pauses: { meanMs: number; maxMs: number; totalMs: number } | null;
  /** micropython.mem_info(1) at the end, line by line. */
  finalDump: string[];
  /** For gctrace workloads: what the trace's own info/dump/collect lines printed (sha256 and lines). */
  traceOutput?: { sha256: string; lines: number };
}

/** A case that could not run (e.g. a trace whose heap the board cannot hold): its one-line error is the result. */
export interface CaseError {
  board: string;
  workload: string;
  whatIf: string;
  error: string;
}

export interface CheckFile {
  /** Format marker: {"mcu-gc check": 1}. */
  'mcu-gc check': number;
  layouts: Record<string, LayoutResult>;
  cases: Record<string, CaseResult | CaseError>;
  /** Only in a shard's output (--shard I/N --out): which part of which plan. */
  shard?: { index: number; count: number; plan: string; cases: number };
}

export function layoutKey(board: string, whatIf: string): string {
  return whatIf ? `${board} ${whatIf}` : board;
}

export function caseKey(board: string, workload: string, whatIf: string): string {
  return whatIf ? `${board} ${workload} ${whatIf}` : `${board} ${workload}`;
}

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

export function layoutResult(b: BoardMachine, whatIf: string): LayoutResult {
  const c = b.config;
  const info = b.machine.heap.info();
  return {
    board: b.spec.id,
    whatIf,
    micropython: b.spec.micropython,
    gc: {
      version: c.version,
      wordSize: c.wordSize,
      blockSize: c.blockSize,
      finaliser: c.finaliser,
      split: c.split,
      splitAuto: c.splitAuto,
      weakref: c.weakref,
      gcStack: c.gcStack,
      conservativeClear: c.conservativeClear,
    },
    heap: { start: hex(b.heapStart), end: hex(b.heapEnd), bytes: b.heapEnd - b.heapStart },
    areas: b.areas.map((a) => ({
      poolStart: hex(a.poolStart),
      poolEnd: hex(a.poolEnd),
      blocks: a.blocks,
      atbStart: hex(a.atbStart),
      atbLen: a.atbLen,
      ftbLen: a.ftbLen,
      wtbLen: a.wtbLen,
    })),
    total: info.total,
    threshold: Number.isFinite(b.thresholdBlocks) ? b.thresholdBlocks * c.blockSize : null,
  };
}

export function caseResult(r: RunReport, heap: GcHeap, whatIf: string, board: string): CaseResult {
  const f = fragmentation(heap);
  const c = r.counters;
  return {
    board,
    workload: r.workload,
    whatIf,
    seed: r.seed,
    scale: r.scale,
    totals: { allocs: c.allocs, failedAllocs: c.failedAllocs, reallocs: c.reallocs, frees: c.frees, memoryErrors: r.memoryErrors },
    collections: { total: c.collections, threshold: r.collectionsByReason.threshold, exhausted: r.collectionsByReason.exhausted, explicit: r.collectionsByReason.explicit },
    peakUsedBytes: r.peakUsedBytes,
    usedAtEnd: r.info.used,
    totalAtEnd: r.info.total,
    largestFreeBytes: r.largestFreeBytes,
    worstLargestFreeAfterGc: r.worstLargestFreeAfterGc,
    fragmentation: { index: round(f.fragmentationIndex, 4), freeRuns: f.freeRuns },
    areas: { atEnd: r.areasAtEnd.length, added: c.areasAdded, freed: c.areasFreed },
    pauses: r.pauses ? { meanMs: round(r.pauses.meanMs, 3), maxMs: round(r.pauses.maxMs, 3), totalMs: round(r.pauses.totalMs, 3) } : null,
    finalDump: r.memInfo.replace(/\n$/, '').split('\n'),
    ...(r.traceOutput !== undefined
      ? { traceOutput: { sha256: createHash('sha256').update(r.traceOutput).digest('hex'), lines: r.traceOutput.split('\n').length - 1 } }
      : {}),
  };
}

/** JSON with every object's keys sorted, so equal content is equal bytes. */
export function stableJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) {
        const x = (v as Record<string, unknown>)[k];
        if (x !== undefined) out[k] = sort(x);
      }
      return out;
    }
    return v;
  };
  return JSON.stringify(sort(value), null, 2) + '\n';
}

export function emptyCheckFile(): CheckFile {
  return { 'mcu-gc check': CHECK_FORMAT, layouts: {}, cases: {} };
}
