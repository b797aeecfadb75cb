// Comparing two heaps as mem_info(1) shows them (device vs emulator, or two snapshots):
// layout (areas, pool starts, block counts, block size), the GC totals, per-letter counts, and
// a block-by-block diff of the maps. Pure: works on parsed dumps only.

import { type ParsedMemInfo, mapStats } from '../memdump/index.js';

export interface Side {
  label: string;
  parsed: ParsedMemInfo;
}

export interface AreaPair {
  index: number;
  a?: { start: number; blocks: number };
  b?: { start: number; blocks: number };
  sameStart: boolean;
  sameBlocks: boolean;
}

export interface StatRow {
  /** As mem_info names it. */
  name: string;
  unit: 'bytes' | 'blocks' | 'count';
  a?: number;
  b?: number;
}

export interface LetterRow {
  letter: string;
  meaning: string;
  a: number;
  b: number;
}

export interface DiffRun {
  area: number;
  /** First differing block (index in the area). */
  from: number;
  /** One past the last. */
  to: number;
  /** Address of `from` on side A (B's when A has no such area). */
  address: number;
  a: string;
  b: string;
}

export interface Comparison {
  a: { label: string; blockSize?: number; areas: number; complete: boolean };
  b: { label: string; blockSize?: number; areas: number; complete: boolean };
  layout: { match: boolean; blockSizeMatch: boolean; areas: AreaPair[]; relative?: boolean };
  stats: StatRow[];
  letters: LetterRow[];
  diff: { comparedBlocks: number; differingBlocks: number; runs: DiffRun[]; runsTotal: number };
  /** Same layout, same totals, same maps. */
  identical: boolean;
  /** Set when B cannot have A's contents (a script ran on the device only): letters and maps are A's alone. */
  deviceOnly?: string;
}

/**
 * The comparison when a script ran on side A only: the layout and the totals the layout fixes
 * still compare; B's used/free, letters and map are not comparable, so they are left out (not
 * zeroed) and the reason is kept for the renderers.
 */
export function deviceOnlyComparison(c: Comparison, reason: string, keepStats: readonly string[] = ['total', 'max new split', 'stack limit']): Comparison {
  const keep = new Set(keepStats);
  return {
    ...c,
    stats: c.stats.map((r) => (keep.has(r.name) ? r : { name: r.name, unit: r.unit, ...(r.a !== undefined ? { a: r.a } : {}) })),
    diff: { comparedBlocks: 0, differingBlocks: 0, runs: [], runsTotal: 0 },
    identical: false,
    deviceOnly: reason,
  };
}

export const LETTER_MEANINGS: Readonly<Record<string, string>> = {
  '.': 'free',
  '=': 'tail',
  h: 'other (instance, buffer, …)',
  T: 'tuple',
  L: 'list',
  D: 'dict',
  S: 'str or bytes',
  A: 'bytearray or array',
  F: 'float',
  B: 'bytecode function',
  M: 'module',
  m: 'marked (mid-collection)',
  '?': 'not in the dump',
};

const MAX_RUNS = 5000;

export interface CompareOptions {
  /**
   * Heaps at run-time addresses (malloc'd: unix, WebAssembly): areas are paired by their
   * blocks, relative to each pool start; the absolute starts are not compared.
   */
  relative?: boolean;
}

