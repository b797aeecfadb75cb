// The command line as a function: argv in, exit code out (output goes to process.stdout
// and process.stderr). bin/mcu-gc.js runs it through ./main.ts; the fuzz suite calls it
// in-process, so thousands of bad inputs go through the real command path without paying
// a Node start-up for each.

import { commandLoaders } from './commands.js';
import { UserError } from '../errors.js';
import { checkRawArgs, type OptionSets } from './arg-checks.js';
import { oneLine, reportError } from './report-error.js';

export async function runCli(argv: readonly string[]): Promise<number> {
  // Loaded here, not at the top: `mcu-gc trace FILE` runs without yargs (src/cli/main.ts).
  const { default: yargs } = await import('yargs');
  const cli = yargs([...argv])
    .scriptName('mcu-gc')
    .usage('$0 <command> [options]\n\nEmulate MicroPython\'s GC heap on real boards\' memory maps, and compare with devices.')
    .strict()
    .demandCommand(1, 'Name a command')
    .recommendCommands()
    .exitProcess(false)
    .wrap(Math.min(110, process.stdout.columns || 100))
    // Errors are only thrown here and printed once, by reportError (yargs may call this
    // handler twice for a rejected async command).
    .fail((msg, err) => {
      if (err instanceof UserError) throw err;
      // yargs' own argument errors (e.g. `--vs "--block-size 32"`: a value that looks like a flag).
      if (err && err.name === 'YError') throw new UserError(`${oneLine(err.message)} (see mcu-gc --help)`);
      if (err) throw err;
      throw new UserError(`${oneLine(msg)} (see mcu-gc --help)`);
    })
    .help()
    .alias('h', 'help')
    .version();
  // Before validation, with the named command's options known.
  cli.middleware((parsed) => checkRawArgs(argv, (cli as unknown as { getOptions(): OptionSets }).getOptions(), parsed), true);

  // The command named on the command line is loaded alone; with none (or an unknown one)
  // every command is loaded so that --help and suggestions can list them all.
  const named = argv.find((a) => !a.startsWith('-'));
  const wanted = named !== undefined && named in commandLoaders ? [named] : Object.keys(commandLoaders);
  const modules = await Promise.all(wanted.map((n) => commandLoaders[n]!()));
  for (const m of modules) cli.command(m.default);

  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    await cli.parseAsync();
    const code = Number(process.exitCode ?? 0);
    return code;
  } catch (e) {
    return reportError(e, argv);
  } finally {
    process.exitCode = before;
  }
}
