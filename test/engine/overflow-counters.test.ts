// The pause model reads each collection's work counters (emulator/pause.ts): words examined,
// heads marked, overflow rescans, blocks swept. The overflow rescans only re-read what
// gc_deal_with_stack_overflow would find new and count the rest; these values were taken
// from the literal rescan loop (every MARK head's chain read again on every pass, as gc.c
// does), so a change that miscounts fails here.
import { describe, expect, it } from 'vitest';
import { parseTrace, runTrace } from '../../emulator/index.js';
import { deepChainTrace } from '../../scripts/bench-gen.js';
import { randomTrace128 } from '../../scripts/trace-gen.js';

function counters(text: string): number[][] {
  const out: number[][] = [];
  runTrace(parseTrace(text), { onCollect: (r) => out.push([r.marked, r.scannedWords, r.overflowRescans, r.sweptBlocks]) });
  return out;
}

function totals(text: string): number[] {
  return counters(text).reduce((s, c) => s.map((x, i) => x + c[i]!), [0, 0, 0, 0]);
}

describe('mark-stack overflow: work counters as gc.c does the work', () => {
  it('a deep chain with side branches on one area (gcstack 16)', () => {
    expect(counters(deepChainTrace(3000, 2, 5))).toEqual([
      [3000, 71456, 2, 135048],
      [3000, 71456, 2, 135048],
    ]);
  });

  it.each([
    [2, [104, 4656, 4, 1931]],
    [7, [146, 15888, 12, 1918]],
    [22, [546, 53174, 14, 45361]],
  ])('split heaps (2-3 areas), gcstack 2, random trace %i', (seed, want) => {
    const text = randomTrace128(seed, { ops: 300 }).replace(/^gcstack \d+/m, 'gcstack 2');
    expect(/^split 1/m.test(text)).toBe(true);
    expect(totals(/^gcstack/m.test(text) ? text : `gcstack 2\n${text}`)).toEqual(want);
  });
});
