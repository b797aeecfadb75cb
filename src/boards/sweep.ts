// Sweeps: boards × what-if variants × workloads, as `mcu-gc check` (and `run`) plan them,
// split into shards with the convention of vitest's and Playwright's --shard I/N: the plan
// is a fixed, deterministic list; shard I of N takes the I-th of N contiguous slices of
// ceil(cases / N). No scheduler: each CI job runs its slice, `check --merge` joins them.

import { createHash } from 'node:crypto';
import { type BoardMachine, type BoardOverrides, BoardError, buildBoard } from '../../emulator/board.js';
import { type Pacing, PacingError, parsePacing } from '../../emulator/pacing.js';
import { type RunReport, runWorkload } from '../../emulator/run.js';
import type { GcHeap } from '../../emulator/heap.js';
import { findWorkload } from '../../emulator/workloads/builtin.js';
import { UserError } from '../errors.js';
import { exists, readText } from '../io/files.js';
import { type CaseError, type CheckFile, CHECK_FORMAT, caseKey, caseResult, emptyCheckFile, layoutKey, layoutResult } from '../report/check-result.js';
import { boardEntries, loadBoard } from './load.js';
import { type OverrideArgs, overridesFrom, parseVsSpec } from './options.js';
import { runTraceOnBoardText } from './trace.js';

export interface Shard {
  index: number;
  count: number;
}

/** "I/N" with 1 <= I <= N, as vitest and Playwright spell it. */
export function parseShard(text: string, flag = '--shard'): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new UserError(`${flag}: '${text}' is not I/N (e.g. 2/4: the second of four parts)`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) throw new UserError(`${flag}: '${text}': I must be from 1 to N (N at least 1)`);
  return { index, count };
}

/** The shard's slice: contiguous, ceil(n / count) items each (the last ones may be shorter or empty). */
export function shardSlice<T>(items: readonly T[], s: Shard): T[] {
  const size = Math.ceil(items.length / s.count);
  return items.slice(size * (s.index - 1), size * s.index);
}

export interface SweepCase {
  /** Board id (resolved) and how to load it again (id or path as given). */
  board: string;
  boardRef: string;
  workload: string;
  /** The what-if flags of this case as text ('' for none). */
  whatIf: string;
  overrides: BoardOverrides;
  pacing?: Pacing;
}

export interface SweepPlan {
  cases: SweepCase[];
  seed: number;
  scale: number;
  /** sha256 of the case keys, seed and scale: shards of one plan carry the same id. */
  id: string;
}

const FLAG_ORDER = ['block-size', 'gc-stack', 'threshold', 'heap-size', 'gc-version', 'heap-start', 'pool-start', 'pool-total', 'pacing'] as const;

/** A --pacing value as the engine's Pacing; a bad spec is one line naming the flag. */
export function pacingFrom(spec: string | undefined, flag: string): Pacing | undefined {
  if (spec === undefined) return undefined;
  try {
    return parsePacing(spec);
  } catch (e) {
    if (e instanceof PacingError) throw new UserError(`${flag}: ${e.message}`);
    throw e;
  }
}

export interface PlanOptions {
  /** Board ids, aliases or config paths; empty with allBoards. */
  boards: string[];
  allBoards?: boolean;
  /** Built-in workload names or gctrace files. */
  workloads: string[];
  /** What-if variants, each a string of flags ("--block-size 32"), checked besides the board as configured. */
  whatIfs: string[];
  /** What-if flags for every case. */
  base: OverrideArgs;
  seed: number;
  scale: number;
}

