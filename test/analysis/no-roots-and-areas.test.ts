// analyze on images the capture used to produce badly: several areas where the emulated
// collection empties an added one (used to crash with "internal error: Cannot read properties
// of undefined (reading 'address')"), and images without roots (used to claim the collection
// frees every head, and --after passed with everything "freed by the emulator only").

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { emulateCollect } from '../../emulator/analysis/collect.js';
import type { HeapImage } from '../../emulator/image.js';
import { serializeImage } from '../../src/image/format.js';
import { WasmBoard } from '../../src/wasm/capture.js';
import { tempDir } from '../helpers/temp.js';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'mcu-gc.js');
const dir = tempDir('mcugc-noroots-');
const run = (...args: string[]): { code: number; out: string; err: string } => {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
};

let grown: HeapImage;
let deviceAreasAfter: number;

beforeAll(async () => {
  // A 16 KiB heap grown by split-heap-auto into added areas, then the only reference dropped:
  // the added areas hold garbage only, and the next collection gives them back.
  const b = await WasmBoard.open({ heapsize: 16 * 1024 });
  b.run('x = [bytearray(1000) for i in range(30)]');
  b.run('x = None');
  grown = b.capture('').image;
  b.run('import gc\ngc.collect()');
  deviceAreasAfter = b.capture('').image.areas.length;
}, 60_000);

describe('an emulated collection that empties an added area', () => {
  it('frees the area as the device does, without crashing', () => {
    expect(grown.areas.length).toBeGreaterThan(1);
    const w = emulateCollect(grown);
    expect(w.after.heap.areas.length).toBe(deviceAreasAfter);
    expect(deviceAreasAfter).toBeLessThan(grown.areas.length);
    // Every head that sat in an added area was freed.
    const addedPools = grown.areas.slice(1).map((a) => [a.start, a.end] as const);
    const inAdded = (addr: number): boolean => addedPools.some(([s, e]) => addr >= s && addr < e);
    expect(w.freed.filter((n) => inAdded(n.addr)).length).toBeGreaterThan(0);
    expect(w.kept.filter((n) => inAdded(n.addr))).toEqual([]);
  });

  it('analyze reports it and exits 0 (no internal error)', () => {
    const f = join(dir, 'grown.json');
    writeFileSync(f, serializeImage(grown));
    const r = run('analyze', f, '--no-dump');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Emulated gc\.collect\(\): frees \d+ heads .*; 2 emptied added area\(s\) go back to the system heap/);
  });
});

describe('an image without roots', () => {
  const noRoots = (): HeapImage => ({ ...grown, roots: [], stack: [] });

  it('analyze says the collection cannot be emulated instead of freeing everything', () => {
    const f = join(dir, 'noroots.json');
    writeFileSync(f, serializeImage(noRoots()));
    const r = run('analyze', f, '--no-dump', '--why', '0x' + (grown.areas[0]!.end - 16).toString(16));
    expect(r.code).toBe(0);
    expect(r.out).toContain('Emulated gc.collect(): not emulated: the image has no roots (no root-pointer section, no stack), so the collection cannot be emulated without roots');
    expect(r.out).not.toMatch(/frees \d+ heads/);
    const j = JSON.parse(run('analyze', f, '--json').out);
    expect(j.collect).toEqual({ emulated: false, reason: expect.stringContaining('cannot be emulated without roots') });
  });

  it('--after fails with one line instead of passing with everything "freed by the emulator only"', () => {
    const f = join(dir, 'noroots2.json');
    writeFileSync(f, serializeImage(noRoots()));
    const r = run('analyze', f, '--after', f);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe(`mcu-gc: --after ${f}: the image has no roots (no root-pointer section, no stack), so the collection cannot be emulated without roots (${f} has none)\n`);
  });
});
