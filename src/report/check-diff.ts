// What changed between a golden check file and this run, in words a porter reads in a CI
// log: "pool start moved 0x3ffbdb60 → 0x3ffbe000; total 56000 → 55936 (−4 blocks);
// sensor-logger peak +1.2 %". One line per board (and what-if variant).

import type { CaseError, CaseResult, CheckFile, LayoutResult } from './check-result.js';
import { layoutKey } from './check-result.js';

const MINUS = '\u2212';

function signed(x: number, digits = 0): string {
  const s = Math.abs(x).toFixed(digits);
  return `${x < 0 ? MINUS : '+'}${s}`;
}

function pct(a: number, b: number): string {
  if (a === 0) return '';
  return `${signed(((b - a) / a) * 100, 1)} %`;
}

const onOff = (x: boolean): string => (x ? 'on' : 'off');

function fmt(x: unknown): string {
  if (typeof x === 'boolean') return onOff(x);
  if (x === null || x === undefined) return 'none';
  return String(x);
}

/** Words for a changed layout (board as booted). */
export function layoutWords(a: LayoutResult, b: LayoutResult): string[] {
  const w: string[] = [];
  if (a.micropython !== b.micropython) w.push(`MicroPython ${a.micropython} → ${b.micropython}`);
  const names: Record<string, string> = {
    version: 'gc version',
    wordSize: 'word size',
    blockSize: 'block size',
    finaliser: 'finaliser',
    split: 'split heap',
    splitAuto: 'split-heap-auto',
    weakref: 'weakref table',
    gcStack: 'gc stack',
    conservativeClear: 'conservative clear',
  };
  for (const k of Object.keys(names) as Array<keyof LayoutResult['gc']>) {
    if (a.gc[k] !== b.gc[k]) w.push(`${names[k]} ${fmt(a.gc[k])} → ${fmt(b.gc[k])}`);
  }
  if (a.heap.start !== b.heap.start) w.push(`heap start moved ${a.heap.start} → ${b.heap.start}`);
  if (a.heap.end !== b.heap.end) w.push(`heap end moved ${a.heap.end} → ${b.heap.end}`);
  if (a.heap.bytes !== b.heap.bytes) w.push(`heap ${a.heap.bytes} → ${b.heap.bytes} bytes`);
  if (a.areas.length !== b.areas.length) w.push(`heap areas at boot ${a.areas.length} → ${b.areas.length}`);
  for (let i = 0; i < Math.min(a.areas.length, b.areas.length); i++) {
    const x = a.areas[i]!;
    const y = b.areas[i]!;
    const which = a.areas.length > 1 || b.areas.length > 1 ? `area ${i} ` : '';
    if (x.poolStart !== y.poolStart) w.push(`${which}pool start moved ${x.poolStart} → ${y.poolStart}`);
    else if (x.poolEnd !== y.poolEnd) w.push(`${which}pool end moved ${x.poolEnd} → ${y.poolEnd}`);
  }
  if (a.total !== b.total) {
    const blocks = a.gc.blockSize === b.gc.blockSize ? ` (${signed((b.total - a.total) / b.gc.blockSize)} blocks)` : '';
    w.push(`total ${a.total} → ${b.total}${blocks}`);
  }
  if (a.threshold !== b.threshold) w.push(`gc.threshold() at boot ${a.threshold ?? 'off'} → ${b.threshold ?? 'off'}`);
  return w;
}

function num(name: string, a: number, b: number, unit = '', withPct = false): string[] {
  if (a === b) return [];
  const p = withPct ? pct(a, b) : '';
  return [`${name} ${a} → ${b}${unit}${p ? ` (${p})` : ''}`];
}

