import { describe, expect, it } from 'vitest';
import { AddressSpace, MemoryError, Region } from '../../emulator/index.js';

describe('AddressSpace', () => {
  const mk = () =>
    new AddressSpace([
      { name: 'sram', kind: 'ram', base: 0x20000000, size: 0x1000 },
      { name: 'flash', kind: 'flash', base: 0x08000000, size: 0x100 },
    ]);

  it('rejects overlapping regions, naming both', () => {
    expect(
      () =>
        new AddressSpace([
          { name: 'a', kind: 'ram', base: 0x1000, size: 0x100 },
          { name: 'b', kind: 'ram', base: 0x10f8, size: 0x100 },
        ]),
    ).toThrow(/regions a .* and b .* overlap/);
  });

  it('reads and writes little-endian words', () => {
    const m = mk();
    m.write32(0x20000010, 0x11223344);
    expect(m.read8(0x20000010)).toBe(0x44);
    expect(m.read8(0x20000013)).toBe(0x11);
    expect(m.read32(0x20000010)).toBe(0x11223344);
    m.write32(0x20000021, 0xdeadbeef); // unaligned
    expect(m.read32(0x20000021)).toBe(0xdeadbeef);
  });

  it('handles 64-bit words, including values past 2^53', () => {
    const m = new AddressSpace([{ name: 'ram', kind: 'ram', base: 0x555500000000, size: 0x100 }], 8);
    m.writeWord(0x555500000010, 0x555500000420);
    expect(m.readWord(0x555500000010)).toBe(0x555500000420);
    m.writeWord(0x555500000018, 0xfedcba9876543211n);
    expect(m.read32(0x555500000018)).toBe(0x76543211);
    expect(m.read32(0x55550000001c)).toBe(0xfedcba98);
    m.writeWord(0x555500000020, -1);
    expect(m.read32(0x555500000024)).toBe(0xffffffff);
  });

  it('names the address of an access outside every region', () => {
    const m = mk();
    expect(() => m.read32(0x30000000)).toThrow(MemoryError);
    expect(() => m.read32(0x30000000)).toThrow('address 0x30000000 is outside every memory region');
  });

  it('refuses an access that runs across the end of a region', () => {
    const m = mk();
    expect(() => m.read32(0x20000ffe)).toThrow(/runs past the end of region sram \(ends at 0x20001000\)/);
    expect(() => m.fill(0x080000f0, 0x20)).toThrow(/flash/);
  });
});

describe('Region.moveTo (into a collect kernel memory)', () => {
  it('keeps every byte, including pages after all-zero ones, and the views keep the region length', () => {
    const r = new Region({ name: 'ram', kind: 'ram', base: 0x1000, size: 3 * 4096 + 24 });
    r.bytes[5] = 1;
    r.bytes[2 * 4096 + 7] = 0xaa;
    r.bytes[3 * 4096 + 23] = 0x55;
    const before = r.bytes.slice();
    const target = new ArrayBuffer(8 * 4096);
    r.moveTo(target);
    expect(r.bytes.buffer).toBe(target);
    expect(r.bytes.length).toBe(before.length);
    expect(r.u32.length).toBe(before.length / 4);
    expect(r.i32.length).toBe(before.length / 4);
    expect(Array.from(r.bytes)).toEqual(Array.from(before));
    expect(r.u32[(2 * 4096 + 4) >> 2]).toBe(0xaa000000);
  });
});
