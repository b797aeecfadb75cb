// The ELF reader on MicroPython's real v1.27.0 qemu-port firmware: the symbols that
// reference/real-firmware.md lists (read there with arm-none-eabi-nm).

import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readElf, typeObjects } from '../../src/elf/read.js';
import { UserError } from '../../src/errors.js';
import { SHARED_QEMU_ELF } from '../helpers/qemu.js';
import { tempDir } from '../helpers/temp.js';

describe('readElf', () => {
  it('refuses a file that is not an ELF with one line naming it', async () => {
    const dir = tempDir('mcu-gc-elf-');
    const hex = join(dir, 'firmware.hex');
    writeFileSync(hex, ':020000040000FA\n');
    await expect(readElf(hex)).rejects.toThrow(UserError);
    await expect(readElf(hex)).rejects.toThrow(/firmware\.hex: not an ELF file/);
  });

  it('fails with one line for a missing file', async () => {
    await expect(readElf('/nonexistent/fw.elf')).rejects.toThrow(/\/nonexistent\/fw\.elf: cannot read/);
  });

  it('refuses a truncated ELF without crashing', async () => {
    const dir = tempDir('mcu-gc-elf-');
    const f = join(dir, 'cut.elf');
    writeFileSync(f, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 40, 0]));
    await expect(readElf(f)).rejects.toThrow(UserError);
  });
});

describe.skipIf(!existsSync(SHARED_QEMU_ELF))('the v1.27.0 MPS2_AN385 firmware (../shared)', () => {
  it('has the symbols real-firmware.md lists', async () => {
    const elf = await readElf(SHARED_QEMU_ELF);
    expect(elf.bits).toBe(32);
    expect(elf.littleEndian).toBe(true);
    expect(elf.machine).toMatch(/ARM/);
    expect(elf.symbols.get('gc_heap')).toMatchObject({ address: 0x2f2bc, size: 143360, kind: 'object' });
    expect(elf.address('mp_state_ctx')).toBe(0x2efbc);
    expect(elf.address('_ebss')).toBe(0x522dc);
    expect(elf.address('_estack')).toBe(0x400000);
    expect(elf.address('mp_type_str')).toBe(0x2b848);
    // Thumb functions: the address is the even one the code starts at.
    expect(elf.address('gc_alloc')! % 2).toBe(0);
    expect(elf.symbols.get('gc_alloc')!.kind).toBe('function');
  });

  it('maps type objects by address and reads initialised bytes', async () => {
    const elf = await readElf(SHARED_QEMU_ELF);
    const types = typeObjects(elf);
    expect(types.get(0x2b848)).toBe('str');
    expect([...types.values()]).toContain('list');
    expect([...types.values()]).toContain('dict');
    // mp_type_str's first word is its base's type pointer: mp_type_type, another type object.
    const word = elf.read(0x2b848, 4)!;
    const base = word[0] | (word[1] << 8) | (word[2] << 16) | (word[3] << 24);
    expect(types.get(base >>> 0)).toBe('type');
    // .bss has no bytes in the file.
    expect(elf.read(elf.address('gc_heap')!, 4)).toBeUndefined();
  });
});
