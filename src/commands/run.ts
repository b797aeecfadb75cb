// mcu-gc run --board=X [WORKLOAD]: run a built-in workload (or a gctrace file) on a board
// and print what micropython.mem_info(1) would print at the end, plus a summary.

import type { CommandModule } from 'yargs';
import { progressBar } from '../report/progress.js';
import { type BoardMachine, type BoardSpec } from '../../emulator/board.js';
import { type RunReport, listWorkloads, runWorkload } from '../../emulator/run.js';
import { DEFAULT_WORKLOAD, findWorkload } from '../../emulator/workloads/builtin.js';
import { PyMemoryError } from '../../emulator/workloads/mutator.js';
import { hex } from '../../emulator/memory.js';
import { loadBoard } from '../boards/load.js';
import { type OverrideArgs, overridesFrom, parseVsSpec, withOverrideOptions, withPortsDirOption } from '../boards/options.js';
import { UserError } from '../errors.js';
import { exists, readText } from '../io/files.js';
import { formatRun, formatSideBySide } from '../report/run-report.js';
import { runTraceText } from '../boards/trace.js';
import { pacingFrom, parseShard, planSweep, runCaseReport, shardSlice } from '../boards/sweep.js';
import { sourceBoard } from '../record/trace-text.js';
import { boardFromArgs } from './layout.js';
import { boardSpecWithElf, formatElfReport } from '../elf/board.js';
import type { Pacing } from '../../emulator/pacing.js';

interface Args extends OverrideArgs {
  board: string;
  workload?: string | undefined;
  workloads?: string[] | undefined;
  'what-if'?: string[] | undefined;
  shard?: string | undefined;
  json: boolean;
  'dump-every'?: number | undefined;
  seed: number;
  scale: number;
  vs?: string | undefined;
  progress: boolean;
}

/** A gctrace file as the workload: see src/boards/trace.ts. */
function runTraceFile(file: string, boardName: string | BoardSpec, args: OverrideArgs, showProgress: boolean, pacing: Pacing | undefined): RunReport {
  const text = recordedElsewhere(readText(file), boardName);
  const bar = progressBar('run', 'ops', showProgress);
  try {
    return runTraceText(text, file, typeof boardName === 'string' ? loadBoard(boardName) : boardName, overridesFrom(args), pacing, bar.enabled ? (i, total) => (i & 15) === 0 && bar.onProgress(i, total) : undefined);
  } finally {
    bar.stop();
  }
}

/**
 * A recorded trace (`source ... board=B`) replayed on another board runs on that board's
 * heap: its `heap` lines are the recorded device's addresses (kept as comments, so line
 * numbers stay the same).
 */
function recordedElsewhere(text: string, board: string | BoardSpec): string {
  const from = sourceBoard(/^source\s(.*)$/m.exec(text)?.[1]);
  const id = typeof board === 'string' ? loadBoard(board).id : board.id;
  if (!from || loadBoard(from).id === id) return text;
  return text.replace(/^\s*heap\s(.*)$/gm, (_l, rest: string) => `# heap ${rest} (recorded on ${from}; this board's heap is used)`);
}

/**
 * A MemoryError the workload does not catch is one while MicroPython boots (its interned
 * strings, modules and globals): on a device that heap would fail at boot. That is an
 * emulated crash (exit 1), not a bug in the emulator.
 */
function runWorkloadOrBootFailure(board: BoardMachine, boardName: string | BoardSpec, run: () => RunReport): RunReport {
  try {
    return run();
  } catch (e) {
    if (e instanceof PyMemoryError) {
      const heap = board.areas.reduce((n, a) => n + a.poolBytes, 0);
      throw new UserError(`--board ${typeof boardName === 'string' ? boardName : boardName.id}: emulated firmware would fail at boot: MemoryError: ${e.message} (a ${heap}-byte heap pool is too small; try a larger --heap-size)`, 1);
    }
    throw e;
  }
}

function runOne(boardName: string | BoardSpec, args: Args, overrideArgs: OverrideArgs, showProgress: boolean, pacing: Pacing | undefined): RunReport {
  const wl = args.workload ?? DEFAULT_WORKLOAD;
  if (findWorkload(wl)) {
    const board = boardFromArgs(boardName, overrideArgs);
    const p = progressBar('run', 'ops', showProgress);
    try {
      return runWorkloadOrBootFailure(board, boardName, () => runWorkload(board, wl, {
        seed: args.seed,
        scale: args.scale,
        ...(args['dump-every'] ? { dumpEvery: args['dump-every'] } : {}),
        onProgress: p.onProgress,
        ...(pacing ? { pacing } : {}),
      }));
    } finally {
      p.stop();
    }
  }
  if (exists(wl)) return runTraceFile(wl, boardName, overrideArgs, showProgress, pacing);
  // Written as a path (a folder part or a file extension): say the file is missing, as
  // mpremote run does, rather than list the built-ins.
  if (/[\\/]|\.[A-Za-z0-9]+$/.test(wl)) throw new UserError(`${wl}: cannot read: no such file or directory`);
  throw new UserError(`workload '${wl}' is neither a built-in (${listWorkloads().map((w) => w.name).join(', ')}) nor a gctrace file`);
}

