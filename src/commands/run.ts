// mcu-gc run --board=X [WORKLOAD]: run a built-in workload (or a gctrace file) on a board
// and print what micropython.mem_info(1) would print at the end, plus a summary.

import type { CommandModule } from 'yargs';
import { progressBar } from '../report/progress.js';
import { type BoardMachine, buildBoard } from '../../emulator/board.js';
import { type RunReport, listWorkloads, runTraceOnBoard, runWorkload } from '../../emulator/run.js';
import { parseTrace, TraceError } from '../../emulator/trace/parse.js';
import { DEFAULT_WORKLOAD, findWorkload } from '../../emulator/workloads/builtin.js';
import { PyMemoryError } from '../../emulator/workloads/mutator.js';
import { hex } from '../../emulator/memory.js';
import { loadBoard } from '../boards/load.js';
import { type OverrideArgs, parseVsSpec, withOverrideOptions } from '../boards/options.js';
import { UserError, isEngineError } from '../errors.js';
import { exists, readText } from '../io/files.js';
import { formatRun, formatSideBySide } from '../report/run-report.js';
import { traceErrorMessage } from '../trace/errors.js';
import { boardFromArgs } from './layout.js';
import { type Pacing, PacingError, parsePacing } from '../../emulator/pacing.js';

function pacingFrom(spec: string | undefined, flag: string): Pacing | undefined {
  if (spec === undefined) return undefined;
  try {
    return parsePacing(spec);
  } catch (e) {
    if (e instanceof PacingError) throw new UserError(`${flag}: ${e.message}`);
    throw e;
  }
}

interface Args extends OverrideArgs {
  board: string;
  workload?: string | undefined;
  json: boolean;
  'dump-every'?: number | undefined;
  seed: number;
  scale: number;
  vs?: string | undefined;
  progress: boolean;
}

/** A gctrace file as the workload: its header overrides the board's GC config, its heap lines the board's heap. */
function runTraceFile(file: string, boardName: string, args: Args, pacing: Pacing | undefined): RunReport {
  const text = readText(file);
  const spec = loadBoard(boardName);
  let board: BoardMachine;
  let trace;
  try {
    // First the header, with the board's config as defaults, to know the GC config.
    const base = boardFromArgs(boardName, args);
    const hasHeap = /^\s*heap\s/m.test(text.split(/^\s*(?:alloc|free|realloc|collect)\s/m)[0] ?? '');
    // A trace without `heap` lines runs on the board's own heap: give it as the first line
    // (line numbers in messages are shifted back).
    const prefix = hasHeap ? '' : `heap ${hex(base.heapStart)} ${hex(base.heapEnd)}\n`;
    try {
      trace = parseTrace(prefix + text, { defaults: base.config });
    } catch (e) {
      if (e instanceof TraceError && prefix) throw new TraceError(e.message, Math.max(1, e.line - 1), e.column, Math.max(-1, e.offset - prefix.length));
      throw e;
    }
    try {
      board = buildBoard(spec, { config: trace.config });
    } catch (e) {
      // The header's GC config against the board's (e.g. `split 0` on a split-heap-auto port).
      if (isEngineError(e) && !(e instanceof TraceError)) {
        throw new UserError(`${file}: the trace's header does not fit --board ${spec.id}: ${e.message}`);
      }
      throw e;
    }
    const bar = progressBar('run', 'ops', args.progress && !args.vs);
    const total = trace.ops.length;
    try {
      return runTraceOnBoard(board, trace, file, { ...(pacing ? { pacing } : {}), ...(bar.enabled ? { onOp: (i: number) => (i & 15) === 0 && bar.onProgress(i, total) } : {}) });
    } finally {
      bar.stop();
    }
  } catch (e) {
    throw traceErrorMessage(file, e);
  }
}

/**
 * A MemoryError the workload does not catch is one while MicroPython boots (its interned
 * strings, modules and globals): on a device that heap would fail at boot. That is an
 * emulated crash (exit 1), not a bug in the emulator.
 */
function runWorkloadOrBootFailure(board: BoardMachine, boardName: string, run: () => RunReport): RunReport {
  try {
    return run();
  } catch (e) {
    if (e instanceof PyMemoryError) {
      const heap = board.areas.reduce((n, a) => n + a.poolBytes, 0);
      throw new UserError(`--board ${boardName}: emulated firmware would fail at boot: MemoryError: ${e.message} (a ${heap}-byte heap pool is too small; try a larger --heap-size)`, 1);
    }
    throw e;
  }
}

function runOne(boardName: string, args: Args, overrideArgs: OverrideArgs, showProgress: boolean, pacing: Pacing | undefined): RunReport {
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
  if (exists(wl)) return runTraceFile(wl, boardName, { ...args, ...overrideArgs }, pacing);
  throw new UserError(`workload '${wl}' is neither a built-in (${listWorkloads().map((w) => w.name).join(', ')}) nor a gctrace file`);
}

const OVERRIDE_KEYS = ['block-size', 'gc-stack', 'threshold', 'heap-size', 'gc-version', 'heap-start', 'pool-start', 'pool-total'] as const;

const command: CommandModule<object, Args> = {
  command: 'run [workload]',
  describe: 'Run a workload on a board and print what micropython.mem_info(1) would print, plus a summary',
  builder: (y) =>
    withOverrideOptions(
      y
        .positional('workload', {
          type: 'string',
          describe: `a built-in workload (${listWorkloads().map((w) => w.name).join(', ')}; default ${DEFAULT_WORKLOAD}) or a gctrace file`,
        })
        .option('board', { type: 'string', demandOption: true, describe: 'board id or MicroPython board name (see mcu-gc boards)' })
        .option('json', { type: 'boolean', default: false, describe: 'machine-readable output (the whole RunReport)' })
        .option('dump-every', { type: 'number', describe: 'also print mem_info(1) every N workload operations' })
        .option('seed', { type: 'number', default: 1, describe: 'workload PRNG seed' })
        .option('scale', { type: 'number', default: 1, describe: 'workload length multiplier' })
        .option('vs', {
          type: 'string',
          describe: 'compare with another run: a board (--vs esp32s3), flags for the same board (--vs="--block-size 32"), or both (--vs "esp32 --gc-version v1.9.4")',
        })
        .option('progress', { type: 'boolean', default: true, describe: 'progress bar on stderr (only when stderr is a terminal)' }),
    )
      .example('$0 run --board=esp32', 'the default workload (sensor-logger) on ESP32_GENERIC')
      .example('$0 run --board=RPI_PICO http-json --json', '')
      .example('$0 run --board=esp32 fragmentation --vs esp32s3', 'side by side')
      .example('$0 run --board=esp32 --vs="--block-size 32"', 'same board, one what-if flag')
      .example('$0 run --board=esp32s3 http-json --pacing gogc:100 --vs="--pacing stock"', 'Go-style pacing vs MicroPython\'s') as never,
  handler: (args) => {
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
    const a = runOne(args.board, args, own, args.progress && !args.vs, pacingA);
    if (!vs || args.vs === undefined) {
      process.stdout.write(args.json ? JSON.stringify(a, null, 2) + '\n' : formatRun(a));
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
