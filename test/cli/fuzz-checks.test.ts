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

describe('fuzz harness: the case folder', () => {
  // Cases run in their own folder, so a relative file name in a mutated command line (an
  // output such as `--html esp32c3`) lands where the case's checks look and is cleaned up,
  // never in the folder the soak was started from. Shown here with a relative input.
  it.each([false, true])('a relative file name means the case folder (spawned: %s)', async (spawn) => {
    const trace = 'gc v1.27\nheap 0x20000000 0x20001000\ninfo\n';
    const r = await executeCase({ kind: 'trace', files: { 'rel.trace': trace }, argv: ['trace', 'rel.trace'] }, 0, { spawn });
    expect(r.spawned).toBe(spawn);
    expect(r.problems).toEqual([]);
    expect(r.code).toBe(0);
  });
});
