// The whole matrix — every shipped gctrace vector on every shipped board — as a sweep,
// in 4 shards (vitest's I/N convention) merged, gives byte-identical results to the
// unsharded run. In-process (the CLI path is covered by check.test.ts).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listBoards } from '../../src/boards/load.js';
import { mergeShards, parseShard, planSweep, runSweep, shardSlice } from '../../src/boards/sweep.js';
import { stableJson } from '../../src/report/check-result.js';

const dir = new URL('../conformance/vectors/', import.meta.url).pathname;
const vectors = readdirSync(dir).filter((f) => f.endsWith('.trace')).sort().map((f) => join(dir, f));

describe('shards', () => {
  it('I/N slices are contiguous, cover the plan once, in order (vitest convention)', () => {
    const items = Array.from({ length: 10 }, (_, i) => i);
    const parts = [1, 2, 3, 4].map((i) => shardSlice(items, parseShard(`${i}/4`)));
    expect(parts).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]);
    expect(() => parseShard('0/4')).toThrow(/I must be from 1 to N/);
    expect(() => parseShard('5/4')).toThrow(/I must be from 1 to N/);
    expect(() => parseShard('two/4')).toThrow(/is not I\/N/);
  });

  it('every vector (96 shared + the v1.9.2 ones) x every board: 4 shards merged = unsharded', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(96);
    const boards = listBoards().map((b) => b.id);
    const plan = planSweep({ boards, workloads: vectors, whatIfs: [], base: {}, seed: 1, scale: 1 });
    expect(plan.cases).toHaveLength(vectors.length * boards.length);
    const whole = runSweep(plan);
    const parts = [1, 2, 3, 4].map((i) => ({ name: `shard-${i}`, file: runSweep(plan, { index: i, count: 4 }) }));
    for (const p of parts) expect(Object.keys(p.file.cases).length).toBeLessThanOrEqual(Math.ceil(plan.cases.length / 4));
    // Shards may come back in any order.
    const merged = mergeShards([parts[2]!, parts[0]!, parts[3]!, parts[1]!]);
    expect(stableJson(merged)).toBe(stableJson(whole));
    // The matrix is not all errors: some vectors run on most 32-bit boards.
    const ran = Object.values(whole.cases).filter((c) => !('error' in c));
    expect(new Set(ran.map((c) => c.board)).size).toBeGreaterThanOrEqual(8);
    expect(() => mergeShards(parts.slice(0, 3))).toThrow(/shard 4\/4 missing/);
    // Twice the matrix on a shared machine: a generous limit (not an assertion on speed).
  }, 900_000);
});
