// mcu-gc trace FILE: run one gctrace and print exactly what py/gc.c prints for it.

import type { CommandModule } from 'yargs';
import { TraceReader, runTrace } from '../../emulator/index.js';
import { UserError } from '../errors.js';
import { countLines, fileTraceSource } from '../io/trace-source.js';
import { progressBar } from '../report/progress.js';
import { traceErrorMessage } from '../trace/errors.js';

interface Args {
  file: string;
  warnings: boolean;
  progress: boolean;
}

const command: CommandModule<object, Args> = {
  command: 'trace <file>',
  describe: 'Run a gctrace file and print what MicroPython\'s py/gc.c prints for it',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'the .trace file' })
      .option('warnings', { type: 'boolean', default: true, describe: 'report v1.9.4 bugs that bite (to stderr)' })
      .option('progress', { type: 'boolean', default: true, describe: 'progress bar on stderr after a second (only when stderr is a terminal)' })
      .example('$0 trace test/conformance/vectors/basic-1000.trace', ''),
  handler: (args) => {
    // With the output on the terminal, the output itself shows progress (a bar would be
    // torn by it): it is flushed at least every second instead. Otherwise (redirected), a bar.
    const outOnTerminal = process.stdout.isTTY === true;
    const bar = progressBar('trace', 'lines', args.progress && !outOnTerminal);
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
        // The runner reuses its buffer after the call: hand stdout a copy (a pipe may take
        // it in parts, later).
        writeBytes: (chunk) => process.stdout.write(Buffer.from(chunk)),
      });
      bar.stop();
      if (args.warnings) {
        for (const w of res.warnings) process.stderr.write(`${args.file}:${w.line}: warning: ${w.message}\n`);
      }
    } catch (e) {
      bar.stop();
      // The output up to the fault has been written already (the runner flushes it first).
      throw traceErrorMessage(args.file, e);
    }
  },
};

export default command;
