// mcu-gc trace FILE: run one gctrace and print exactly what py/gc.c prints for it.

import type { CommandModule } from 'yargs';
import { TraceReader, runTrace } from '../../emulator/index.js';
import { UserError } from '../errors.js';
import { fileTraceSource } from '../io/trace-source.js';
import { traceErrorMessage } from '../trace/errors.js';

interface Args {
  file: string;
  warnings: boolean;
}

const command: CommandModule<object, Args> = {
  command: 'trace <file>',
  describe: 'Run a gctrace file and print what MicroPython\'s py/gc.c prints for it',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'the .trace file' })
      .option('warnings', { type: 'boolean', default: true, describe: 'report v1.9.4 bugs that bite (to stderr)' })
      .example('$0 trace test/conformance/vectors/basic-1000.trace', ''),
  handler: (args) => {
    try {
      const trace = new TraceReader(fileTraceSource(args.file));
      const res = runTrace(trace, {
        retain: false,
        // The runner reuses its buffer after the call: hand stdout a copy (a pipe may take
        // it in parts, later).
        writeBytes: (chunk) => process.stdout.write(Buffer.from(chunk)),
      });
      if (args.warnings) {
        for (const w of res.warnings) process.stderr.write(`${args.file}:${w.line}: warning: ${w.message}\n`);
      }
    } catch (e) {
      // The output up to the fault has been written already (the runner flushes it first).
      throw traceErrorMessage(args.file, e);
    }
  },
};

export default command;
