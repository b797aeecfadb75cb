// `mcu-gc run` with gctrace vectors on a board (the two failures) and as a sweep
// over boards × workloads × what-if flags, split with --shard I/N.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const bin = new URL('../../bin/mcu-gc.js', import.meta.url).pathname;
const vectors = new URL('../conformance/vectors/', import.meta.url).pathname;

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('run with a gctrace on a board', () => {
  it('split 0 and split 1 vectors run on esp32 (a split-heap-auto board)', () => {
    // basic-1000: `split 0` (no growth); exhaust-1010: `split 1` with gc_add areas the sweep gives back.
    for (const v of ['basic-1000', 'exhaust-1010']) {
      const r = cli(['run', '--board=esp32', `${vectors}${v}.trace`]);
      expect(r.err, v).toBe('');
      expect(r.code, v).toBe(0);
      expect(r.out).toMatch(/^--- trace output ---$/m);
    }
    const grown = cli(['run', '--board=esp32', `${vectors}exhaust-1010.trace`]).out;
    expect(grown).toMatch(/^split-heap-auto\s+added \d+ area\(s\), gave back [1-9]\d*;/m);
  });

  it('a trace whose heap the board cannot hold, or for another word size: one line, exit 2', () => {
    const r = cli(['run', '--board=pyboard', `${vectors}basic-1000.trace`]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `mcu-gc: ${vectors}basic-1000.trace:9: the trace's heap [0x3ffb00a0, 0x3ffb20a4) does not fit in pyboard's RAM (ccmram 0x10000000..0x10010000, ram 0x20000000..0x20020000) (--board pyboard)\n`,
    );
    const w = cli(['run', '--board=esp32', `${vectors}weak-1011.trace`]);
    expect(w.code).toBe(2);
    expect(w.err).toMatch(/^mcu-gc: \S+weak-1011\.trace:3: the trace is for 64-bit words \('word 8'\) but esp32 is a 32-bit board: run it on a 64-bit board \(--board esp32\)\n$/);
    const h = cli(['run', '--board=esp32', '--heap-size', '64K', `${vectors}basic-1000.trace`]);
    expect(h.code).toBe(2);
    expect(h.err).toMatch(/basic-1000\.trace:9: the trace places its own heap here: drop --heap-size\n$/);
  });
});

describe('run as a sweep', () => {
  const plan = ['run', '--board', 'esp32', '--board', 'samd21', 'dict-cache', 'string-building', '--what-if=--block-size 32', '--scale', '0.2'];

  it('shards 1/3..3/3 print, in order, exactly what the unsharded sweep prints', () => {
    const all = cli(plan);
    expect(all.code).toBe(0);
    expect(all.out.match(/^=== .* ===$/gm)).toEqual([
      '=== esp32 dict-cache ===',
      '=== esp32 string-building ===',
      '=== esp32 dict-cache --block-size 32 ===',
      '=== esp32 string-building --block-size 32 ===',
      '=== samd21 dict-cache ===',
      '=== samd21 string-building ===',
      '=== samd21 dict-cache --block-size 32 ===',
      '=== samd21 string-building --block-size 32 ===',
    ]);
    const parts = [1, 2, 3].map((i) => cli([...plan, '--shard', `${i}/3`]));
    for (const p of parts) expect(p.code).toBe(0);
    expect(parts.map((p) => p.out).join('')).toBe(all.out);
  });

  it('a case that cannot run prints its line and the sweep goes on; exit 2', () => {
    const r = cli(['run', '--board', 'esp32', '--board', 'pyboard', `${vectors}basic-1000.trace`]);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/^=== esp32 \S+basic-1000\.trace ===$/m);
    const lines = r.err.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/does not fit in pyboard's RAM/);
    expect(lines[1]).toBe('mcu-gc: 1 of 2 runs could not run (see above)');
  });
});