export function compareDumps(sa: Side, sb: Side, opts: CompareOptions = {}): Comparison {
  const A = sa.parsed;
  const B = sb.parsed;
  const n = Math.max(A.areas.length, B.areas.length);
  const areas: AreaPair[] = [];
  for (let i = 0; i < n; i++) {
    const x = A.areas[i];
    const y = B.areas[i];
    const p: AreaPair = { index: i, sameStart: !!x && !!y && (opts.relative === true || x.start === y.start), sameBlocks: !!x && !!y && x.blocks === y.blocks };
    if (x) p.a = { start: x.start, blocks: x.blocks };
    if (y) p.b = { start: y.start, blocks: y.blocks };
    areas.push(p);
  }
  const blockSizeMatch = A.blockSize !== undefined && A.blockSize === B.blockSize;
  const layoutMatch = n > 0 && blockSizeMatch && areas.every((p) => p.sameStart && p.sameBlocks);

  const ms = mapStats(A.areas);
  const ns = mapStats(B.areas);
  const row = (name: string, unit: StatRow['unit'], a: number | undefined, b: number | undefined): StatRow => {
    const r: StatRow = { name, unit };
    if (a !== undefined) r.a = a;
    if (b !== undefined) r.b = b;
    return r;
  };
  const ga = A.gc;
  const gb = B.gc;
  const stats: StatRow[] = [
    row('total', 'bytes', ga?.total, gb?.total),
    row('used', 'bytes', ga?.used, gb?.used),
    row('free', 'bytes', ga?.free, gb?.free),
    row('1-blocks', 'count', ga?.num1block, gb?.num1block),
    row('2-blocks', 'count', ga?.num2block, gb?.num2block),
    row('max blk sz', 'blocks', ga?.maxBlock, gb?.maxBlock),
    row('max free sz', 'blocks', ga?.maxFree, gb?.maxFree),
    row('allocations', 'count', A.areas.length ? ms.allocations : undefined, B.areas.length ? ns.allocations : undefined),
  ];
  if (ga?.maxNewSplit !== undefined || gb?.maxNewSplit !== undefined) stats.push(row('max new split', 'bytes', ga?.maxNewSplit, gb?.maxNewSplit));
  if (A.stack || B.stack) {
    stats.push(row('stack', 'bytes', A.stack?.used, B.stack?.used));
    if (A.stack?.limit !== undefined || B.stack?.limit !== undefined) stats.push(row('stack limit', 'bytes', A.stack?.limit, B.stack?.limit));
  }

  const letters: LetterRow[] = [];
  for (const l of Object.keys(LETTER_MEANINGS)) {
    const a = ms.letters[l] ?? 0;
    const b = ns.letters[l] ?? 0;
    if (a || b) letters.push({ letter: l, meaning: LETTER_MEANINGS[l]!, a, b });
  }

  // Block by block, area by area (areas paired in list order, blocks by index from the pool start).
  let compared = 0;
  let differing = 0;
  let runsTotal = 0;
  const runs: DiffRun[] = [];
  const bs = A.blockSize ?? B.blockSize ?? 0;
  for (let i = 0; i < n; i++) {
    const ma = A.areas[i]?.map ?? '';
    const mb = B.areas[i]?.map ?? '';
    const len = Math.max(ma.length, mb.length);
    const base = A.areas[i]?.start ?? B.areas[i]?.start ?? 0;
    compared += len;
    let k = 0;
    while (k < len) {
      if (ma[k] === mb[k]) {
        k++;
        continue;
      }
      const from = k;
      while (k < len && ma[k] !== mb[k]) k++;
      differing += k - from;
      runsTotal++;
      if (runs.length < MAX_RUNS) {
        runs.push({ area: i, from, to: k, address: base + from * bs, a: ma.slice(from, k), b: mb.slice(from, k) });
      }
    }
  }
  const statsSame = stats.every((r) => r.a === r.b);
  return {
    a: { label: sa.label, ...(A.blockSize !== undefined ? { blockSize: A.blockSize } : {}), areas: A.areas.length, complete: A.complete },
    b: { label: sb.label, ...(B.blockSize !== undefined ? { blockSize: B.blockSize } : {}), areas: B.areas.length, complete: B.complete },
    layout: { match: layoutMatch, blockSizeMatch, areas, ...(opts.relative ? { relative: true } : {}) },
    stats,
    letters,
    diff: { comparedBlocks: compared, differingBlocks: differing, runs, runsTotal },
    identical: layoutMatch && statsSame && differing === 0,
  };
}
