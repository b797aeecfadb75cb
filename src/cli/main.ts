// mcu-gc command line. Each command lives in src/commands/<name>.ts and is listed in
// ./commands.ts; ./run-cli.ts wires yargs and turns errors into one-line messages.

import { reportError, runCli } from './run-cli.js';
import { commandLoaders } from './commands.js';

// As yargs' hideBin for a plain `node bin/mcu-gc.js …` start (not importing yargs/helpers
// keeps the fast path below free of yargs).
const argv = process.argv.slice(2);

// `mcu-gc boards | head`: the reader went away; stop quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

// Errors outside the command's own promise (an 'error' event nobody listens to, a stray
// rejection) still end as one line: the user's message, or the bug-report line.
process.on('unhandledRejection', (e) => {
  process.exit(reportError(e, argv));
});
process.on('uncaughtException', (e) => {
  process.exit(reportError(e, argv));
});

// `mcu-gc trace FILE [--no-warnings]`, the form benchmarks and scripts run thousands of
// times, is dispatched without loading yargs (importing it costs more start-up time than a
// small trace takes to run). Anything else, or anything unusual in it (another option,
// --help, a FILE that looks like an option), goes through yargs as usual.
function fastTrace(args: string[]): { file: string; warnings: boolean } | null {
  if (args[0] !== 'trace') return null;
  const rest = args.slice(1);
  const files = rest.filter((a) => !a.startsWith('-'));
  const flags = rest.filter((a) => a.startsWith('-'));
  if (files.length !== 1 || files[0] === '' || !flags.every((f) => f === '--no-warnings' || f === '--warnings')) return null;
  return { file: files[0]!, warnings: flags.length === 0 || flags[flags.length - 1] === '--warnings' };
}

const fast = fastTrace(argv);
if (fast) {
  try {
    const trace = (await commandLoaders.trace!()).default;
    await trace.handler({ ...fast, progress: true, _: ['trace'], $0: 'mcu-gc' });
  } catch (e) {
    process.exitCode = reportError(e, argv);
  }
} else {
  process.exitCode = await runCli(argv);
}
