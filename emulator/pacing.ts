// Pacing what-ifs: run a workload under another collection trigger and compare collections,
// peak heap and failed allocations. Each model replaces the `gc_alloc_amount >=
// gc_alloc_threshold` test at the top of gc_alloc through GcHeap.trigger (same place, same
// effect: collect before searching), except `threshold`, which is MicroPython's own.
//
// Spec grammar:  KIND[:VALUE][,KEY=VALUE]*
//   stock             leave the heap as configured
//   off               no threshold: collect only when an allocation fails
//   threshold:BYTES   gc.threshold(BYTES) (suffix k/K = KiB, m/M = MiB): collect once that many
//                     bytes (rounded down to blocks, as gc.threshold does) were allocated
//   gogc:PERCENT[,min=BYTES]
//                     Go's GOGC (gccgo runtime/mgc0.c: next_gc = live + live*gcpercent/100):
//                     collect when blocks in use would exceed (1 + P/100) × the blocks in use
//                     right after the last collection, but not below `min` (Go's heapminimum,
//                     default 4 KiB × P/100 here instead of Go's 4 MB)
//   live:FACTOR[,min=OBJECTS]
//                     CPython free-threaded gc_should_collect(): collect when the objects
//                     allocated minus freed since the last collection exceed both `min` (the
//                     young threshold; default 0) and FACTOR × the objects live after it
//                     (CPython uses long_lived_total / 4, i.e. live:0.25,min=2000)

import type { CollectionRecord, GcHeap } from './heap.js';
import { THRESHOLD_OFF } from './heap.js';
import { AT_HEAD } from './area.js';

export type Pacing =
  | { kind: 'stock' }
  | { kind: 'off' }
  | { kind: 'threshold'; bytes: number }
  | { kind: 'gogc'; percent: number; minBytes: number }
  | { kind: 'live'; factor: number; minObjects: number };

export class PacingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PacingError';
  }
}

function parseBytes(s: string, where: string): number {
  const m = /^(\d+)([kKmM]?)$/.exec(s);
  if (!m) throw new PacingError(`${where}: "${s}" is not a byte count (e.g. 4096, 8k, 1M)`);
  const mult = m[2] === '' ? 1 : m[2]!.toLowerCase() === 'k' ? 1024 : 1048576;
  return Number(m[1]) * mult;
}

function parseNumber(s: string, where: string): number {
  if (!/^\d+(\.\d+)?$/.test(s)) throw new PacingError(`${where}: "${s}" is not a non-negative number`);
  return Number(s);
}

export function parsePacing(spec: string): Pacing {
  const [head = '', ...opts] = spec.trim().split(',');
  const colon = head.indexOf(':');
  const kind = colon < 0 ? head : head.slice(0, colon);
  const value = colon < 0 ? undefined : head.slice(colon + 1);
  const keys = new Map<string, string>();
  for (const o of opts) {
    const eq = o.indexOf('=');
    if (eq <= 0) throw new PacingError(`pacing "${spec}": option "${o}" should be KEY=VALUE`);
    keys.set(o.slice(0, eq), o.slice(eq + 1));
  }
  const allow = (...ok: string[]): void => {
    for (const k of keys.keys()) if (!ok.includes(k)) throw new PacingError(`pacing "${spec}": ${kind} has no option "${k}"${ok.length ? ` (known: ${ok.join(', ')})` : ''}`);
  };
  const need = (): string => {
    if (value === undefined || value === '') throw new PacingError(`pacing "${spec}": ${kind} needs a value, e.g. ${kind === 'threshold' ? 'threshold:4096' : kind === 'gogc' ? 'gogc:100' : 'live:2.0'}`);
    return value;
  };
  switch (kind) {
    case 'stock':
    case 'off':
      if (value !== undefined) throw new PacingError(`pacing "${spec}": ${kind} takes no value`);
      allow();
      return { kind };
    case 'threshold': {
      allow();
      const bytes = parseBytes(need(), `pacing "${spec}": threshold`);
      return { kind, bytes };
    }
    case 'gogc': {
      allow('min');
      const percent = parseNumber(need(), `pacing "${spec}": gogc percent`);
      if (percent <= 0) throw new PacingError(`pacing "${spec}": gogc percent must be above 0 (use "off" to collect only when memory runs out)`);
      const min = keys.has('min') ? parseBytes(keys.get('min')!, `pacing "${spec}": min`) : Math.round((4096 * percent) / 100);
      return { kind, percent, minBytes: min };
    }
    case 'live': {
      allow('min');
      const factor = parseNumber(need(), `pacing "${spec}": live factor`);
      if (factor <= 0) throw new PacingError(`pacing "${spec}": live factor must be above 0`);
      const min = keys.has('min') ? parseNumber(keys.get('min')!, `pacing "${spec}": min`) : 0;
      return { kind, factor, minObjects: Math.floor(min) };
    }
    default:
      throw new PacingError(`pacing "${spec}": unknown kind "${kind}" (known: stock, off, threshold:BYTES, gogc:PERCENT, live:FACTOR)`);
  }
}

