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
    let chunks: string[] = [];
    let size = 0;
    const flush = (): void => {
      if (chunks.length) process.stdout.write(chunks.join(''));
      chunks = [];
      size = 0;
    };
    try {
      const trace = new TraceReader(fileTraceSource(args.file));
      const res = runTrace(trace, {
        retain: false,
        write: (s) => {
          chunks.push(s);
          size += s.length;
          if (size > 1 << 16) flush();
        },
      });
      flush();
      if (args.warnings) {
        for (const w of res.warnings) process.stderr.write(`${args.file}:${w.line}: warning: ${w.message}\n`);
      }
    } catch (e) {
      flush();
      throw traceErrorMessage(args.file, e);
    }
  },
};

export default command;
