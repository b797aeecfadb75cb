// Differential test against MicroPython v1.27.0's own py/gc.c (not the v1.28 file built
// without weakref), compiled on this machine by scripts/c-oracle from
// ../shared/reference/micropython/v1.27.0/py/gc.c (or MCU_GC_V127_GC_C). Skipped, saying
// why, without ../shared or without gcc-multilib.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffTrace, firstDifference } from '../../scripts/c-oracle/differ.js';
import { configOfTrace, oracleUnavailable, readGcC128, runOracle, sourcePath } from '../../scripts/c-oracle/oracle.js';
import { randomTrace128 } from '../../scripts/trace-gen.js';

const why = oracleUnavailable('v1.27');
if (why) console.warn(`test/oracle (v1.27) skipped: the C oracle cannot run here: ${why}`);

const vectors = join(new URL('.', import.meta.url).pathname, '../conformance/vectors');

describe.skipIf(why !== null)("engine = MicroPython v1.27.0's gc.c (C oracle)", () => {
  it('builds from a gc.c without the weakref table when ../shared has v1.27.0', () => {
    const body = readGcC128(sourcePath('v1.27'), false);
    if (!process.env.MCU_GC_V127_GC_C && sourcePath('v1.27').includes('v1.27.0')) {
      expect(body).not.toContain('gc_weakref_about_to_be_freed');
    }
  });

  it('the oracle reproduces every v1.27 conformance vector byte for byte', () => {
    let n = 0;
    for (const f of readdirSync(vectors).filter((x) => x.endsWith('.trace')).sort()) {
      const text = readFileSync(join(vectors, f), 'utf8');
      if (!/^\s*gc\s+v1\.27\b/m.test(text)) continue;
      const expected = readFileSync(join(vectors, f.replace(/\.trace$/, '.expected')), 'utf8');
      expect(firstDifference(expected, runOracle(text).output), f).toBeUndefined();
      n++;
    }
    expect(n).toBeGreaterThanOrEqual(44);
  });

  it('over 200 random v1.27 traces the engine prints what gc.c prints', () => {
    let lines = 0;
    let split = 0;
    let exhausted = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const text = randomTrace128(seed, { ops: 250, version: 'v1.27' });
      const r = diffTrace(text);
      if (!r.same) {
        const d = r.difference!;
        expect.fail(
          `seed ${seed}: output line ${d.outputLine}: gc.c printed '${d.expected}', the engine '${d.got}' (npm run oracle -- --profile v1.27 --ops 250 --seed ${seed} --count 1)`,
        );
      }
      lines += r.cOutput.split('\n').length;
      if (configOfTrace(text).split) split++;
      if (/^alloc \S+ = NULL/m.test(r.cOutput)) exhausted++;
    }
    expect(split).toBeGreaterThan(70);
    expect(exhausted).toBeGreaterThan(100);
    expect(lines).toBeGreaterThan(200 * 50);
  });
});
