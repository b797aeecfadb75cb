// npm run fuzz -- [--count N] [--seed S] [--jobs J] [--kind K] [--timeout MS] [--spawn-every N]
//                 [--case I]
// The long soak of the fuzz suite (test/cli/fuzz.test.ts runs a short one in `npm test`):
// mutated traces, board YAML, heap images (JSON and raw), mem_info dumps, snapshots and
// command lines through the real command path. Prints counts per input kind and every
// finding (internal error, stack trace, more than one error line, exit code outside 0/1/2,
// hang, temporary or cut-short file) with the seed and case index that reproduce it:
// `npm run fuzz -- --seed S --case I` runs that one case and shows its command and output.
import { KINDS, type Kind, makeCase } from './fuzz/cases.js';
import { executeCase } from './fuzz/execute.js';
import { runFuzz } from './fuzz/runner.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function num(name: string, dflt: number): number {
  const v = arg(name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) {
    process.stderr.write(`fuzz: --${name} ${v}: expected a whole number\n`);
    process.exit(2);
  }
  return n;
}

const seed = num('seed', 12);
const kindArg = arg('kind');
if (kindArg !== undefined && !(KINDS as readonly string[]).includes(kindArg)) {
  process.stderr.write(`fuzz: --kind ${kindArg}: one of ${KINDS.join(', ')}\n`);
  process.exit(2);
}
const kind = kindArg as Kind | undefined;

if (arg('case') !== undefined) {
  const index = num('case', 0);
  const c = makeCase(seed, index, kind);
  process.stdout.write(`case ${index} of seed ${seed}: ${c.kind}\nargv: ${JSON.stringify(c.argv)}\nfiles: ${Object.keys(c.files).join(', ')}\n`);
  for (const [name, data] of Object.entries(c.files)) {
    if (typeof data === 'string' && data.length < 4000) process.stdout.write(`--- ${name}\n${data}\n`);
  }
  if (c.boardYaml !== undefined) process.stdout.write(`--- board yaml\n${c.boardYaml}\n`);
  const r = await executeCase(c, index, { spawn: process.argv.includes('--spawn') });
  process.stdout.write(`exit ${r.code} in ${r.ms} ms\nstderr: ${r.err}\nproblems: ${r.problems.join('; ') || 'none'}\n`);
  process.exit(r.problems.length ? 1 : 0);
}

const count = num('count', 2000);
const started = Date.now();
let lastPrint = 0;
// Tallies kept here too, so that a soak stopped early (Ctrl-C, kill) still reports its counts.
const tally = new Map<string, number>();
let findings = 0;
const summary = (done: number): string =>
  `${done} cases in ${((Date.now() - started) / 1000).toFixed(0)} s, ${findings} finding(s); ${[...tally].map(([k, n]) => `${k} ${n}`).join(', ')}`;
let doneSoFar = 0;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    process.stdout.write(`\nstopped (${sig}): ${summary(doneSoFar)}\n`);
    process.exit(findings ? 1 : 130);
  });
}
const report = await runFuzz({
  count,
  seed,
  start: num('start', 0),
  jobs: num('jobs', 2),
  kind,
  caseTimeoutMs: num('timeout', 60_000),
  spawnEvery: num('spawn-every', 200),
  recycleAfter: 2000,
  onResult: (r, done) => {
    doneSoFar = done;
    const key = `${r.kind}${r.spawned ? ' (spawned)' : ''}`;
    tally.set(key, (tally.get(key) ?? 0) + 1);
    if (r.problems.length) findings++;
    if (!process.stderr.isTTY && done % 1000 === 0) process.stdout.write(`progress: ${summary(done)}\n`);
    if (r.problems.length) process.stdout.write(`FINDING case ${r.index} (${r.kind}${r.spawned ? ', spawned' : ''}): ${r.problems.join('; ')}\n  argv: ${JSON.stringify(r.argv)}\n  stderr: ${r.err.split('\n').slice(0, 3).join(' | ')}\n`);
    const now = Date.now();
    if (process.stderr.isTTY && now - lastPrint > 1000) {
      lastPrint = now;
      process.stderr.write(`\r${done}/${count} cases, ${((now - started) / 1000).toFixed(0)} s`);
    }
  },
});
if (process.stderr.isTTY) process.stderr.write('\n');
process.stdout.write(`\nseed ${report.seed}: ${report.cases} cases in ${(report.ms / 1000).toFixed(1)} s\n`);
process.stdout.write('kind       in-process  spawned  exit0  exit1  exit2\n');
for (const [k, v] of Object.entries(report.byKind)) {
  process.stdout.write(`${k.padEnd(10)} ${String(v.inProcess).padStart(10)} ${String(v.spawned).padStart(8)} ${String(v.exit0).padStart(6)} ${String(v.exit1).padStart(6)} ${String(v.exit2).padStart(6)}\n`);
}
process.stdout.write(`slowest: ${report.slowest.map((r) => `case ${r.index} (${r.kind}) ${r.ms} ms`).join(', ')}\n`);
process.stdout.write(`findings: ${report.findings.length}\n`);
process.exit(report.findings.length ? 1 : 0);
