// Port-config regression for the shipped boards, with the machinery of `mcu-gc check`:
// each board's layout and every built-in workload's results (GC totals, collections, peak,
// largest free run, fragmentation, pauses, final mem_info(1) dump) must match
// test/golden/<board>.json. Regenerate deliberately with `npm run snapshots`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { goldenBoards, stableJson } from '../../src/boards/golden.js';
import { parseCheckFile } from '../../src/boards/sweep.js';
import { differenceLines, verify } from '../../src/report/check-diff.js';

const golden = new URL('../golden/', import.meta.url).pathname;

describe('golden files (npm run snapshots regenerates them)', () => {
  const boards = goldenBoards();
  it('covers every shipped board', () => {
    expect(boards.length).toBeGreaterThanOrEqual(16);
  });
  for (const g of boards) {
    it(g.board, () => {
      let text: string;
      try {
        text = readFileSync(join(golden, g.file), 'utf8');
      } catch {
        throw new Error(`no golden file test/golden/${g.file}: run npm run snapshots and review it`);
      }
      const now = g.run();
      // The words first (what a porter reads), then byte equality (key order, anything unworded).
      expect(differenceLines(verify(parseCheckFile(text, g.file), now, true))).toEqual([]);
      const got = stableJson(now);
      if (got !== text) expect(got.split('\n')).toEqual(text.split('\n'));
    });
  }
});
