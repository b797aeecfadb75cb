import { describe, expect, it } from 'vitest';
import { computeAreaLayout, defaultConfig, areaStructSize } from '../../emulator/index.js';

// Worked layouts from MicroPython's gc_setup_area arithmetic (ports.md §14; the unix
// rows were verified there against a real v1.27 build).
describe('gc_setup_area layout arithmetic', () => {
  const v127 = defaultConfig('v1.27', 4);

  it.each([
    ['esp32 56 KiB', 0x3ffb0000, 56 * 1024, 875, 438, 3500, 56000],
    ['esp32-s3 64 KiB', 0x3fc90000, 64 * 1024, 1000, 500, 4000, 64000],
    ['esp32-c2 36 KiB', 0x3fca0000, 36 * 1024, 562, 281, 2248, 35968],
    ['qemu 143360', 0x20000, 143360, 2188, 1094, 8752, 140032],
    ['teensy41 OCRAM', 0x20200000, 0xc0000, 12006, 6003, 48024, 768384],
  ])('%s', (_n, start, size, atb, ftb, blocks, pool) => {
    const l = computeAreaLayout(v127, start, start + size);
    expect(l.atbLen).toBe(atb);
    expect(l.ftbLen).toBe(ftb);
    expect(l.blocks).toBe(blocks);
    expect(l.poolBytes).toBe(pool);
    expect(l.poolEnd - l.poolStart).toBe(pool);
    // gap byte right after the ATB, FTB after it; the pool is anchored at the end
    expect(l.gapByte).toBe(start + atb);
    expect(l.ftbStart).toBe(start + atb + 1);
    expect(l.poolEnd).toBe(start + size);
  });

  it('unix 64-bit 2 MiB heap (verified pool 2072832)', () => {
    const l = computeAreaLayout(defaultConfig('v1.27', 8), 0x7f0000000010, 0x7f0000000010 + 2097136);
    expect(l.atbLen).toBe(16194);
    expect(l.poolBytes).toBe(2072832);
  });

  it('aligns the end down to the block size', () => {
    const l = computeAreaLayout(v127, 0x1000, 0x2009);
    expect(l.end).toBe(0x2000);
    expect(l.poolEnd).toBe(0x2000);
  });

  it('v1.9.4 has no gap byte: the FTB starts right after the ATB', () => {
    const l = computeAreaLayout(defaultConfig('v1.9.4', 4), 0x1000, 0x1000 + 65536);
    expect(l.gapByte).toBeUndefined();
    expect(l.ftbStart).toBe(0x1000 + l.atbLen);
    expect(l.atbLen).toBe(Math.floor((65536 * 8) / 524));
  });

  it('v1.28 weakref adds a WTB after the FTB and shrinks the pool (64 KiB: 3968 blocks)', () => {
    const c = { ...defaultConfig('v1.28', 4), weakref: true };
    const l = computeAreaLayout(c, 0x1000, 0x1000 + 65536);
    expect(l.atbLen).toBe(992);
    expect(l.wtbLen).toBe(496);
    expect(l.wtbStart).toBe(l.ftbStart! + l.ftbLen);
    expect(l.poolBytes).toBe(63488);
  });

  it('without finaliser there is no FTB', () => {
    const l = computeAreaLayout({ ...v127, finaliser: false }, 0x1000, 0x1800);
    expect(l.ftbLen).toBe(0);
    expect(l.atbLen).toBe(Math.floor((0x800 - 1) / 65));
  });

  it('gc_add puts the area descriptor first: 32 bytes with finaliser+split (32-bit), 64 on 64-bit, +1 word with weakref', () => {
    const c = { ...v127, split: true };
    expect(areaStructSize(c)).toBe(32);
    expect(areaStructSize({ ...defaultConfig('v1.27', 8), split: true })).toBe(64);
    expect(areaStructSize({ ...defaultConfig('v1.28', 4), split: true, weakref: true })).toBe(36);
    const l = computeAreaLayout(c, 0x10003e64, 0x10004264, true);
    expect(l.descriptor).toEqual({ address: 0x10003e64, size: 32 });
    expect(l.atbStart).toBe(0x10003e84);
    expect(l.poolStart).toBe(0x10003ea0); // as the conformance vector basic-1002 prints
  });

  it('a tight area whose rounded-up FTB/WTB ends inside the pool is laid out as a release build does', () => {
    // gc_add(0x20010ffd, 0x2001140a), v1.28 with finaliser, split and weakref: gc.c only
    // asserts pool_start >= tables end, so NDEBUG builds share that byte.
    const c = { ...defaultConfig('v1.28', 4), split: true, weakref: true };
    const l = computeAreaLayout(c, 0x20010ffd, 0x2001140a, true);
    expect(l.tablesEnd).toBe(0x20011041);
    expect(l.poolStart).toBe(0x20011040);
    expect(l.slack).toBe(-1);
  });

  it('rejects a heap too small for one ATB byte', () => {
    expect(() => computeAreaLayout(v127, 0x1000, 0x1010)).toThrow(/too small/);
  });
});