export function planSweep(o: PlanOptions): SweepPlan {
  const refs = o.allBoards ? boardEntries().filter((e) => !e.shadowedBy).map((e) => e.id) : o.boards;
  if (refs.length === 0) throw new UserError('name at least one board (--board B, repeatable) or --all-boards');
  const boards: Array<{ id: string; ref: string }> = [];
  for (const ref of refs) {
    const id = loadBoard(ref).id;
    if (boards.some((b) => b.id === id)) throw new UserError(`--board ${ref}: board '${id}' is named twice`);
    boards.push({ id, ref });
  }
  if (o.allBoards) boards.sort((a, b) => a.id.localeCompare(b.id));
  for (const w of o.workloads) {
    if (!findWorkload(w) && !exists(w)) throw new UserError(`--workload ${w}: neither a built-in workload nor a gctrace file`);
  }
  const baseFlags = FLAG_ORDER.filter((k) => o.base[k] !== undefined).map((k) => `--${k} ${o.base[k]}`);
  const baseOverrides = overridesFrom(o.base);
  const basePacing = pacingFrom(o.base.pacing, '--pacing');
  // The board as configured, then each variant.
  const variants = ['', ...o.whatIfs.filter((v) => v.trim() !== '')];
  const cases: SweepCase[] = [];
  for (const b of boards) {
    for (const v of variants) {
      let overrides = baseOverrides;
      let pacing = basePacing;
      let label = baseFlags.join(' ');
      const text = v.trim();
      if (text) {
        if (!text.startsWith('-')) throw new UserError(`--what-if "${v}": give flags only (e.g. --what-if "--block-size 32"); boards go in --board`);
        const parsed = parseVsSpec(text, b.ref);
        overrides = { ...baseOverrides, ...parsed.overrides };
        if (parsed.pacing !== undefined) pacing = pacingFrom(parsed.pacing, `--what-if "${v}": --pacing`);
        label = [label, text.split(/\s+/).join(' ')].filter(Boolean).join(' ');
      }
      for (const w of o.workloads) {
        cases.push({ board: b.id, boardRef: b.ref, workload: w, whatIf: label, overrides, ...(pacing ? { pacing } : {}) });
      }
    }
  }
  const keys = new Set<string>();
  for (const c of cases) {
    const k = caseKey(c.board, c.workload, c.whatIf);
    if (keys.has(k)) throw new UserError(`the plan has the case '${k}' twice (a workload or --what-if named twice?)`);
    keys.add(k);
  }
  const id = createHash('sha256')
    .update(JSON.stringify({ keys: [...keys], seed: o.seed, scale: o.scale }))
    .digest('hex')
    .slice(0, 16);
  return { cases, seed: o.seed, scale: o.scale, id };
}

/** What running one case gives: the report and the heap as the run left it, or the case's one-line error. */
export type CaseOutcome = { report: RunReport; heap: GcHeap; board?: BoardMachine } | { error: string };

/**
 * Runs one case. `needBoard` false lets a trace case skip booting the board itself (a trace
 * brings its own heap; a board with a large RAM costs its size in memory to boot).
 */
export function runCaseReport(c: SweepCase, seed: number, scale: number, opts: { needBoard?: boolean; dumpEvery?: number } = {}): CaseOutcome {
  const spec = loadBoard(c.boardRef);
  const builtin = findWorkload(c.workload) !== undefined;
  let board: BoardMachine | undefined;
  if (builtin || opts.needBoard !== false) {
    try {
      board = buildBoard(spec, c.overrides);
    } catch (e) {
      if (!(e instanceof BoardError)) throw e;
      return { error: `--board ${spec.id}${c.whatIf ? ` ${c.whatIf}` : ''}: ${e.message}` };
    }
  }
  try {
    if (builtin && board) {
      const report = runWorkload(board, c.workload, { seed, scale, ...(c.pacing ? { pacing: c.pacing } : {}), ...(opts.dumpEvery ? { dumpEvery: opts.dumpEvery } : {}) });
      return { report, heap: board.machine.heap, board };
    }
    const { report, heap } = runTraceOnBoardText(readText(c.workload), c.workload, spec, c.overrides, c.pacing);
    // The board booted above (if asked for) stays as booted: the trace runs on a machine of its own.
    return { report, heap, ...(board ? { board } : {}) };
  } catch (e) {
    if (e instanceof UserError) return { error: e.message };
    throw e;
  }
}

