// Runs a workload on a booted board and reports what happened: the final mem_info(1) text,
// the heap counters, every collection (with the work it did, for pause estimates), peak use,
// the largest free run, and the emulated work done.
// Pure module: no Node APIs.

import type { BoardMachine } from './board.js';
import type { GcConfig } from './config.js';
import type { CollectionRecord, CollectReason, GcInfo, HeapCounters, HeapWarning } from './heap.js';
import { type AreaLayout, computeAreaLayout } from './layout.js';
import type { Trace } from './trace/parse.js';
import { runTrace } from './trace/run.js';
import { memInfoText } from './mem-info.js';
import { bootState, BOOT_ROOTS } from './workloads/boot.js';
import { BUILTIN_WORKLOADS, findWorkload } from './workloads/builtin.js';
import { Mutator } from './workloads/mutator.js';
import { Rng } from './workloads/rng.js';
import type { Workload, WorkloadContext } from './workloads/types.js';
import { type Pacing, applyPacing, formatPacing } from './pacing.js';
import { estimatePauses } from './pause.js';
import { pauseProfileForBoard } from './pause-boards.js';
import type { GcHeap } from './heap.js';

export interface RunOptions {
  /** PRNG seed (default 1). */
  seed?: number;
  /** Iteration multiplier (default 1). */
  scale?: number;
  /** Capture mem_info(1) every N operations (0/undefined: only at the end). */
  dumpEvery?: number;
  /** Progress: called every `progressEvery` operations with (done, estimatedTotal). */
  onProgress?: (done: number, total: number) => void;
  progressEvery?: number;
  /** A what-if collection trigger (emulator/pacing.ts); default: the board's own (stock). */
  pacing?: Pacing;
}

/** Estimated stop-the-world time of the run's collections (emulator/pause.ts model). */
export interface PauseSummary {
  model: string;
  collections: number;
  meanMs: number;
  maxMs: number;
  /** The model's error band around maxMs. */
  maxLowMs: number;
  maxHighMs: number;
  totalMs: number;
}

export interface WorkSummary {
  /** Workload operations (allocations, reallocs, stores, root changes, frees). */
  ops: number;
  /** Bytes the workload asked for (alloc + realloc growth). */
  bytesRequested: number;
  /** Words examined by all collections' mark phases (roots and heap). */
  markedWords: number;
  /** Blocks visited by all sweeps (and mark-stack-overflow rescans). */
  sweptBlocks: number;
}

export interface RunReport {
  board: string;
  boardName: string;
  micropython: string;
  workload: string;
  seed: number;
  scale: number;
  config: GcConfig;
  /** gc.threshold() at boot in bytes (null: off). */
  thresholdBytes: number | null;
  /** Heap areas at boot and at the end (split-heap-auto adds and frees areas). */
  areasAtBoot: AreaLayout[];
  areasAtEnd: AreaLayout[];
  /** What micropython.mem_info(1) prints at the end of the run. */
  memInfo: string;
  /** mem_info(1) captured every --dump-every operations. */
  dumps: Array<{ ops: number; text: string }>;
  info: GcInfo;
  counters: HeapCounters;
  /** Python-level MemoryErrors the program saw (and caught). */
  memoryErrors: number;
  collections: CollectionRecord[];
  collectionsByReason: Record<CollectReason, number>;
  /** Peak bytes in use (HEAD+TAIL blocks × block size) at any moment. */
  peakUsedBytes: number;
  /** Largest free run at the end, in bytes. */
  largestFreeBytes: number;
  /** Smallest "largest free run" seen right after a collection (the first 64, then every 32nd), in bytes. */
  worstLargestFreeAfterGc: number | null;
  work: WorkSummary;
  systemHeap?: { maxNewSplitAtEnd: number; allocs: number; frees: number; failed: number };
  warnings: HeapWarning[];
  notes: string[];
  /** The collection trigger in force ('stock': the board's gc.threshold). */
  pacing: string;
  /** Pause estimate for the board's CPU, or null for host ports. */
  pauses: PauseSummary | null;
  /** For gctrace workloads: what the trace's own info/dump/collect lines printed. */
  traceOutput?: string;
}

export function listWorkloads(): readonly Workload[] {
  return BUILTIN_WORKLOADS;
}