export function formatPacing(p: Pacing): string {
  switch (p.kind) {
    case 'stock':
    case 'off':
      return p.kind;
    case 'threshold':
      return `threshold:${p.bytes}`;
    case 'gogc':
      return `gogc:${p.percent},min=${p.minBytes}`;
    case 'live':
      return `live:${p.factor},min=${p.minObjects}`;
  }
}

/** What a pacing run observed (counted from applyPacing on). */
export interface PacingStats {
  pacing: string;
  collections: number;
  /** Collections the trigger (or threshold) started, vs. ones forced by a failed search. */
  triggered: number;
  exhausted: number;
  peakUsedBytes: number;
  failedAllocs: number;
  records: CollectionRecord[];
}

export interface PacingHandle {
  stats(): PacingStats;
  /** Restores the heap's trigger, threshold and onCollect. */
  detach(): void;
}

function countHeads(heap: GcHeap): number {
  let n = 0;
  for (const a of heap.areas) for (let b = 0; b < a.blocks; b++) if (a.kind(b) === AT_HEAD) n++;
  return n;
}

/** Installs a pacing model on a heap. Counters are measured relative to this call. */
export function applyPacing(heap: GcHeap, pacing: Pacing): PacingHandle {
  const saved = { trigger: heap.trigger, threshold: heap.threshold, onCollect: heap.onCollect };
  const c = heap.counters;
  const base = {
    collections: c.collections,
    threshold: c.byReason.threshold,
    exhausted: c.byReason.exhausted,
    failed: c.failedAllocs,
  };
  c.peakUsedBlocks = c.usedBlocks;
  const records: CollectionRecord[] = [];
  const bpb = heap.config.blockSize;
  // Live size after the last collection (blocks for gogc, objects for live).
  let liveBlocks = c.usedBlocks;
  let liveObjects = pacing.kind === 'live' ? countHeads(heap) : 0;
  // Objects allocated minus freed since the last collection (CPython's young.count).
  const netObjects = (): number => c.allocs - c.failedAllocs - c.frees - markAllocs;
  let markAllocs = c.allocs - c.failedAllocs - c.frees;
  heap.onCollect = (rec) => {
    records.push(rec);
    liveBlocks = rec.usedBlocksAfter;
    if (pacing.kind === 'live') {
      // Live objects = those before, plus net new ones, minus what the sweep freed.
      liveObjects = liveObjects + netObjects() - rec.freed;
      markAllocs = c.allocs - c.failedAllocs - c.frees;
    }
    saved.onCollect?.(rec);
  };
  switch (pacing.kind) {
    case 'stock':
      break;
    case 'off':
      heap.trigger = null;
      heap.threshold = THRESHOLD_OFF;
      break;
    case 'threshold':
      // gc.threshold(n): gc_alloc_threshold = n / MICROPY_BYTES_PER_GC_BLOCK.
      heap.trigger = null;
      heap.threshold = Math.floor(pacing.bytes / bpb);
      break;
    case 'gogc': {
      const minBlocks = Math.ceil(pacing.minBytes / bpb);
      heap.trigger = (h, n) => h.counters.usedBlocks + n > Math.max(minBlocks, Math.floor(liveBlocks * (1 + pacing.percent / 100)));
      break;
    }
    case 'live':
      heap.trigger = () => {
        const count = netObjects();
        return count > pacing.minObjects && count > pacing.factor * liveObjects;
      };
      break;
  }
  return {
    stats: () => ({
      pacing: formatPacing(pacing),
      collections: c.collections - base.collections,
      triggered: c.byReason.threshold - base.threshold,
      exhausted: c.byReason.exhausted - base.exhausted,
      peakUsedBytes: c.peakUsedBlocks * bpb,
      failedAllocs: c.failedAllocs - base.failed,
      records: records.slice(),
    }),
    detach: () => {
      heap.trigger = saved.trigger;
      heap.threshold = saved.threshold;
      heap.onCollect = saved.onCollect;
    },
  };
}

/**
 * Runs the same workload once per pacing, each on a fresh heap from `build`, and returns one
 * row per pacing (what `mcu-gc run --vs` tabulates).
 */
export function comparePacings(build: () => GcHeap, workload: (heap: GcHeap) => void, pacings: Pacing[]): PacingStats[] {
  return pacings.map((p) => {
    const heap = build();
    const h = applyPacing(heap, p);
    workload(heap);
    const s = h.stats();
    h.detach();
    return s;
  });
}

export function pacingTable(rows: PacingStats[]): string {
  const head = ['pacing', 'collections', 'triggered', 'exhausted', 'peak used (B)', 'failed allocs'];
  const body = rows.map((r) => [r.pacing, r.collections, r.triggered, r.exhausted, r.peakUsedBytes, r.failedAllocs].map(String));
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  return [line(head), ...body.map(line)].join('\n') + '\n';
}
