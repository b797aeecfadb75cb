// The fuzz suite in `npm test`: a fixed seed, a few thousand mutated inputs of every kind
// through the real command path (in worker processes, each case under a watchdog; every
// 100th as the spawned CLI). Any internal error, stack trace, multi-line error, exit code
// outside 0/1/2, hang, or temporary/cut-short file fails the test with the case's seed and
// index: `npm run fuzz -- --seed 7 --case I` reproduces it. The long soak is `npm run fuzz`.
import { describe, expect, it } from 'vitest';
import { KINDS } from '../../scripts/fuzz/cases.js';
import { runFuzz } from '../../scripts/fuzz/runner.js';

const COUNT = 2000;

describe('fuzzing every input the CLI reads', () => {
  it(`${COUNT} mutated traces, board YAML, images, raw dumps, mem_info dumps, snapshots and command lines`, async () => {
    const report = await runFuzz({ count: COUNT, seed: 7, jobs: 2, spawnEvery: 100, caseTimeoutMs: 60_000, recycleAfter: 1500 });
    const findings = report.findings.map((f) => `case ${f.index} (${f.kind}${f.spawned ? ', spawned' : ''}): ${f.problems.join('; ')} — argv ${JSON.stringify(f.argv)} — ${f.err.split('\n')[0]}`);
    expect(findings).toEqual([]);
    expect(report.cases).toBe(COUNT);
    // Every kind ran, and bad input was actually produced (most cases end in exit 2).
    for (const k of KINDS) expect(report.byKind[k]!.inProcess + report.byKind[k]!.spawned).toBeGreaterThan(COUNT / 40);
    const exit2 = Object.values(report.byKind).reduce((n, v) => n + v.exit2, 0);
    expect(exit2).toBeGreaterThan(COUNT / 2);
    // Every 100th case is spawned as the CLI, except board YAML (a reader with no command of its own).
    expect(Object.values(report.byKind).reduce((n, v) => n + v.spawned, 0)).toBeGreaterThanOrEqual(COUNT / 200);
  }, 600_000);
});