/**
 * Several boards, workloads or what-if variants (or --shard): each case of the plan (or of
 * this shard of it) in turn, a header line before each report. A case that cannot run
 * prints its one line on stderr and the sweep goes on; the exit code is then 2.
 */
function runSweepCommand(args: Args, boards: string[], workloads: string[]): void {
  if (args.vs) throw new UserError('--vs compares two runs: use it with one board and one workload (a sweep takes --what-if)');
  const own: OverrideArgs = {};
  for (const k of [...OVERRIDE_KEYS, 'pacing'] as const) if (args[k] !== undefined) (own as Record<string, unknown>)[k] = args[k];
  const plan = planSweep({ boards, workloads, whatIfs: args['what-if'] ?? [], base: own, seed: args.seed, scale: args.scale });
  const shard = args.shard !== undefined ? parseShard(args.shard) : undefined;
  const mine = shard ? shardSlice(plan.cases, shard) : plan.cases;
  let failed = 0;
  const json: unknown[] = [];
  for (const c of mine) {
    const out = runCaseReport(c, args.seed, args.scale, { needBoard: false, ...(args['dump-every'] ? { dumpEvery: args['dump-every'] } : {}) });
    const title = [c.board, c.workload, c.whatIf].filter(Boolean).join(' ');
    if ('error' in out) {
      failed++;
      process.stderr.write(`mcu-gc: ${out.error}\n`);
      if (args.json) json.push({ board: c.board, workload: c.workload, whatIf: c.whatIf, error: out.error });
      continue;
    }
    if (args.json) json.push({ board: c.board, workload: c.workload, whatIf: c.whatIf, report: out.report });
    else process.stdout.write(`=== ${title} ===\n${formatRun(out.report)}`);
  }
  if (args.json) process.stdout.write(JSON.stringify(json, null, 2) + '\n');
  if (failed) throw new UserError(`${failed} of ${mine.length} runs could not run (see above)`, 2);
}

const OVERRIDE_KEYS = ['block-size', 'gc-stack', 'threshold', 'heap-size', 'gc-version', 'heap-start', 'pool-start', 'pool-total'] as const;