/** Runs a built-in workload (or a Workload object) on a freshly built board machine. */
export function runWorkload(board: BoardMachine, workload: Workload | string, opts: RunOptions = {}): RunReport {
  const w = typeof workload === 'string' ? findWorkload(workload) : workload;
  if (!w) throw new Error(`unknown workload ${String(workload)} (built in: ${BUILTIN_WORKLOADS.map((x) => x.name).join(', ')})`);
  const seed = opts.seed ?? 1;
  const scale = opts.scale ?? 1;
  const m = board.machine;
  const heap = m.heap;
  const bpb = board.config.blockSize;
  const warnings: HeapWarning[] = [];
  heap.onWarning = (x) => {
    if (warnings.length < 100) warnings.push(x);
  };
  const rec = collectionRecorder(heap);
  const collections = rec.collections;
  heap.onCollect = rec.onCollect;
  const mut = new Mutator(m);
  const dumps: RunReport['dumps'] = [];
  const memStats = board.spec.memStats;
  const memText = (): string =>
    memInfoText(m, {
      verbose: true,
      stack: board.stackLine,
      memStats: memStats ? { total: mut.stats.bytesRequested, current: mut.stats.currentBytes, peak: mut.stats.peakBytes } : null,
    });
  const estimate = Math.max(1, w.iterations * scale * 30);
  const every = opts.progressEvery ?? 5000;
  mut.onOp = (n) => {
    if (opts.dumpEvery && n % opts.dumpEvery === 0) dumps.push({ ops: n, text: memText() });
    if (opts.onProgress && n % every === 0) opts.onProgress(n, Math.max(n, estimate));
  };
  const areasAtBoot = heap.areas.map((a) => a.layout);
  const pool = areasAtBoot.reduce((s, a) => s + a.poolBytes, 0);
  const { globals } = bootState(mut);
  let globalsUsed = 0;
  const ctx: WorkloadContext = {
    rng: new Rng(seed),
    heapBytes: pool,
    scale,
    globals,
    setGlobal(value) {
      const key = mut.str(6 + (globalsUsed % 6));
      mut.setLocal(0, key);
      mut.dictSet(globals, key, value);
      mut.setLocal(0, null);
      return globalsUsed++;
    },
  };
  void BOOT_ROOTS;
  const pacer = opts.pacing ? applyPacing(heap, opts.pacing) : null;
  // The setup itself can run out of memory on a tiny heap: that is a result, not a crash.
  mut.attempt(() => w.run(mut, ctx));
  pacer?.detach();
  opts.onProgress?.(mut.stats.ops, mut.stats.ops);
  const info = heap.info();
  const report: RunReport = {
    board: board.spec.id,
    boardName: board.spec.name,
    micropython: board.spec.micropython,
    workload: w.name,
    seed,
    scale,
    config: board.config,
    thresholdBytes: Number.isFinite(board.thresholdBlocks) ? board.thresholdBlocks * bpb : null,
    areasAtBoot,
    areasAtEnd: heap.areas.map((a) => a.layout),
    memInfo: memText(),
    dumps,
    info,
    ...heapOutcome(board, rec, info, opts.pacing),
    memoryErrors: mut.stats.memoryErrors,
    work: {
      ops: mut.stats.ops,
      bytesRequested: mut.stats.bytesRequested,
      markedWords: collections.reduce((s, r) => s + r.scannedWords, 0),
      sweptBlocks: collections.reduce((s, r) => s + r.sweptBlocks, 0),
    },
    warnings,
    notes: [...board.notes],
  };
  heap.onCollect = null;
  heap.onWarning = null;
  return report;
}

/**
 * Runs a parsed gctrace on a board machine (buildBoard with the trace's header as config
 * overrides). The trace's `heap` lines are its gc_init/gc_add: give the board's heap as the
 * first one when the trace has none. Trace faults throw TraceError (see trace/run.ts).
 */
