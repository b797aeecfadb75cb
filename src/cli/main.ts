// mcu-gc command line. Each command lives in src/commands/<name>.ts and is listed in
// ./commands.ts; this file only wires yargs and turns errors into one-line messages.

import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { commands } from './commands.js';
import { UserError } from './errors.js';

function fail(message: string, code: number): never {
  process.stderr.write(`mcu-gc: ${message}\n`);
  process.exit(code);
}

process.on('unhandledRejection', (e) => {
  if (e instanceof UserError) fail(e.message, e.exitCode);
  fail(`internal error: ${e instanceof Error ? e.message : String(e)} (please report this)`, 70);
});

const cli = yargs(hideBin(process.argv))
  .scriptName('mcu-gc')
  .usage('$0 <command> [options]\n\nEmulate MicroPython\'s GC heap on real boards\' memory maps, and compare with devices.')
  .strict()
  .demandCommand(1, 'Name a command (see --help).')
  .recommendCommands()
  .wrap(Math.min(110, process.stdout.columns || 100))
  .fail((msg, err) => {
    if (err instanceof UserError) fail(err.message, err.exitCode);
    if (err) fail(`internal error: ${err.message} (please report this)`, 70);
    fail(`${msg} (see mcu-gc --help)`, 2);
  })
  .help()
  .alias('h', 'help')
  .version();

for (const c of commands) cli.command(c);

try {
  await cli.parseAsync();
} catch (e) {
  if (e instanceof UserError) fail(e.message, e.exitCode);
  fail(`internal error: ${e instanceof Error ? e.message : String(e)} (please report this)`, 70);
}