/** Runs one case into a check file: its board's layout (once per variant) and the workload's results, or its one-line error. */
export function runCase(c: SweepCase, seed: number, scale: number, file: CheckFile): void {
  const lk = layoutKey(c.board, c.whatIf);
  const key = caseKey(c.board, c.workload, c.whatIf);
  const fail = (error: string): void => {
    file.cases[key] = { board: c.board, workload: c.workload, whatIf: c.whatIf, error } satisfies CaseError;
  };
  if (!(lk in file.layouts)) {
    // The layout as booted, from a board of its own (a run changes the heap it runs on).
    try {
      file.layouts[lk] = layoutResult(buildBoard(loadBoard(c.boardRef), c.overrides), c.whatIf);
    } catch (e) {
      if (!(e instanceof BoardError)) throw e;
      return fail(`--board ${c.board}${c.whatIf ? ` ${c.whatIf}` : ''}: ${e.message}`);
    }
  }
  const out = runCaseReport(c, seed, scale, { needBoard: false });
  if ('error' in out) return fail(out.error);
  file.cases[key] = caseResult(out.report, out.heap, c.whatIf, c.board);
}

/** Runs the plan (or one shard of it) into a check file. */
export function runSweep(plan: SweepPlan, shard?: Shard, onCase?: (c: SweepCase, done: number, of: number) => void): CheckFile {
  const file = emptyCheckFile();
  const mine = shard ? shardSlice(plan.cases, shard) : plan.cases;
  mine.forEach((c, i) => {
    onCase?.(c, i, mine.length);
    runCase(c, plan.seed, plan.scale, file);
  });
  if (shard) file.shard = { index: shard.index, count: shard.count, plan: plan.id, cases: plan.cases.length };
  return file;
}

/** Joins the outputs of every shard of one plan into what the unsharded run gives. */
export function mergeShards(parts: Array<{ name: string; file: CheckFile }>): CheckFile {
  if (parts.length === 0) throw new UserError('--merge: no shard results (*.json written by check --shard I/N --out) in the folder');
  const first = parts[0]!;
  const s0 = first.file.shard;
  if (!s0) throw new UserError(`${first.name}: not a shard's result (no shard field): write shard results with --shard I/N --out FILE`);
  const seen = new Map<number, string>();
  const out = emptyCheckFile();
  for (const { name, file } of parts) {
    const s = file.shard;
    if (!s) throw new UserError(`${name}: not a shard's result (no shard field)`);
    if (s.plan !== s0.plan || s.count !== s0.count) {
      throw new UserError(`${name}: shard ${s.index}/${s.count} of plan ${s.plan} does not belong with ${first.name} (shard ${s0.index}/${s0.count} of plan ${s0.plan}): same boards, workloads, flags and N in every job`);
    }
    const prev = seen.get(s.index);
    if (prev) throw new UserError(`${name}: shard ${s.index}/${s.count} is also in ${prev}`);
    seen.set(s.index, name);
    for (const [k, v] of Object.entries(file.layouts)) out.layouts[k] ??= v;
    for (const [k, v] of Object.entries(file.cases)) out.cases[k] = v;
  }
  const missing = Array.from({ length: s0.count }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length) throw new UserError(`--merge: shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${s0.count}`).join(', ')} missing`);
  const n = Object.keys(out.cases).length;
  if (n !== s0.cases) throw new UserError(`--merge: the shards hold ${n} cases, the plan has ${s0.cases}`);
  return out;
}

/** Reads a check file (golden or shard result); one line on anything else. */
export function parseCheckFile(text: string, name: string): CheckFile {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    const at = m ? Number(m[1]) : -1;
    const line = at >= 0 ? text.slice(0, at).split('\n').length : 0;
    throw new UserError(`${name}${line ? `:${line}` : ''}: not valid JSON${at >= 0 ? ` (byte ${at})` : ''}`);
  }
  const f = v as Partial<CheckFile> | null;
  if (!f || typeof f !== 'object' || f['mcu-gc check'] === undefined || typeof f.cases !== 'object' || typeof f.layouts !== 'object') {
    throw new UserError(`${name}: not a mcu-gc check file (written by mcu-gc check)`);
  }
  if (f['mcu-gc check'] !== CHECK_FORMAT) throw new UserError(`${name}: check file format ${String(f['mcu-gc check'])}, this mcu-gc reads ${CHECK_FORMAT}`);
  return f as CheckFile;
}