const command: CommandModule<object, Args> = {
  command: 'run [workloads..]',
  describe: 'Run a workload on a board and print what micropython.mem_info(1) would print, plus a summary',
  builder: (y) =>
    withPortsDirOption(withOverrideOptions(
      y
        .positional('workloads', {
          type: 'string',
          array: true,
          describe: `built-in workloads (${listWorkloads().map((w) => w.name).join(', ')}; default ${DEFAULT_WORKLOAD}) or gctrace files`,
        })
        // Not `array: true` (that would swallow the workloads after it): yargs collects a
        // repeated --board into an array by itself.
        .option('board', {
          type: 'string',
          requiresArg: true,
          demandOption: true,
          describe: 'board id, MicroPython board name (see mcu-gc boards) or a config file (./my-board.yaml); repeat it to sweep boards',
        })
        .option('what-if', { type: 'string', requiresArg: true, describe: 'sweep: also run with these flags, e.g. --what-if="--block-size 32" (repeatable)' })
        .option('shard', { type: 'string', describe: 'sweep: run part I of N of boards × what-ifs × workloads (I/N, as vitest --shard)' })
        .option('json', { type: 'boolean', default: false, describe: 'machine-readable output (the whole RunReport)' })
        .option('dump-every', { type: 'number', describe: 'also print mem_info(1) every N workload operations' })
        .option('seed', { type: 'number', default: 1, describe: 'workload PRNG seed' })
        .option('scale', { type: 'number', default: 1, describe: 'workload length multiplier' })
        .option('vs', {
          type: 'string',
          describe: 'compare with another run: a board (--vs esp32s3), flags for the same board (--vs="--block-size 32"), or both (--vs "esp32 --gc-version v1.9.4")',
        })
        .option('progress', { type: 'boolean', default: true, describe: 'progress bar on stderr (only when stderr is a terminal)' }),
    ))
      .example('$0 run --board=esp32', 'the default workload (sensor-logger) on ESP32_GENERIC')
      .example('$0 run --board=RPI_PICO http-json --json', '')
      .example('$0 run --board=esp32 fragmentation --vs esp32s3', 'side by side')
      .example('$0 run --board=esp32 --vs="--block-size 32"', 'same board, one what-if flag')
      .example('$0 run --board=esp32s3 http-json --pacing gogc:100 --vs="--pacing stock"', 'Go-style pacing vs MicroPython\'s') as never,
  handler: async (args) => {
    const boards = ([] as string[]).concat(args.board as unknown as string[] | string);
    const workloads = args.workloads ?? [];
    const whatIfs = args['what-if'] === undefined ? [] : ([] as string[]).concat(args['what-if']);
    args['what-if'] = whatIfs;
    if (boards.length > 1 || workloads.length > 1 || whatIfs.length || args.shard !== undefined) {
      runSweepCommand(args, boards, workloads.length ? workloads : [DEFAULT_WORKLOAD]);
      return;
    }
    args.board = boards[0]!;
    if (workloads.length) args.workload = workloads[0];
    if (args['dump-every'] !== undefined && (!Number.isInteger(args['dump-every']) || args['dump-every'] < 1)) {
      throw new UserError('--dump-every must be a whole number of operations, at least 1');
    }
    if (!Number.isFinite(args.scale) || args.scale <= 0 || args.scale > 1000) throw new UserError('--scale must be a number above 0 (at most 1000)');
    if (!Number.isInteger(args.seed)) throw new UserError('--seed must be a whole number');
    const own: OverrideArgs = {};
    for (const k of OVERRIDE_KEYS) if (args[k] !== undefined) (own as Record<string, unknown>)[k] = args[k];
    const pacingA = pacingFrom(args.pacing, '--pacing');
    // `--vs=` (empty) is a mistake, not "no comparison": parseVsSpec says what it wants, before the run.
    const vs = args.vs === undefined ? undefined : parseVsSpec(args.vs, args.board);
    // --elf: the firmware's own heap, roots and types in place of the config's (first run only).
    const { spec: specA, elf } = await boardSpecWithElf(args.board, args.elf);
    const a = runOne(specA, args, own, args.progress && !args.vs, pacingA);
    if (!vs || args.vs === undefined) {
      process.stdout.write(args.json ? JSON.stringify(elf ? { ...a, elf } : a, null, 2) + '\n' : (elf ? formatElfReport(elf) + '\n' : '') + formatRun(a));
      return;
    }
    // The comparison run starts from the other board's config: only the flags in --vs apply.
    const vsArgs: OverrideArgs = {};
    const o = vs.overrides;
    if (o.blockSize !== undefined) vsArgs['block-size'] = String(o.blockSize);
    if (o.gcStack !== undefined) vsArgs['gc-stack'] = String(o.gcStack);
    if (o.threshold !== undefined) vsArgs.threshold = o.threshold === null ? 'off' : String(o.threshold);
    if (o.heapSize !== undefined) vsArgs['heap-size'] = String(o.heapSize);
    if (o.gcVersion !== undefined) vsArgs['gc-version'] = o.gcVersion;
    if (o.heapStart !== undefined) vsArgs['heap-start'] = hex(o.heapStart);
    if (o.pool) {
      vsArgs['pool-start'] = hex(o.pool.start);
      vsArgs['pool-total'] = String(o.pool.total);
    }
    const sameBoard = loadBoard(vs.board).id === loadBoard(args.board).id;
    // --pacing inside --vs applies to the second run; otherwise the second run keeps the first's.
    const pacingB = vs.pacing !== undefined ? pacingFrom(vs.pacing, `--vs "${args.vs}": --pacing`) : pacingA;
    const b = runOne(vs.board, args, sameBoard ? { ...own, ...vsArgs } : vsArgs, false, pacingB);
    const labelA = [
      args.board,
      ...OVERRIDE_KEYS.filter((k) => own[k] !== undefined).map((k) => `--${k} ${own[k]}`),
      ...(args.pacing !== undefined ? [`--pacing ${args.pacing}`] : []),
    ].join(' ');
    if (args.json) {
      process.stdout.write(JSON.stringify({ a: { label: labelA, report: a }, b: { label: vs.label, report: b } }, null, 2) + '\n');
      return;
    }
    process.stdout.write(formatSideBySide(a, b, [labelA, sameBoard && vs.label.startsWith('-') ? `${args.board} ${vs.label}` : vs.label]));
  },
};

export default command;
