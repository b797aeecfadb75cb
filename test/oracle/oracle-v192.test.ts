// Differential test against MicroPython v1.9.2's py/gc.c (the BBC micro:bit's core), compiled
// on this machine by scripts/c-oracle from ../shared/reference/micropython/v1.9.2/py/gc.c (or
// MCU_GC_V192_GC_C). Skipped, saying why, without ../shared or without gcc-multilib.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TraceError, parseTrace, runTrace } from '../../emulator/index.js';
import { firstDifference } from '../../scripts/c-oracle/differ.js';
import { oracleUnavailable, readGcC, runOracle, sourcePath } from '../../scripts/c-oracle/oracle.js';
import { randomTrace194 } from '../../scripts/trace-gen.js';

const why = oracleUnavailable('v1.9.2');
if (why) console.warn(`test/oracle (v1.9.2) skipped: the C oracle cannot run here: ${why}`);
const why194 = oracleUnavailable('v1.9.4');

const vectors = join(new URL('.', import.meta.url).pathname, '../conformance/vectors');

describe.skipIf(why !== null)("engine = MicroPython v1.9.2's gc.c (C oracle)", () => {
  it('builds from v1.9.2\'s gc.c (marking through gc_drain_stack), not v1.9.4\'s', () => {
    const path = sourcePath('v1.9.2');
    expect(readGcC(path, 'v1.9.2')).toMatch(/STATIC void gc_drain_stack\(void\)/);
    expect(() => readGcC(path, 'v1.9.4')).toThrow(/is not MicroPython v1\.9\.4's py\/gc\.c/);
  });

  it('the oracle reproduces every v1.9.2 conformance vector byte for byte', () => {
    let n = 0;
    for (const f of readdirSync(vectors).filter((x) => x.endsWith('.trace')).sort()) {
      const text = readFileSync(join(vectors, f), 'utf8');
      if (!/^\s*gc\s+v1\.9\.2\b/m.test(text)) continue;
      const expected = readFileSync(join(vectors, f.replace(/\.trace$/, '.expected')), 'utf8');
      expect(firstDifference(expected, runOracle(text).output), f).toBeUndefined();
      n++;
    }
    expect(n).toBeGreaterThanOrEqual(14);
  });

  it('over 200 random v1.9.2 traces (mark stacks of 1 to 64) the engine prints what gc.c prints', () => {
    let lines = 0;
    let crashed = 0;
    let overflowed = 0;
    let sameAs194 = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const text = randomTrace194(seed, { version: 'v1.9.2', ops: 400 });
      const c = runOracle(text);
      // The engine run as scripts/c-oracle/differ.ts makes it, counting the overflow rescans.
      let rescans = 0;
      let engine: string;
      try {
        engine = runTrace(parseTrace(text), { onCollect: (rec) => (rescans += rec.overflowRescans) }).output;
      } catch (e) {
        if (!(e instanceof TraceError && e.crash)) throw e;
        engine = `${e.partialOutput ?? ''}CRASH at ${e.line}\n`;
      }
      const d = firstDifference(c.output, engine);
      if (d) {
        expect.fail(`seed ${seed}: output line ${d.outputLine}: gc.c printed '${d.expected}', the engine '${d.got}' (npm run oracle -- --profile v1.9.2 --seed ${seed} --count 1)`);
      }
      if (c.crashed) crashed++;
      else if (rescans > 0) overflowed++;
      lines += c.output.split('\n').length;
      // v1.9.4's gc_mark_subtree on the same trace: the C itself shows the two mark phases
      // agree, overflow included.
      if (why194 === null && runOracle(text.replace('gc v1.9.2', 'gc v1.9.4')).output === c.output) sameAs194++;
    }
    // The generator must reach the mark-stack overflow and both endings, and produce real work.
    expect(overflowed).toBeGreaterThan(10);
    expect(crashed).toBeGreaterThan(0);
    expect(crashed).toBeLessThan(150);
    expect(lines).toBeGreaterThan(200 * 50);
    if (why194 === null) expect(sameAs194).toBe(200);
  });
});
