// mcu-gc trace FILE: run one gctrace and print exactly what py/gc.c prints for it.

import type { CommandModule } from 'yargs';
import { TraceReader } from '../../emulator/trace/parse.js';
import { runTrace } from '../../emulator/trace/run.js';
import { countLines, fileTraceSource } from '../io/trace-source.js';
import { progressBar } from '../report/progress.js';
import { traceErrorMessage } from '../trace/errors.js';

export interface TraceArgs {
  file: string;
  warnings: boolean;
  progress: boolean;
}

/** Where a trace's output goes, and what the command needs to know about the streams. */
export interface TraceIo {
  /** Each chunk of output: a view valid only during the call (the runner reuses its buffer). */
  write: (chunk: Uint8Array) => void;
  /** One warning line (with its newline) for stderr. */
  warn: (line: string) => void;
  /** stdout is a terminal. */
  outOnTerminal: boolean;
  /** false when stderr is known not to be a terminal (no bar can show: progressBar need not look). */
  errMayBeTerminal: boolean;
}

/** Through yargs (and in-process, where the fuzz suite captures process.stdout.write): the streams. */
function streamIo(): TraceIo {
  return {
    // A pipe may take the chunk in parts, later: hand stdout a copy.
    write: (chunk) => process.stdout.write(Buffer.from(chunk)),
    warn: (line) => process.stderr.write(line),
    outOnTerminal: process.stdout.isTTY === true,
    errMayBeTerminal: true,
  };
}

/** Runs the trace file and prints its output and (if asked) its warnings. */
export function traceFile(args: TraceArgs, io: TraceIo): void {
  // With the output on the terminal, the output itself shows progress (a bar would be
  // torn by it): it is flushed at least every second instead. Otherwise (redirected), a bar.
  const outOnTerminal = io.outOnTerminal;
  const bar = progressBar('trace', 'lines', args.progress && !outOnTerminal && io.errMayBeTerminal);
  let lines: number | undefined;
  let lastFlush = Date.now();
  // Every 16th operation: a trace that exhausts its heap can spend ~50 ms per
  // allocation in full collections, so the bar must not wait for many more.
  const onOp = bar.enabled ? (i: number, line: number) => (i & 15) === 0 && bar.onProgress(line, (lines ??= countLines(args.file))) : undefined;
  const flushWhen = (): boolean => {
    if (Date.now() - lastFlush <= 1000) return false;
    lastFlush = Date.now();
    return true;
  };
  try {
    const trace = new TraceReader(fileTraceSource(args.file));
    const res = runTrace(trace, {
      retain: false,
      ...(onOp ? { onOp } : {}),
      ...(outOnTerminal ? { flushWhen } : {}),
      writeBytes: io.write,
    });
    bar.stop();
    if (args.warnings) {
      for (const w of res.warnings) io.warn(`${args.file}:${w.line}: warning: ${w.message}\n`);
    }
  } catch (e) {
    bar.stop();
    // The output up to the fault has been written already (the runner flushes it first).
    throw traceErrorMessage(args.file, e);
  }
}

const command: CommandModule<object, TraceArgs> = {
  command: 'trace <file>',
  describe: 'Run a gctrace file and print what MicroPython\'s py/gc.c prints for it',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'the .trace file' })
      .option('warnings', { type: 'boolean', default: true, describe: 'report v1.9.4 bugs that bite (to stderr)' })
      .option('progress', { type: 'boolean', default: true, describe: 'progress bar on stderr after a second (only when stderr is a terminal)' })
      .example('$0 trace test/conformance/vectors/basic-1000.trace', ''),
  handler: (args) => traceFile(args, streamIo()),
};

export default command;
