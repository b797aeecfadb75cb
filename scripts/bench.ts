// npm run bench [-- --pairs N] [--only NAME,...] [--quick] [--before OTHER/bin/mcu-gc.js] [--keep-env]
//
// Runs each benchmark trace through MicroPython's real py/gc.c compiled natively (the native
// baseline) and through the CLI (`node bin/mcu-gc.js trace FILE`, started plainly, as a user
// would), in alternating pairs, whole process, and prints medians: wall and CPU time (user +
// sys), the paired ratio mcu-gc / native, and peak RSS of each. Every run's output must be
// byte-identical to the native one (and bench-4m-300k-7's to py/gc.c's reference sha256), or
// the benchmark fails.
//
// The native baseline: v1.27.0's py/gc.c from ../shared/reference (v1.9.4 traces: the seed's
// gc.c, as the C oracle finds it), built at -O2, 32-bit, by scripts/c-oracle with its driver
// (a lean parser and printer of the same gctrace text). Without `cc -m32` (Debian:
// gcc-multilib) or without that gc.c, the engine's output is checked against its own plain
// byte-scan first-fit search instead and only mcu-gc's times are shown.
//
// Times come from GNU time (/usr/bin/time, Debian package `time`): %U+%S for CPU, %M for
// peak RSS. The machine may be busy: CPU time is the steadier figure, wall the one the goal
// is set in. --before runs another build of the CLI (e.g. a checkout of an older commit) in
// every pair too, for before/after numbers taken under the same load.
//
// NODE_EXTRA_CA_CERTS (set on many CI and proxied machines): Node 20 reads and parses every
// certificate in that file when it starts, before any script runs (node::crypto::
// UseExtraCaCerts; ~40 ms and ~2 MiB for Debian's bundle). mcu-gc makes no TLS connection,
// so the CLI runs without it unless --keep-env; the table's last lines show Node's own
// start-up with and without it, so either figure can be read off.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTrace, runTrace } from '../emulator/index.js';
import { churnTrace, collectTrace, deepChainTrace } from './bench-gen.js';
import { compilerProblem, configOfTrace, oracleBinary, sourcePath } from './c-oracle/oracle.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const benchRef = join(root, 'test/conformance/bench');
const work = join(tmpdir(), 'mcu-gc-bench');
mkdirSync(work, { recursive: true });

const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = argv.includes('--quick');
const pairs = Number(opt('--pairs') ?? (quick ? 2 : 5));
const only = opt('--only')?.split(',');
const beforeBin = opt('--before');
const keepEnv = argv.includes('--keep-env');
const extraCa = process.env.NODE_EXTRA_CA_CERTS;
const withoutCa: NodeJS.ProcessEnv = { ...process.env };
delete withoutCa.NODE_EXTRA_CA_CERTS;
const cliEnv = keepEnv ? process.env : withoutCa;
const TIME = '/usr/bin/time';

interface Case {
  name: string;
  heap: string;
  file: string;
}

function gen(name: string, make: () => string): string {
  const file = join(work, `${name}.trace`);
  writeFileSync(file, make());
  return file;
}

