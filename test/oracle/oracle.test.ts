// Differential test against MicroPython v1.9.4's real py/gc.c, compiled on this machine by
// scripts/c-oracle (needs ../shared/seeds beside the clone, or MCU_GC_V194_GC_C, and a C
// compiler that can build -m32). Without them the suite is skipped, saying why.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffTrace, firstDifference } from '../../scripts/c-oracle/differ.js';
import { oracleUnavailable, runOracle } from '../../scripts/c-oracle/oracle.js';
import { randomTrace194 } from '../../scripts/trace-gen.js';

const why = oracleUnavailable('v1.9.4');
if (why) console.warn(`test/oracle (v1.9.4) skipped: the C oracle cannot run here: ${why}`);

const vectors = join(new URL('.', import.meta.url).pathname, '../conformance/vectors');

describe.skipIf(why !== null)("engine = MicroPython v1.9.4's gc.c (C oracle)", () => {
  it('the oracle reproduces every v1.9.4 conformance vector byte for byte', () => {
    let n = 0;
    for (const f of readdirSync(vectors).filter((x) => x.endsWith('.trace')).sort()) {
      const text = readFileSync(join(vectors, f), 'utf8');
      if (!/^\s*gc\s+v1\.9\.4\b/m.test(text)) continue;
      const expected = readFileSync(join(vectors, f.replace(/\.trace$/, '.expected')), 'utf8');
      expect(firstDifference(expected, runOracle(text).output), f).toBeUndefined();
      n++;
    }
    expect(n).toBeGreaterThanOrEqual(17);
  });

  it('the oracle tells a device crash (stale free-run count) from a normal end', () => {
    // Fill the heap, drop everything, then ask for more than the tail run: v1.9.4 collects
    // and searches again without resetting n_free, so the run "starts" before block 0.
    const t = [
      'gc v1.9.4',
      'word 4',
      'block 16',
      'heap 0x20000000 0x20000400',
      ...Array.from({ length: 58 }, (_, i) => `alloc a${i} 16`),
      'root 0 a57',
      'alloc big 48',
    ].join('\n');
    const r = runOracle(t + '\n');
    expect(r.crashed).toBe(true);
    expect(r.output.trimEnd().split('\n').pop()).toBe('CRASH at 64');
    // The same trace with a block kept at the pool start is fine on a device.
    const ok = runOracle(t.replace('root 0 a57', 'root 0 a0') + '\n');
    expect(ok.crashed).toBe(false);
    expect(ok.output).toMatch(/alloc big = 0x/);
  });

  it('the driver keeps more than 65,536 handle names apart (its table grows)', () => {
    // 70,000 one-block objects, each named once, then a few of the first and last re-used.
    const n = 70000;
    const lines = ['gc v1.9.4', 'finaliser 0', 'heap 0x20000000 0x20200000'];
    for (let i = 0; i < n; i++) lines.push(`alloc o${i} 16`);
    lines.push('nbytes o0', `nbytes o${n - 1}`, 'free o0', `free o${n - 1}`, 'alloc again 16', 'info', 'stats');
    const r = diffTrace(lines.join('\n') + '\n');
    expect(r.same, r.difference?.expected).toBe(true);
    expect(r.cOutput).toContain(`alloc o${n - 1} = 0x`);
    expect(r.cOutput).toContain(`nbytes o${n - 1} = 16`);
  });

  it('over 200 random traces the engine prints what gc.c prints', () => {
    let crashed = 0;
    let lines = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const r = diffTrace(randomTrace194(seed, { ops: 400 }));
      if (!r.same) {
        const d = r.difference!;
        expect.fail(`seed ${seed}: output line ${d.outputLine}: gc.c printed '${d.expected}', the engine '${d.got}' (npm run oracle -- --seed ${seed} --count 1)`);
      }
      if (r.crashed) crashed++;
      lines += r.cOutput.split('\n').length;
    }
    // The generator must reach both endings and produce real work.
    expect(crashed).toBeGreaterThan(0);
    expect(crashed).toBeLessThan(150);
    expect(lines).toBeGreaterThan(200 * 50);
  });
});
