// mcu-gc conformance DIR: every X.trace in DIR against X.expected, byte for byte.

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { parseTrace, runTrace, TraceError } from '../../emulator/index.js';
import { UserError } from '../errors.js';
import { exists, readText } from '../io/files.js';
import { traceErrorMessage } from '../trace/errors.js';

interface Args {
  dir: string;
}

export interface VectorResult {
  name: string;
  ok: boolean;
  /** First differing line, 1-based, when !ok. */
  line?: number;
  expected?: string;
  got?: string;
  error?: string;
}

/** Compares got and expected text; on a difference, the first differing line. */
export function firstDifference(expected: string, got: string): { line: number; expected: string; got: string } | null {
  if (expected === got) return null;
  const x = expected.split('\n');
  const g = got.split('\n');
  let i = 0;
  while (i < x.length && i < g.length && x[i] === g[i]) i++;
  return { line: i + 1, expected: x[i] ?? '<end of output>', got: g[i] ?? '<end of output>' };
}

export function runVector(tracePath: string, expectedPath: string): VectorResult {
  const name = tracePath;
  if (!exists(expectedPath)) return { name, ok: false, error: `no ${expectedPath}` };
  const expected = readText(expectedPath);
  let got: string;
  try {
    got = runTrace(parseTrace(readText(tracePath))).output;
  } catch (e) {
    // A trace that is not valid gctrace is bad input (exit 2, located), not a failed
    // vector; an emulated firmware crash is a result to compare like any other.
    if (e instanceof TraceError && !e.crash) throw traceErrorMessage(tracePath, e);
    if (e instanceof TraceError) return { name, ok: false, error: `line ${e.line}: ${e.message}` };
    throw e;
  }
  const d = firstDifference(expected, got);
  return d ? { name, ok: false, ...d } : { name, ok: true };
}

export function listVectors(dir: string): string[] {
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new UserError(`${dir}: not a directory`);
    entries = readdirSync(dir);
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${dir}: cannot read the folder`);
  }
  return entries.filter((f) => f.endsWith('.trace')).sort();
}

const command: CommandModule<object, Args> = {
  command: 'conformance <dir>',
  describe: 'Run every X.trace in DIR and compare with X.expected; exit 1 on any difference',
  builder: (y) => y.positional('dir', { type: 'string', demandOption: true, describe: 'folder of .trace/.expected pairs' }),
  handler: (args) => {
    const files = listVectors(args.dir);
    if (files.length === 0) throw new UserError(`${args.dir}: no .trace files`);
    let passed = 0;
    let failed = 0;
    for (const f of files) {
      const r = runVector(join(args.dir, f), join(args.dir, f.replace(/\.trace$/, '.expected')));
      if (r.ok) {
        passed++;
        continue;
      }
      failed++;
      if (r.error) process.stdout.write(`FAIL ${f}: ${r.error}\n`);
      else process.stdout.write(`FAIL ${f}: line ${r.line}: expected ${JSON.stringify(r.expected)}, got ${JSON.stringify(r.got)}\n`);
    }
    process.stdout.write(`${passed} passed, ${failed} failed\n`);
    if (failed > 0) process.exitCode = 1;
  },
};

export default command;
