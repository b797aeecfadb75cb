// mcu-gc command line. Each command lives in src/commands/<name>.ts and is listed in
// ./commands.ts; this file only wires yargs and turns errors into one-line messages.

import { commandLoaders } from './commands.js';
import { UserError } from '../errors.js';

function fail(message: string, code: number): never {
  process.stderr.write(`mcu-gc: ${message}\n`);
  process.exit(code);
}

// `mcu-gc boards | head`: the reader went away; stop quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

process.on('unhandledRejection', (e) => {
  if (e instanceof UserError) fail(e.message, e.exitCode);
  fail(`internal error: ${e instanceof Error ? e.message : String(e)} (please report this)`, 70);
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

async function runYargs(): Promise<void> {
  const { default: yargs } = await import('yargs');
  const { hideBin } = await import('yargs/helpers');
  const cli = yargs(hideBin(process.argv))
    .scriptName('mcu-gc')
    .usage('$0 <command> [options]\n\nEmulate MicroPython\'s GC heap on real boards\' memory maps, and compare with devices.')
    .strict()
    .demandCommand(1, 'Name a command (see --help).')
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      if (err instanceof UserError) fail(err.message, err.exitCode);
      // yargs' own argument errors (e.g. `--vs "--block-size 32"`: a value that looks like a flag).
      if (err && err.name === 'YError') fail(`${err.message} (see mcu-gc --help)`, 2);
      if (err) fail(`internal error: ${err.message} (please report this)`, 70);
      fail(`${msg} (see mcu-gc --help)`, 2);
    })
    .help()
    .alias('h', 'help')
    .version();

  // The command named on the command line is loaded alone; with none (or an unknown one)
  // every command is loaded so that --help and suggestions can list them all.
  const argv = hideBin(process.argv);
  const named = argv.find((a) => !a.startsWith('-'));
  const wanted = named !== undefined && named in commandLoaders ? [named] : Object.keys(commandLoaders);
  const modules = await Promise.all(wanted.map((n) => commandLoaders[n]!()));
  for (const m of modules) cli.command(m.default);
  await cli.parseAsync();
}

try {
  const fast = fastTrace(process.argv.slice(2));
  if (fast) await (await commandLoaders.trace!()).default.handler({ ...fast, _: ['trace'], $0: 'mcu-gc' });
  else await runYargs();
} catch (e) {
  if (e instanceof UserError) fail(e.message, e.exitCode);
  fail(`internal error: ${e instanceof Error ? e.message : String(e)} (please report this)`, 70);
}
