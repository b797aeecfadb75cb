// npm run bench: generates its traces, runs each through the real CLI process
// (`node bin/mcu-gc.js trace`), checks the output is still right, and prints ops/s,
// collections/s, ms per collection per MB of live heap and peak memory.
//
// Correctness: bench-4m-300k-7 is checked against the reference output's sha256 and
// last lines (produced by MicroPython's py/gc.c). The other traces have no C reference
// here, so each is also run with the indexed first-fit search turned off (gc.c's plain
// byte scan) and the two outputs must be identical.

import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTrace, runTrace } from '../emulator/index.js';
import { churnTrace, deepChainTrace } from './bench-gen.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const benchRef = join(root, 'test/conformance/bench');
const work = join(tmpdir(), 'mcu-gc-bench');
mkdirSync(work, { recursive: true });

/** MicroPython's C py/gc.c (-O2, 32-bit) on bench-4m-300k-7, whole process (issue #6). */
const REFERENCE_SECONDS = 0.7;

interface Case {
  name: string;
  file: string;
  heapBytes: number;
  check: 'reference' | 'plain';
}

function gen(name: string, make: () => string): string {
  const file = join(work, `${name}.trace`);
  writeFileSync(file, make());
  return file;
}

function genPy(name: string, heap: number, ops: number, seed: number): string {
  const file = join(work, `${name}.trace`);
  const text = execFileSync('python3', [join(benchRef, 'gen_bench.py'), String(heap), String(ops), String(seed)], {
    maxBuffer: 1 << 30,
  });
  writeFileSync(file, text);
  return file;
}

const quick = process.argv.includes('--quick');
const scale = quick ? 0.1 : 1;
process.stderr.write(`generating traces in ${work} ...\n`);
const cases: Case[] = [
  { name: 'bench-4m-300k-7', file: genPy('bench-4m-300k-7', 4194304, 300000, 7), heapBytes: 4194304, check: 'reference' },
  { name: 'psram-16m-300k', file: genPy('psram-16m-300k', 16777216, Math.round(300000 * scale), 11), heapBytes: 16777216, check: 'plain' },
  { name: 'mcu-64k-churn', file: gen('mcu-64k-churn', () => churnTrace(Math.round(300000 * scale), 3)), heapBytes: 65536, check: 'plain' },
  { name: 'deep-chain-overflow', file: gen('deep-chain', () => deepChainTrace(Math.round(20000 * scale), 20, 5)), heapBytes: 1048576, check: 'plain' },
];

interface Row {
  name: string;
  heap: string;
  heapBytes: number;
  ops: number;
  seconds: number;
  collections: number;
  liveMB: number;
  rssMB: number;
  ok: boolean;
  note: string;
}

function countOps(file: string): number {
  let n = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    if (/^(gc|word|block|finaliser|split|weakref|gcstack|clear|heap)\b/.test(t)) continue;
    n++;
  }
  return n;
}

function runCli(file: string): { seconds: number; out: string; rssKB: number } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--max-semi-space-size=2', '--require', join(root, 'scripts/bench-rss.cjs'), join(root, 'bin/mcu-gc.js'), 'trace', '--no-warnings', file], {
    maxBuffer: 1 << 30,
    encoding: 'utf8',
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`mcu-gc trace ${file} failed: ${r.stderr}`);
  const m = /BENCH-MAXRSS-KB (\d+)/.exec(r.stderr);
  return { seconds, out: r.stdout, rssKB: m ? Number(m[1]) : NaN };
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const rows: Row[] = [];
for (const c of cases) {
  process.stderr.write(`running ${c.name} ...\n`);
  // Best of three whole-process runs (the first also warms the file cache).
  let best = { seconds: Infinity, out: '', rssKB: 0 };
  for (let i = 0; i < 3; i++) {
    const r = runCli(c.file);
    if (r.seconds < best.seconds) best = r;
  }
  let ok: boolean;
  let note: string;
  if (c.check === 'reference') {
    const want = readFileSync(join(benchRef, `${c.name}.expected.sha256`), 'utf8').trim().split(/\s+/)[0];
    const tail = readFileSync(join(benchRef, `${c.name}.expected.tail`), 'utf8');
    ok = sha(best.out) === want && best.out.endsWith(tail);
    note = ok ? 'sha256 = py/gc.c reference' : 'OUTPUT DIFFERS FROM py/gc.c REFERENCE';
  } else {
    const plain = runTrace(parseTrace(readFileSync(c.file)), { useIndex: false }).output;
    ok = plain === best.out;
    note = ok ? 'indexed = plain gc.c scan' : 'INDEXED SEARCH DIFFERS FROM PLAIN SCAN';
  }
  const coll = /stats collections=(\d+)\s*$/.exec(best.out);
  const used = [...best.out.matchAll(/^info total=\d+ used=(\d+)/gm)].pop();
  rows.push({
    name: c.name,
    heapBytes: c.heapBytes,
    heap: c.heapBytes >= 1 << 20 ? `${c.heapBytes >> 20} MB` : `${c.heapBytes >> 10} KB`,
    ops: countOps(c.file),
    seconds: best.seconds,
    collections: coll ? Number(coll[1]) : 0,
    liveMB: used ? Number(used[1]) / 1e6 : 0,
    rssMB: best.rssKB / 1024,
    ok,
    note,
  });
}

const header = ['trace', 'heap', 'ops', 'wall s', 'ops/s', 'collections', 'coll/s', 'ms/coll/MB live', 'peak RSS MiB', 'check'];
const table = rows.map((r) => [
  r.name,
  r.heap,
  String(r.ops),
  r.seconds.toFixed(3),
  Math.round(r.ops / r.seconds).toLocaleString('en'),
  String(r.collections),
  (r.collections / r.seconds).toFixed(0),
  r.collections && r.liveMB ? ((r.seconds * 1000) / r.collections / r.liveMB).toFixed(2) : '-',
  r.rssMB.toFixed(1),
  r.note,
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const row of table) console.log(line(row));
const ref = rows[0]!;
console.log(
  `\nbench-4m-300k-7: ${ref.seconds.toFixed(3)} s vs py/gc.c ${REFERENCE_SECONDS} s = ${(ref.seconds / REFERENCE_SECONDS).toFixed(2)}x ` +
    `(target <= 1.30x); peak ${ref.rssMB.toFixed(1)} MiB (target <= ${64 + (2 * ref.heapBytes) / (1 << 20)} MiB)`,
);
if (rows.some((r) => !r.ok)) {
  console.error('bench: an output check failed');
  process.exit(1);
}
