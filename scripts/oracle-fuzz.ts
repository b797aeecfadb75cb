// npm run oracle: differential fuzzing of the engine against MicroPython's real py/gc.c
// (the C oracle in scripts/c-oracle). Generates seeded random traces, runs each through
// both, and reports the first differing output line of any mismatch, with the trace saved
// for reproduction (`mcu-gc trace FILE` and the oracle both take it as is).
//
//   npm run oracle -- [--profile v1.9.2|v1.9.4|v1.27|v1.28] [--count N] [--seed FIRST] [--ops N] [--unbalanced-unlock] [--out DIR] [--vectors] [--keep-going]
//
// --profile v1.9.4 (default) fuzzes `gc v1.9.4` traces against v1.9.4's gc.c (from
// ../shared/seeds); --profile v1.9.2 the same generator's `gc v1.9.2` traces (mark stacks
// down to 1 entry) against ../shared/reference/micropython/v1.9.2/py/gc.c; --profile v1.27
// and v1.28 fuzz `gc v1.27` / `gc v1.28` traces (split heaps, weakref, ...) against v1.27.0's
// and v1.28.0's gc.c from ../shared/reference (MCU_GC_V1xx_GC_C overrides each source).
//
// --unbalanced-unlock lets traces unlock more than they lock (gc_lock_depth is a uint16_t in
// gc.c and wraps); --keep-going reports every mismatch instead of stopping at the first.
//
// --vectors also re-checks the oracle itself on the profile's conformance vectors.
// Exit status: 0 all agreed, 1 a mismatch, 2 the oracle cannot run here.

import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../src/io/files.js';
import { diffTrace, firstDifference } from './c-oracle/differ.js';
import { ORACLE_PROFILES, type OracleProfile, oracleUnavailable, runOracle } from './c-oracle/oracle.js';
import { randomTrace128, randomTrace194 } from './trace-gen.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

const OPTIONS = {
  profile: { type: 'string', default: 'v1.9.4' },
  count: { type: 'string', default: '500' },
  seed: { type: 'string', default: '1' },
  ops: { type: 'string' },
  out: { type: 'string', default: join(tmpdir(), 'mcu-gc-oracle-mismatches') },
  'unbalanced-unlock': { type: 'boolean', default: false },
  vectors: { type: 'boolean', default: false },
  'keep-going': { type: 'boolean', default: false },
} as const;

function args(): ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'] {
  try {
    return parseArgs({ options: OPTIONS }).values;
  } catch (e) {
    console.error(`oracle: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  }
}
const values = args();

function positive(name: string, s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`oracle: --${name} must be a whole number, not '${s}'`);
    process.exit(2);
  }
  return n;
}

if (!(ORACLE_PROFILES as readonly string[]).includes(values.profile!)) {
  console.error(`oracle: --profile must be one of ${ORACLE_PROFILES.join(', ')}, not '${values.profile}'`);
  process.exit(2);
}
const profile = values.profile as OracleProfile;
const v128 = profile === 'v1.27' || profile === 'v1.28';
const label = profile;
const versionLine = new RegExp(`^\\s*gc\\s+${profile.replace(/\./g, '\\.')}\\s*$`, 'm');

const why = oracleUnavailable(profile);
if (why) {
  console.error(`oracle: cannot run the C oracle: ${why}`);
  process.exit(2);
}

if (values.vectors) {
  const dir = join(root, 'test/conformance/vectors');
  let n = 0;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.trace')).sort()) {
    const text = readFileSync(join(dir, f), 'utf8');
    if (!versionLine.test(text)) continue;
    const d = firstDifference(readFileSync(join(dir, f.replace(/\.trace$/, '.expected')), 'utf8'), runOracle(text).output);
    if (d) {
      console.error(`oracle: the C oracle does not reproduce ${f}: output line ${d.outputLine}: expected ${d.expected} got ${d.got}`);
      process.exit(1);
    }
    n++;
  }
  console.log(`oracle: ${n} ${label} vectors reproduced byte for byte by the C oracle`);
}

const count = positive('count', values.count!);
const first = positive('seed', values.seed!);
const ops = values.ops === undefined ? undefined : positive('ops', values.ops);
const outDir = resolve(values.out!);
const t0 = performance.now();
let agreed = 0;
let crashes = 0;
let lines = 0;
let mismatches = 0;
for (let seed = first; seed < first + count; seed++) {
  const gen = { ops, unbalancedUnlock: values['unbalanced-unlock'] };
  const text = v128 ? randomTrace128(seed, { ...gen, version: profile }) : randomTrace194(seed, { ...gen, version: profile });
  let r: ReturnType<typeof diffTrace>;
  try {
    r = diffTrace(text);
  } catch (e) {
    // Not a difference: the trace itself was rejected (a generator bug) or the oracle failed.
    console.error(`oracle: seed ${seed}: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  }
  lines += r.cOutput.split('\n').length - 1;
  if (r.same) {
    agreed++;
    if (r.crashed) crashes++;
    continue;
  }
  mismatches++;
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `oracle-${profile.slice(1).replace(/\./g, '')}-seed${seed}.trace`);
  writeFileAtomic(file, text, { force: true });
  writeFileAtomic(file.replace(/\.trace$/, '.expected'), r.cOutput, { force: true });
  const d = r.difference!;
  console.log(`MISMATCH seed ${seed}: output line ${d.outputLine}`);
  console.log(`  gc.c:   ${d.expected}`);
  console.log(`  engine: ${d.got}`);
  console.log(`  trace saved: ${file} (gc.c's output beside it as .expected)`);
  if (!values['keep-going']) break;
}
const secs = ((performance.now() - t0) / 1000).toFixed(1);
const ran = agreed + mismatches;
console.log(
  v128
    ? `oracle: ${agreed}/${ran} random ${label} traces agreed with MicroPython's gc.c (seeds ${first}..${first + ran - 1}, ${lines} output lines) in ${secs} s`
    : `oracle: ${agreed}/${ran} random ${label} traces agreed with MicroPython's gc.c (seeds ${first}..${first + ran - 1}, ${lines} output lines, ${crashes} where both detected the ${profile} out-of-heap write) in ${secs} s`,
);
process.exit(mismatches ? 1 : 0);
