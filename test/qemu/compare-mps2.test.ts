// compare --board=qemu against MicroPython v1.27.0's own qemu port (the ELF in ../shared) under
// QEMU mps2-an385: exact with the config, exact from the ELF alone, and the flags suggested
// for a wrong placement then match (test/compare/suggest.test.ts: also where guessed roots/types
// sit in the real heap).

import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QemuInstance } from '../../src/qemu/launch.js';
import { SHARED_QEMU_ELF, bootQemu, qemuSkipReason } from '../helpers/qemu.js';
import { cli, suggestedFlags } from './cli.js';

const skip = qemuSkipReason('mps2-an385');

describe.skipIf(!existsSync(SHARED_QEMU_ELF))('layout --elf (the v1.27.0 MPS2_AN385 ELF)', () => {
  it("gives the firmware's layout from the ELF alone, and says which values came from it", async () => {
    const r = await cli(['layout', '--elf', SHARED_QEMU_ELF]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("board qemu: the firmware's banner names 'mps2-an385'");
    expect(r.stdout).toMatch(/heap\.start = 0x2f2bc — symbol gc_heap/);
    expect(r.stdout).toMatch(/rootSection\.address = 0x2efc8 — mp_state_ctx/);
    expect(r.stdout).toMatch(/rootSection\.words = 51 /);
    expect(r.stdout).toContain('GC memory layout; from 2ffb0:');
    expect(r.stdout).toContain('GC: total: 140032');
  });

  it('refuses a firmware of another MicroPython release than the board describes', async () => {
    const r = await cli(['layout', '--board=microbit', '--elf', SHARED_QEMU_ELF]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/MicroPython v1\.27\.0 .* but board microbit describes v1\.9\.2/);
  });
});

describe.skipIf(skip)(`compare against the v1.27.0 qemu port under QEMU${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let q: QemuInstance;
  beforeAll(async () => {
    q = await bootQemu('mps2-an385');
  });
  afterAll(async () => {
    await q?.stop();
  });

  it('--board=qemu: exact layout match with no other flags, exit 0', async () => {
    const r = await cli(['compare', '--board=qemu', '--port', q.tty, '--no-save']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('layout: exact match — 1 area of 16-byte blocks: 0x2ffb0 (8752 blocks)');
    expect(r.stdout).not.toContain('✗');
    expect(r.code).toBe(0);
  });

  it('--elf alone (board from the firmware): exact match, the ELF values listed', async () => {
    const r = await cli(['compare', '--elf', SHARED_QEMU_ELF, '--port', q.tty, '--no-save']);
    expect(r.stdout).toMatch(/From the ELF .*MPS2_AN385\.elf \(MicroPython v1\.27\.0\)/);
    expect(r.stdout).toContain('layout: exact match');
    expect(r.code).toBe(0);
  });

  it('a wrong placement (the pre-ELF config\'s heap start) is explained, and the flags it suggests then match', async () => {
    // The pre-ELF config's gc_heap: the pool lands at 0x53740 instead of 0x2ffb0.
    const r = await cli(['compare', '--board=qemu', '--heap-start', '0x52a40', '--port', q.tty, '--no-save']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ pool start \(area 0\): device 0x2ffb0, config 0x53740/);
    const flags = suggestedFlags(r.stdout);
    expect(flags).toEqual(['--pool-start', '0x2ffb0', '--pool-total', '140032']);
    const again = await cli(['compare', '--board=qemu', ...flags!, '--port', q.tty, '--no-save']);
    expect(again.stdout).toContain('layout: exact match');
    expect(again.code).toBe(0);
  });
});