export function runTraceOnBoard(
  board: BoardMachine,
  trace: Trace,
  name: string,
  opts: { onOp?: (i: number) => void; pacing?: Pacing } = {},
): RunReport {
  const m = board.machine;
  const heap = m.heap;
  // runTrace's gc_init resets the threshold; the pacing model goes on after it, at the first op.
  let pacingApplied = false;
  const bpb = board.config.blockSize;
  const rec = collectionRecorder(heap);
  const collections = rec.collections;
  const res = runTrace(trace, {
    machine: m,
    onCollect: rec.onCollect,
    onOp: (i) => {
      if (!pacingApplied && opts.pacing) {
        applyPacing(heap, opts.pacing);
        pacingApplied = true;
      }
      opts.onOp?.(i);
    },
  });
  const info = heap.info();
  const memInfo = memInfoText(m, { verbose: true, stack: board.stackLine, memStats: null, info });
  return {
    board: board.spec.id,
    boardName: board.spec.name,
    micropython: board.spec.micropython,
    workload: name,
    seed: 0,
    scale: 1,
    config: trace.config,
    thresholdBytes: Number.isFinite(heap.threshold) ? heap.threshold * bpb : null,
    areasAtBoot: trace.heaps.map((h) => computeAreaLayout(trace.config, h.start, h.end, false)).slice(0, 1),
    areasAtEnd: heap.areas.map((a) => a.layout),
    memInfo,
    dumps: [],
    info,
    ...heapOutcome(board, rec, info, opts.pacing),
    memoryErrors: heap.counters.failedAllocs,
    work: {
      ops: trace.ops.length,
      bytesRequested: trace.ops.reduce((s, o) => s + (o.op === 'alloc' || o.op === 'realloc' ? o.size : 0), 0),
      markedWords: collections.reduce((s, r) => s + r.scannedWords, 0),
      sweptBlocks: collections.reduce((s, r) => s + r.sweptBlocks, 0),
    },
    warnings: res.warnings,
    notes: [...board.notes, 'trace output (its info/dump/collect lines) is in traceOutput'],
    traceOutput: res.output,
  };
}

/** The RunReport fields both run paths read off the heap after the run. */
function heapOutcome(
  board: BoardMachine,
  rec: ReturnType<typeof collectionRecorder>,
  info: GcInfo,
  pacing: Pacing | undefined,
): Pick<
  RunReport,
  'counters' | 'collections' | 'collectionsByReason' | 'peakUsedBytes' | 'largestFreeBytes' | 'worstLargestFreeAfterGc' | 'systemHeap' | 'pacing' | 'pauses'
> {
  const heap = board.machine.heap;
  const c = heap.counters;
  const bpb = heap.config.blockSize;
  const sh = board.systemHeap;
  return {
    counters: { ...c, byReason: { ...c.byReason } },
    collections: rec.collections,
    collectionsByReason: { ...c.byReason },
    peakUsedBytes: c.peakUsedBlocks * bpb,
    largestFreeBytes: info.maxFree * bpb,
    worstLargestFreeAfterGc: rec.worstFree(),
    ...(sh ? { systemHeap: { maxNewSplitAtEnd: sh.maxNewSplit(), allocs: sh.allocs, frees: sh.frees, failed: sh.failed } } : {}),
    pacing: pacing ? formatPacing(pacing) : 'stock',
    pauses: pauseSummary(board, heap, rec.collections),
  };
}

/**
 * Keeps every collection record and the smallest "largest free run" seen right after a
 * sweep: the biggest allocation that could succeed then. (A full gc_info pass per
 * collection would dominate long runs: the first 64 collections, then every 32nd.)
 */
function collectionRecorder(heap: GcHeap): { collections: CollectionRecord[]; onCollect: (r: CollectionRecord) => void; worstFree: () => number | null } {
  const collections: CollectionRecord[] = [];
  let worst: number | null = null;
  return {
    collections,
    onCollect: (r) => {
      collections.push(r);
      if (collections.length <= 64 || collections.length % 32 === 0) {
        const f = heap.info().maxFree * heap.config.blockSize;
        if (worst === null || f < worst) worst = f;
      }
    },
    worstFree: () => worst,
  };
}

function pauseSummary(board: BoardMachine, heap: GcHeap, collections: CollectionRecord[]): PauseSummary | null {
  // A board that `extends` a shipped one runs on the same CPU unless it says otherwise.
  let profile = pauseProfileForBoard(board.spec.id);
  for (const id of board.spec.ancestors ?? []) profile ??= pauseProfileForBoard(id);
  if (!profile || collections.length === 0) return null;
  const est = estimatePauses(heap, collections, profile);
  let max = est[0]!;
  let total = 0;
  for (const e of est) {
    total += e.ms;
    if (e.ms > max.ms) max = e;
  }
  return {
    model: profile.name,
    collections: est.length,
    meanMs: total / est.length,
    maxMs: max.ms,
    maxLowMs: max.lowMs,
    maxHighMs: max.highMs,
    totalMs: total,
  };
}
