// Port-config regression: every board's layout and every built-in workload's run output must
// match the stored snapshot in test/golden/. Regenerate deliberately with `npm run snapshots`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { goldenCases } from '../../src/boards/golden.js';

const golden = new URL('../golden/', import.meta.url).pathname;

describe('golden snapshots (npm run snapshots regenerates them)', () => {
  const cases = goldenCases();
  it('covers every board with a layout and every built-in workload', () => {
    expect(cases.filter((c) => c.what === 'layout').length).toBeGreaterThanOrEqual(16);
    expect(cases.length).toBeGreaterThanOrEqual(16 * 6);
  });
  for (const c of cases) {
    it(`${c.board}: ${c.what}`, () => {
      let expected: string;
      try {
        expected = readFileSync(join(golden, c.file), 'utf8');
      } catch {
        throw new Error(`no snapshot test/golden/${c.file}: run npm run snapshots and review it`);
      }
      const got = c.render();
      // Compare line arrays: on a mismatch vitest prints a line diff, not two huge strings.
      if (got !== expected) expect(got.split('\n')).toEqual(expected.split('\n'));
    });
  }
});
