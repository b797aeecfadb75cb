// mcu-gc check: the port-config regression test a porter runs in their own CI. It records
// (first run, or --update) and then verifies a board's layout and the results of each
// workload in a golden JSON file committed next to the board config; differences are
// printed in words and exit 1. --junit writes a JUnit report; --shard I/N and
// --merge DIR spread big sweeps (boards × workloads × what-if variants) over a CI matrix.

import { mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CommandModule } from 'yargs';
import { listWorkloads } from '../../emulator/run.js';
import { type OverrideArgs, type PortsDirArgs, withOverrideOptions, withPortsDirOption } from '../boards/options.js';
import { mergeShards, parseCheckFile, parseShard, planSweep, runSweep } from '../boards/sweep.js';
import { UserError } from '../errors.js';
import { describeFsError, exists, readText, writeFileAtomic } from '../io/files.js';
import { differenceLines, verify } from '../report/check-diff.js';
import { type CheckFile, stableJson } from '../report/check-result.js';
import { junitXml } from '../report/junit.js';

interface Args extends OverrideArgs, PortsDirArgs {
  board?: string[] | undefined;
  'all-boards': boolean;
  workload?: string[] | undefined;
  'what-if'?: string[] | undefined;
  golden?: string | undefined;
  update: boolean;
  junit?: string | undefined;
  out?: string | undefined;
  shard?: string | undefined;
  merge?: string | undefined;
  seed: number;
  scale: number;
}

function readMergeDir(dir: string): Array<{ name: string; file: CheckFile }> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  } catch (e) {
    throw new UserError(`--merge ${dir}: ${describeFsError(e)}`);
  }
  return names.map((n) => {
    const p = join(dir, n);
    return { name: p, file: parseCheckFile(readText(p), p) };
  });
}

const command: CommandModule<object, Args> = {
  command: 'check',
  describe: "Port-config regression test: record a board's layout and workload results in a golden file, then verify them (differences in words, exit 1)",
  builder: (y) =>
    withPortsDirOption(
      withOverrideOptions(
        y
          .option('board', { type: 'string', array: true, requiresArg: true, describe: 'board id, alias or config file (repeatable)' })
          .option('all-boards', { type: 'boolean', default: false, describe: 'every board mcu-gc knows (yours and the shipped ones)' })
          .option('workload', {
            type: 'string',
            array: true,
            requiresArg: true,
            describe: `built-in workload or gctrace file (repeatable; default: every built-in: ${listWorkloads().map((w) => w.name).join(', ')})`,
          })
          .option('what-if', { type: 'string', array: true, requiresArg: true, describe: 'a what-if variant to check too, as flags: --what-if="--block-size 32" (repeatable)' })
          .option('golden', { type: 'string', describe: 'the golden file: recorded when missing (or with --update), verified otherwise' })
          .option('update', { type: 'boolean', default: false, describe: 'record the golden file again (after a change you meant)' })
          .option('junit', { type: 'string', describe: 'also write a JUnit XML report (each board × workload a test case)' })
          .option('out', { type: 'string', describe: "write this run's results (the golden format; with --shard, what --merge reads)" })
          .option('shard', { type: 'string', describe: 'run part I of N of the plan (I/N, as vitest --shard)' })
          .option('merge', { type: 'string', describe: 'instead of running: join the shard results (--out files) in this folder' })
          .option('seed', { type: 'number', default: 1, describe: 'workload PRNG seed' })
          .option('scale', { type: 'number', default: 1, describe: 'workload length multiplier' }),
      ),
    )
      .example('$0 check --board ./my-esp32.yaml --golden my-esp32.golden.json', 'record on the first run, verify afterwards')
      .example('$0 check --all-boards --shard 2/4 --golden all.json --out shards/2.json', 'one CI job of four')
      .example('$0 check --merge shards --golden all.json --junit report.xml', 'the merge job') as never,
  handler: (args) => {
    if (!args.golden && !args.out) throw new UserError('give --golden FILE (record/verify) and/or --out FILE (results to merge)');
    if (args.merge && (args.shard || args.board || args['all-boards'] || args.workload || args['what-if'])) {
      throw new UserError('--merge joins shard results: it takes no --shard, --board, --workload or --what-if');
    }
    if (!Number.isFinite(args.scale) || args.scale <= 0 || args.scale > 1000) throw new UserError('--scale must be a number above 0 (at most 1000)');
    if (!Number.isInteger(args.seed)) throw new UserError('--seed must be a whole number');
    const shard = args.shard !== undefined ? parseShard(args.shard) : undefined;
    if (shard && args.update) throw new UserError('--update records the whole golden file: run it unsharded, or on --merge');
    let now: CheckFile;
    if (args.merge) now = mergeShards(readMergeDir(args.merge));
    else {
      const plan = planSweep({
        boards: args.board ?? [],
        allBoards: args['all-boards'],
        workloads: args.workload ?? listWorkloads().map((w) => w.name),
        whatIfs: args['what-if'] ?? [],
        base: args,
        seed: args.seed,
        scale: args.scale,
      });
      now = runSweep(plan, shard);
    }
    if (args.out) {
      // A CI job writes shards/I.json into a fresh checkout: make the folder.
      mkdirSync(dirname(args.out), { recursive: true });
      writeFileAtomic(args.out, stableJson(now), { force: true });
    }
    const cases = Object.keys(now.cases).length;
    const boards = new Set(Object.values(now.cases).map((c) => c.board)).size;
    const what = `${cases} case${cases === 1 ? '' : 's'} on ${boards} board${boards === 1 ? '' : 's'}${shard ? ` (shard ${shard.index}/${shard.count})` : ''}`;
    if (!args.golden) {
      process.stdout.write(`check: ran ${what}; results in ${args.out}\n`);
      return;
    }
    const record = { ...now };
    delete record.shard;
    if (!exists(args.golden) || args.update) {
      if (shard) throw new UserError(`${args.golden}: no golden file yet: record it with an unsharded run, or with --merge after the shards`);
      const old = exists(args.golden) ? parseCheckFile(readText(args.golden), args.golden) : null;
      writeFileAtomic(args.golden, stableJson(record), { force: true });
      const verdicts = verify(record, record, true);
      if (args.junit) writeFileAtomic(args.junit, junitXml(verdicts, { recorded: true }), { force: true });
      if (old) for (const line of differenceLines(verify(old, record, true))) process.stdout.write(`updated ${line}\n`);
      process.stdout.write(`check: recorded ${what} in ${args.golden}\n`);
      return;
    }
    const golden = parseCheckFile(readText(args.golden), args.golden);
    const verdicts = verify(golden, record, !shard);
    if (args.junit) writeFileAtomic(args.junit, junitXml(verdicts), { force: true });
    const lines = differenceLines(verdicts);
    for (const line of lines) process.stdout.write(`${line}\n`);
    const failed = verdicts.filter((v) => v.words.length).length;
    if (failed === 0) {
      process.stdout.write(`check: ${what} match ${args.golden}\n`);
      return;
    }
    throw new UserError(`check: ${failed} of ${verdicts.length} checks differ from ${args.golden} (if the change is meant: mcu-gc check ... --update)`, 1);
  },
};

export default command;
