// The fuzz checks themselves: what counts as keeping the "one line on stderr" promise.
import { describe, expect, it } from 'vitest';
import { outcomeProblems } from '../../scripts/fuzz/checks.js';
import { executeCase } from '../../scripts/fuzz/execute.js';

describe('outcomeProblems', () => {
  it('flags two error lines from one command', () => {
    expect(outcomeProblems({ code: 2, out: '', err: 'mcu-gc: a: bad\nmcu-gc: b: bad\n' })).toEqual(['2 lines on stderr']);
  });

  it("accepts a sweep's line per case that could not run plus its summary (run/check over several cases)", () => {
    const err = "mcu-gc: t.trace:9: the trace's heap does not fit (--board samd21)\nmcu-gc: 1 of 2 runs could not run (see above)\n";
    expect(outcomeProblems({ code: 2, out: '=== samd21 http-json ===\n', err })).toEqual([]);
  });

  it('does not let a summary line excuse more lines than failed cases', () => {
    const err = 'mcu-gc: a\nmcu-gc: b\nmcu-gc: 1 of 2 runs could not run (see above)\n';
    expect(outcomeProblems({ code: 2, out: '', err })).toEqual(['3 lines on stderr']);
  });

  it('flags internal errors and stack traces', () => {
    expect(outcomeProblems({ code: 70, out: '', err: 'mcu-gc: internal error: x\n    at f (a.js:1:2)\n' })).toEqual([
      'exit 70',
      'internal error',
      'stack trace',
      '2 lines on stderr',
    ]);
  });
});

describe('fuzz harness: spawned sample', () => {
  it('a command line with a NUL byte (no process can get one) runs in-process, not as a harness error', async () => {
    const r = await executeCase({ kind: 'argv', files: {}, argv: ['layout', '--board', 'esp32', '--heap-start', '0x3ffa\0ff00'] }, 0, { spawn: true });
    expect(r.spawned).toBe(false);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^mcu-gc: .*heap-start/);
  });
});