/** Words for a changed run (without the workload's name). */
export function caseWords(a: CaseResult | CaseError, b: CaseResult | CaseError): string[] {
  if ('error' in a || 'error' in b) {
    if ('error' in a && 'error' in b) return a.error === b.error ? [] : [`error changed: ${b.error}`];
    return 'error' in b ? [`now fails: ${b.error}`] : [`now runs (it failed with: ${(a as CaseError).error})`];
  }
  const w: string[] = [];
  if (a.seed !== b.seed) w.push(`seed ${a.seed} → ${b.seed}`);
  if (a.scale !== b.scale) w.push(`scale ${a.scale} → ${b.scale}`);
  if (a.peakUsedBytes !== b.peakUsedBytes) w.push(a.peakUsedBytes ? `peak ${pct(a.peakUsedBytes, b.peakUsedBytes)}` : `peak ${a.peakUsedBytes} → ${b.peakUsedBytes} B`);
  w.push(...num('collections', a.collections.total, b.collections.total));
  w.push(...num('allocations', a.totals.allocs, b.totals.allocs));
  w.push(...num('failed allocations', a.totals.failedAllocs, b.totals.failedAllocs));
  w.push(...num('MemoryErrors', a.totals.memoryErrors, b.totals.memoryErrors));
  w.push(...num('frees', a.totals.frees, b.totals.frees));
  w.push(...num('reallocs', a.totals.reallocs, b.totals.reallocs));
  w.push(...num('total at end', a.totalAtEnd, b.totalAtEnd, ' B'));
  w.push(...num('used at end', a.usedAtEnd, b.usedAtEnd, ' B', true));
  w.push(...num('largest free run', a.largestFreeBytes, b.largestFreeBytes, ' B', true));
  if (a.worstLargestFreeAfterGc !== b.worstLargestFreeAfterGc) {
    w.push(`worst largest free after a GC ${a.worstLargestFreeAfterGc ?? 'none'} → ${b.worstLargestFreeAfterGc ?? 'none'} B`);
  }
  w.push(...num('fragmentation', a.fragmentation.index, b.fragmentation.index));
  w.push(...num('free runs', a.fragmentation.freeRuns, b.fragmentation.freeRuns));
  w.push(...num('heap areas at end', a.areas.atEnd, b.areas.atEnd));
  w.push(...num('areas added', a.areas.added, b.areas.added));
  w.push(...num('areas given back', a.areas.freed, b.areas.freed));
  if ((a.pauses === null) !== (b.pauses === null)) w.push(b.pauses ? 'now has a pause estimate' : 'no pause estimate any more');
  else if (a.pauses && b.pauses && a.pauses.maxMs !== b.pauses.maxMs) w.push(`max pause ${a.pauses.maxMs} → ${b.pauses.maxMs} ms (${pct(a.pauses.maxMs, b.pauses.maxMs) || 'new'})`);
  else if (a.pauses && b.pauses && a.pauses.totalMs !== b.pauses.totalMs) w.push(`total pause ${a.pauses.totalMs} → ${b.pauses.totalMs} ms`);
  const n = Math.max(a.finalDump.length, b.finalDump.length);
  for (let i = 0; i < n; i++) {
    if (a.finalDump[i] !== b.finalDump[i]) {
      const cut = (s: string | undefined): string => (s === undefined ? '(none)' : s.length > 48 ? `'${s.slice(0, 45)}...'` : `'${s}'`);
      w.push(w.length ? `final dump differs from line ${i + 1}` : `final dump line ${i + 1}: ${cut(a.finalDump[i])} → ${cut(b.finalDump[i])}`);
      break;
    }
  }
  if (a.traceOutput?.sha256 !== b.traceOutput?.sha256) w.push(`trace output differs (${a.traceOutput?.lines ?? 0} → ${b.traceOutput?.lines ?? 0} lines)`);
  return w;
}

export interface Verdict {
  /** Layout or case key. */
  key: string;
  kind: 'layout' | 'case';
  board: string;
  whatIf: string;
  workload?: string;
  /** Empty: matches. */
  words: string[];
}

/**
 * Compares `now` with `golden`. Every layout and case of `now` gets a verdict; with
 * `complete`, golden entries `now` lacks are failures too (a shard checks only its part).
 */
export function verify(golden: CheckFile, now: CheckFile, complete: boolean): Verdict[] {
  const out: Verdict[] = [];
  for (const [key, l] of Object.entries(now.layouts)) {
    const g = golden.layouts[key];
    out.push({ key, kind: 'layout', board: l.board, whatIf: l.whatIf, words: g ? layoutWords(g, l) : ['not in the golden file (check --update records it)'] });
  }
  for (const [key, c] of Object.entries(now.cases)) {
    const g = golden.cases[key];
    out.push({ key, kind: 'case', board: c.board, whatIf: c.whatIf, workload: c.workload, words: g ? caseWords(g, c) : ['not in the golden file (check --update records it)'] });
  }
  if (complete) {
    for (const [key, l] of Object.entries(golden.layouts)) {
      if (!(key in now.layouts)) out.push({ key, kind: 'layout', board: l.board, whatIf: l.whatIf, words: ['in the golden file but not checked by this run'] });
    }
    for (const [key, c] of Object.entries(golden.cases)) {
      if (!(key in now.cases)) out.push({ key, kind: 'case', board: c.board, whatIf: c.whatIf, workload: c.workload, words: ['in the golden file but not run'] });
    }
  }
  return out.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
}

const MAX_WORDS = 4;

/** One line per board (and variant) that changed: its layout's words, then each workload's. */
export function differenceLines(verdicts: readonly Verdict[]): string[] {
  const groups = new Map<string, string[]>();
  for (const v of verdicts) {
    if (v.words.length === 0) continue;
    const g = layoutKey(v.board, v.whatIf);
    const list = groups.get(g) ?? [];
    if (v.kind === 'layout') list.unshift(...v.words);
    // The first words are the headline (peak, collections, ...); JUnit and --update keep them all.
    else list.push(`${v.workload}: ${v.words.slice(0, MAX_WORDS).join(', ')}${v.words.length > MAX_WORDS ? ` (+${v.words.length - MAX_WORDS} more)` : ''}`);
    groups.set(g, list);
  }
  return [...groups.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([g, words]) => `${g}: ${words.join('; ')}`);
}
