// Differential test against MicroPython v1.28.0's py/gc.c (split heaps, gap byte,
// gc_last_used_block, finaliser pass, weakref table), compiled on this machine by
// scripts/c-oracle from ../shared/reference/micropython/v1.28.0/py/gc.c (or the copy
// MCU_GC_V128_GC_C names). Skipped, saying why, without ../shared or without gcc-multilib.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffTrace, firstDifference } from '../../scripts/c-oracle/differ.js';
import { configOfTrace, oracleUnavailable, runOracle } from '../../scripts/c-oracle/oracle.js';
import { randomTrace128 } from '../../scripts/trace-gen.js';

const why = oracleUnavailable('v1.28');
if (why) console.warn(`test/oracle (v1.28) skipped: the C oracle cannot run here: ${why}`);

const vectors = join(new URL('.', import.meta.url).pathname, '../conformance/vectors');

describe.skipIf(why !== null)("engine = MicroPython v1.28.0's gc.c (C oracle)", () => {
  it('the oracle reproduces every v1.28 conformance vector byte for byte', () => {
    let n = 0;
    for (const f of readdirSync(vectors).filter((x) => x.endsWith('.trace')).sort()) {
      const text = readFileSync(join(vectors, f), 'utf8');
      if (!/^\s*gc\s+v1\.28\b/m.test(text)) continue;
      const expected = readFileSync(join(vectors, f.replace(/\.trace$/, '.expected')), 'utf8');
      expect(firstDifference(expected, runOracle(text).output), f).toBeUndefined();
      n++;
    }
    expect(n).toBeGreaterThanOrEqual(35);
  });

  it('a gc_add area holds its struct, and weak= lists the unreachable weakly referenced object', () => {
    // Second area: 36 bytes of area struct (9 words: next, ATB, len, FTB, WTB, pool start,
    // end, last free, last used), then ATB/gap/FTB/WTB, then the pool up to the aligned end.
    const t = [
      'gc v1.28', 'word 4', 'block 16', 'finaliser 1', 'split 1', 'weakref 1',
      'heap 0x20000000 0x20000400', 'heap 0x20001000 0x20001400',
      'alloc a 16', 'alloc b 16', 'weak a', 'weak b', 'root 0 b', 'collect', 'dump',
    ].join('\n') + '\n';
    const out = runOracle(t).output.split('\n');
    expect(out[0]).toBe('alloc a = 0x20000040');
    expect(out[1]).toBe('alloc b = 0x20000050');
    expect(out[2]).toBe('collect freed=1 finalised=- weak=0x20000040');
    // ((0x400 - 36) - 1) * 8 / (8 + 4 + 4 + 512) = 14 ATB bytes = 56 blocks = 0x380 bytes
    // below the end: pool from 0x20001080 (the first area, without a struct: 15 bytes, 0x40).
    expect(out).toContain('GC memory layout; from 20000040:');
    expect(out).toContain('GC memory layout; from 20001080:');
  });

  it('over 200 random v1.28 traces the engine prints what gc.c prints', () => {
    let lines = 0;
    let split = 0;
    let weakListed = 0;
    let exhausted = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const text = randomTrace128(seed, { ops: 250, version: 'v1.28' });
      const r = diffTrace(text);
      if (!r.same) {
        const d = r.difference!;
        expect.fail(
          `seed ${seed}: output line ${d.outputLine}: gc.c printed '${d.expected}', the engine '${d.got}' (npm run oracle -- --profile v1.28 --ops 250 --seed ${seed} --count 1)`,
        );
      }
      lines += r.cOutput.split('\n').length;
      if (configOfTrace(text).split) split++;
      if (/weak=0x/.test(r.cOutput)) weakListed++;
      if (/^alloc \S+ = NULL/m.test(r.cOutput)) exhausted++;
    }
    // The generator must reach the corners it is for, and produce real work.
    expect(split).toBeGreaterThan(70);
    expect(weakListed).toBeGreaterThan(30);
    expect(exhausted).toBeGreaterThan(100);
    expect(lines).toBeGreaterThan(200 * 50);
  });
});