function genPy(name: string, heap: number, ops: number, seed: number): string {
  const file = join(work, `${name}.trace`);
  const r = spawnSync('python3', [join(benchRef, 'gen_bench.py'), String(heap), String(ops), String(seed)], { maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`gen_bench.py failed: ${r.stderr}`);
  writeFileSync(file, r.stdout);
  return file;
}

const want = (n: string): boolean => !only || only.includes(n);
process.stderr.write(`generating traces in ${work} ...\n`);
const cases: Case[] = [];
const add = (name: string, heap: string, make: () => string): void => {
  if (want(name)) cases.push({ name, heap, file: make() });
};
add('bench-4m-300k-7', '4 MB', () => genPy('bench-4m-300k-7', 4 << 20, 300000, 7));
add('gen_bench-1m', '1 MB', () => genPy('gen_bench-1m', 1 << 20, 300000, 7));
add('gen_bench-16m', '16 MB', () => genPy('gen_bench-16m', 16 << 20, 300000, 7));
add('gen_bench-64m', '64 MB', () => genPy('gen_bench-64m', 64 << 20, 300000, 7));
add('mcu-64k-churn', '64 KB', () => gen('mcu-64k-churn', () => churnTrace(300000, 3)));
add('deep-chain-overflow', '1 MB', () => gen('deep-chain', () => deepChainTrace(20000, 20, 5)));

// ------------------------------------------------------------------ running

interface Run {
  wall: number;
  cpu: number;
  rssMiB: number;
  out: string;
}

const haveTime = existsSync(TIME);

/** One whole-process run: stdin from `stdinFile` when given. */
function measure(cmd: string, args: string[], stdinFile?: string, env: NodeJS.ProcessEnv = process.env): Run {
  const fd = stdinFile ? openSync(stdinFile, 'r') : 'ignore';
  try {
    const full = haveTime ? [TIME, '-f', 'BENCH-TIME %U %S %M', cmd, ...args] : [cmd, ...args];
    const t0 = process.hrtime.bigint();
    const r = spawnSync(full[0]!, full.slice(1), { stdio: [fd, 'pipe', 'pipe'], maxBuffer: 1 << 30, encoding: 'utf8', env });
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (status ${r.status ?? r.signal}): ${r.stderr.slice(-2000)}`);
    const m = /BENCH-TIME (\S+) (\S+) (\d+)/.exec(r.stderr);
    return {
      wall,
      cpu: m ? Number(m[1]) + Number(m[2]) : NaN,
      rssMiB: m ? Number(m[3]) / 1024 : NaN,
      out: r.stdout,
    };
  } finally {
    if (typeof fd === 'number') closeSync(fd);
  }
}

const cli = (file: string, bin = join(root, 'bin/mcu-gc.js')): Run => measure(process.execPath, [bin, 'trace', '--no-warnings', file], undefined, cliEnv);

/** The native baseline for a trace, or why there is none. */
function nativeFor(file: string): { bin: string } | { why: string } {
  const problem = compilerProblem();
  if (problem) return { why: problem };
  const head = readFileSync(file, 'utf8').slice(0, 4096);
  const c = configOfTrace(head);
  // The trace's own profile: ../shared's v1.27.0 gc.c for `gc v1.27` (the bench traces).
  const src = sourcePath(c.profile ?? 'v1.9.4');
  if (!existsSync(src)) return { why: `no py/gc.c at ${src}` };
  return { bin: oracleBinary({ ...c, optimise: true }) };
}

const median = (xs: number[]): number => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

interface Row {
  name: string;
  heap: string;
  native: Run[];
  mcu: Run[];
  before: Run[];
  wallRatio: number;
  cpuRatio: number;
  check: string;
  ok: boolean;
}

const loadBefore = loadavg()[0]!;
const rows: Row[] = [];
for (const c of cases) {
  const nat = nativeFor(c.file);
  process.stderr.write(`running ${c.name} (${pairs} pairs) ...\n`);
  const native: Run[] = [];
  const mcu: Run[] = [];
  const before: Run[] = [];
  let ok = true;
  let check = '';
  for (let p = 0; p < pairs; p++) {
    // Alternate which side goes first, so neither always gets the warmer cache.
    const runNative = (): void => {
      if ('bin' in nat) native.push(measure(nat.bin, [], c.file));
    };
    if (p % 2 === 0) {
      runNative();
      mcu.push(cli(c.file));
    } else {
      mcu.push(cli(c.file));
      runNative();
    }
    if (beforeBin) before.push(cli(c.file, beforeBin));
    const m = mcu[mcu.length - 1]!;
    if ('bin' in nat && m.out !== native[native.length - 1]!.out) ok = false;
    if (p > 0 && m.out !== mcu[0]!.out) ok = false;
  }
  if ('bin' in nat) check = ok ? 'identical to native' : 'OUTPUT DIFFERS FROM NATIVE gc.c';
  else {
    // No native baseline: the indexed first-fit search against gc.c's plain byte scan.
    const plain = runTrace(parseTrace(readFileSync(c.file)), { useIndex: false }).output;
    ok = plain === mcu[0]!.out;
    check = ok ? `indexed = plain scan (no native: ${nat.why})` : 'INDEXED SEARCH DIFFERS FROM PLAIN SCAN';
  }
  if (c.name === 'bench-4m-300k-7') {
    const ref = readFileSync(join(benchRef, `${c.name}.expected.sha256`), 'utf8').trim().split(/\s+/)[0];
    const same = sha(mcu[0]!.out) === ref;
    ok &&= same;
    check += same ? ', sha256 = reference' : ', SHA256 DIFFERS FROM REFERENCE';
  }
  for (const r of [...native, ...mcu, ...before]) r.out = '';
  const ratio = (f: (r: Run) => number): number => median(mcu.map((m, i) => (native[i] ? f(m) / f(native[i]!) : NaN)));
  rows.push({ name: c.name, heap: c.heap, native, mcu, before, wallRatio: ratio((r) => r.wall), cpuRatio: ratio((r) => r.cpu), check, ok });
}

// ------------------------------------------------------------------ one full collection

// A 4 MB heap with 1 MB live: the same trace with N collections and with none, so the
// difference is N collections alone (start-up and setup cancel out).
interface Micro {
  native: number;
  mcu: number;
  ratio: number;
  before: number;
}
let micro: Micro | null = null;
if (want('collect-4m-1m')) {
  const N = quick ? 200 : 1000;
  const withN = gen('collect-4m-1m', () => collectTrace(N));
  const without = gen('collect-4m-1m-0', () => collectTrace(0));
  const nat = nativeFor(withN);
  process.stderr.write(`running collect-4m-1m (${N} collections, ${pairs} pairs) ...\n`);
  const nat1: number[] = [];
  const mcu1: number[] = [];
  const ratios: number[] = [];
  const before1: number[] = [];
  for (let p = 0; p < pairs; p++) {
    if (beforeBin) before1.push((cli(withN, beforeBin).cpu - cli(without, beforeBin).cpu) / N);
    let n = NaN;
    if ('bin' in nat) {
      const a = measure(nat.bin, [], withN);
      const b = measure(nat.bin, [], without);
      n = (a.cpu - b.cpu) / N;
      nat1.push(n);
      const m = cli(withN);
      if (m.out !== a.out) throw new Error('collect-4m-1m: mcu-gc output differs from native gc.c');
      const m0 = cli(without);
      const e = (m.cpu - m0.cpu) / N;
      mcu1.push(e);
      ratios.push(e / n);
    } else {
      const m = cli(withN);
      const m0 = cli(without);
      mcu1.push((m.cpu - m0.cpu) / N);
    }
  }
  micro = { native: median(nat1), mcu: median(mcu1), ratio: median(ratios), before: median(before1) };
}

// ------------------------------------------------------------------ table

const f3 = (x: number): string => (Number.isNaN(x) ? '-' : x.toFixed(3));
const f2 = (x: number): string => (Number.isNaN(x) ? '-' : x.toFixed(2));
const f1 = (x: number): string => (Number.isNaN(x) ? '-' : x.toFixed(1));
const header = ['trace', 'heap', 'native wall s', 'mcu-gc wall s', 'ratio', 'native CPU s', 'mcu-gc CPU s', 'CPU ratio', 'peak MiB native / mcu-gc', 'output'];
const table = rows.map((r) => [
  r.name,
  r.heap,
  f3(median(r.native.map((x) => x.wall))),
  f3(median(r.mcu.map((x) => x.wall))),
  f2(r.wallRatio),
  f3(median(r.native.map((x) => x.cpu))),
  f3(median(r.mcu.map((x) => x.cpu))),
  f2(r.cpuRatio),
  `${f1(Math.max(...r.native.map((x) => x.rssMiB)))} / ${f1(Math.max(...r.mcu.map((x) => x.rssMiB)))}`,
  r.check,
]);
if (beforeBin) {
  header.push('before: wall s / CPU s / peak MiB');
  rows.forEach((r, i) => table[i]!.push(`${f3(median(r.before.map((x) => x.wall)))} / ${f3(median(r.before.map((x) => x.cpu)))} / ${f1(Math.max(...r.before.map((x) => x.rssMiB)))}`));
}
if (micro) {
  const ms = (x: number): string => (Number.isNaN(x) ? '-' : `${x * 1000 < 10 ? (x * 1000).toFixed(2) : (x * 1000).toFixed(1)} ms`);
  table.push(['one collect, 4 MB heap, 1 MB live', '4 MB', '', '', '', ms(micro.native), ms(micro.mcu), f2(micro.ratio), '', 'CPU per collection']);
  if (beforeBin) table[table.length - 1]!.push(`CPU ${ms(micro.before)}`);
}
// Node's own start-up (`node -e 0`): the floor under every mcu-gc figure above.
const nodeFloor = (env: NodeJS.ProcessEnv): Run[] => Array.from({ length: pairs }, () => measure(process.execPath, ['-e', '0'], undefined, env));
const floorRow = (label: string, runs: Run[]): string[] => {
  const row = header.map(() => '');
  row[0] = label;
  row[3] = f3(median(runs.map((x) => x.wall)));
  row[6] = f3(median(runs.map((x) => x.cpu)));
  row[8] = `- / ${f1(Math.max(...runs.map((x) => x.rssMiB)))}`;
  return row;
};
table.push(floorRow('node -e 0', nodeFloor(withoutCa)));
if (extraCa !== undefined) table.push(floorRow('node -e 0, NODE_EXTRA_CA_CERTS set', nodeFloor(process.env)));
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const row of table) console.log(line(row));
console.log(
  `\nmedians of ${pairs} alternating pairs; ratio = median of the per-pair ratios mcu-gc / native; ` +
    `load average ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after, on ${(await import('node:os')).cpus().length} CPUs` +
    (haveTime ? '' : `; no ${TIME} (Debian package 'time'): CPU and peak memory not measured`),
);
if (extraCa !== undefined) {
  console.log(
    keepEnv
      ? `NODE_EXTRA_CA_CERTS=${extraCa} was kept (--keep-env): every mcu-gc figure includes Node parsing those certificates at start-up.`
      : `NODE_EXTRA_CA_CERTS=${extraCa} is set here: the mcu-gc runs above were made without it (mcu-gc makes no TLS connection); ` +
          'with it, Node parses those certificates at every start: add the difference between the two node -e 0 lines, or run with --keep-env.',
  );
}
if (rows.some((r) => !r.ok)) {
  console.error('bench: an output check failed');
  process.exit(1);
}
