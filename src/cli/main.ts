// mcu-gc command line. Each command lives in src/commands/<name>.ts and is listed in
// ./commands.ts; ./run-cli.ts wires yargs and turns errors into one-line messages.

import { hideBin } from 'yargs/helpers';
import { reportError, runCli } from './run-cli.js';

const argv = hideBin(process.argv);

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

process.exitCode = await runCli(argv);
