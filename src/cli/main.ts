// mcu-gc command line. Each command lives in src/commands/<name>.ts and is listed in
// ./commands.ts; ./run-cli.ts wires yargs and turns errors into one-line messages.
// bin/mcu-gc.js runs `mcu-gc trace FILE [--no-warnings]` through the bundled
// ./trace-fast.ts itself and comes here for everything else.

import { reportError } from './report-error.js';

// As yargs' hideBin for a plain `node bin/mcu-gc.js …` start (not importing yargs/helpers
// keeps the fast path below free of yargs).
const argv = process.argv.slice(2);

// Errors outside the command's own promise (an 'error' event nobody listens to, a stray
// rejection) still end as one line: the user's message, or the bug-report line.
process.on('unhandledRejection', (e) => {
  process.exit(reportError(e, argv));
});
process.on('uncaughtException', (e) => {
  process.exit(reportError(e, argv));
});

// The trace fast path (./trace-fast.ts), when the bundle bin/mcu-gc.js prefers is missing.
if (!(argv[0] === 'trace' && (await import('./trace-fast.js')).runFastTrace(argv))) {
  // `mcu-gc boards | head`: the reader went away; stop quietly, as Unix tools do.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
  process.exitCode = await (await import('./run-cli.js')).runCli(argv);
}
