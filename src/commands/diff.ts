// mcu-gc diff A B: compare two saved snapshots (or mem_info(1) texts) as `compare` does.
// Exit status as diff(1): 0 same, 1 different, 2 trouble.

import type { CommandModule, Argv } from 'yargs';
import { loadDump } from '../capture/snapshot.js';
import { compareDumps } from '../compare/compare.js';
import { type OutputArgs, writeComparison } from '../compare/output.js';
import { readText } from '../io/files.js';
import { UserError, located } from '../errors.js';

interface Args extends OutputArgs {
  a: string;
  b: string;
}

/** --json, --html, --force, --color, --max-runs (shared with compare). */
export function withOutputOptions<T>(y: Argv<T>): Argv<T & OutputArgs> {
  return y
    .option('json', { type: 'boolean', default: false, describe: 'print the comparison as JSON' })
    .option('html', { type: 'string', describe: 'also write a self-contained HTML page with both maps side by side' })
    .option('force', { type: 'boolean', default: false, describe: 'replace existing output files' })
    .option('color', { type: 'boolean', describe: 'force colour on/off (default: on a terminal, unless NO_COLOR is set)' })
    .option('max-runs', { type: 'number', default: 20, describe: 'differing runs of blocks to list in the text report' }) as unknown as Argv<T & OutputArgs>;
}

const command: CommandModule<object, Args> = {
  command: 'diff <a> <b>',
  describe: 'Compare two heap snapshots (capture JSON or mem_info(1) text): layout, totals, block by block',
  builder: (y) =>
    withOutputOptions(
      y
        .positional('a', { type: 'string', demandOption: true, describe: 'snapshot JSON or mem_info(1) text' })
        .positional('b', { type: 'string', demandOption: true, describe: 'snapshot JSON or mem_info(1) text' })
        .example('$0 diff before.json after.json', 'what changed between two captures')
        .example('$0 diff before.json after.json --html diff.html', 'the two maps side by side in a browser'),
    ) as never,
  handler: (args) => {
    const A = loadDump(readText(args.a), args.a);
    const B = loadDump(readText(args.b), args.b);
    const notes: string[] = [];
    for (const [side, d] of [
      ['A', A],
      ['B', B],
    ] as const) {
      const errors = d.parsed.issues.filter((i) => i.severity === 'error');
      // A malformed dump is bad input (exit 2, its first problem located), as for every
      // other file; only a capture that stopped early is compared, with notes.
      const first = errors[0];
      if (first && !(d.snapshot && !d.snapshot.complete)) {
        const where = d.snapshot ? `${d.label}: raw line ${first.line}: ${first.message}` : located(d.label, first.line, first.message, undefined, first.offset);
        throw new UserError(`${where}${errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''})` : ''}`);
      }
      for (const i of errors.slice(0, 5)) notes.push(`${side} (${d.label}) line ${i.line}: ${i.message}`);
      if (errors.length > 5) notes.push(`${side}: ${errors.length - 5} more problem(s) in the dump`);
      if (d.snapshot && !d.snapshot.complete) notes.push(`${side} is an incomplete capture (the board stopped answering)`);
    }
    const c = compareDumps({ label: A.label, parsed: A.parsed }, { label: B.label, parsed: B.parsed });
    writeComparison(c, A.parsed, B.parsed, args, { title: `mcu-gc diff ${args.a} ${args.b}`, notes, json: { a: args.a, b: args.b } });
    process.exitCode = c.identical ? 0 : 1;
  },
};

export default command;
