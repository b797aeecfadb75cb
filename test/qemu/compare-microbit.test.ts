// compare --board=microbit against the real BBC micro:bit firmware under QEMU: an exact layout
// match with no flags; a wrong placement explained, with flags that then match; a wrong board
// reported as another platform before any flag; compare --script keeps the device's tables.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QemuInstance } from '../../src/qemu/launch.js';
import { bootQemu, qemuSkipReason } from '../helpers/qemu.js';
import { tempDir } from '../helpers/temp.js';
import { cli, suggestedFlags } from './cli.js';

const skip = qemuSkipReason('microbit');

describe('layout --board=microbit', () => {
  it('prints what the firmware prints: GC: total: 10048, from 200004a0, out of 1800', async () => {
    const r = await cli(['layout', '--board=microbit']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('GC: total: 10048');
    expect(r.stdout).toContain('GC memory layout; from 200004a0:');
    expect(r.stdout).toContain('stack: … out of 1800');
    expect(r.stdout).toContain('gc v1.9.2');
    // Not the "used: 0" no real board prints at its REPL.
    expect(r.stdout).toMatch(/at the REPL, used: 544-576 B is the firmware's own boot allocations/);
  });
});

describe.skipIf(skip)(`compare against micro:bit MicroPython under QEMU${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let q: QemuInstance;
  beforeAll(async () => {
    q = await bootQemu('microbit');
  });
  afterAll(async () => {
    await q?.stop();
  });

  it('--board=microbit: exact layout match with no other flags, exit 0', async () => {
    const r = await cli(['compare', '--board=microbit', '--port', q.tty, '--no-save']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('layout: exact match — 1 area of 16-byte blocks: 0x200004a0 (628 blocks)');
    expect(r.stdout).not.toContain('✗');
    expect(r.code).toBe(0);
  });

  it('a wrong heap placement is explained, and the flags it suggests give the match', async () => {
    const r = await cli(['compare', '--board=microbit', '--heap-start', '0x20000800', '--port', q.tty, '--no-save']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ pool start \(area 0\): device 0x200004a0, config 0x200008c0/);
    const flags = suggestedFlags(r.stdout);
    expect(flags).toEqual(['--pool-start', '0x200004a0', '--pool-total', '10048']);
    const again = await cli(['compare', '--board=microbit', ...flags!, '--port', q.tty, '--no-save']);
    expect(again.stdout).toContain('layout: exact match');
    expect(again.code).toBe(0);
  });

  it('another board is a platform mismatch, said before anything else and with no placement flags', async () => {
    const r = await cli(['compare', '--board=nrf52840', '--port', q.tty, '--no-save']);
    expect(r.code).toBe(1);
    const first = r.stdout.indexOf('platform mismatch');
    expect(first).toBeGreaterThan(-1);
    expect(r.stdout).toMatch(/device microbit, config port nrf/);
    expect(r.stdout).toContain('compare with --board=microbit');
    expect(r.stdout.indexOf('✗')).toBeGreaterThan(first);
    expect(suggestedFlags(r.stdout)).toBeUndefined();
  });

  it('compare --script: the device tables are kept; the emulator has no counterpart, said so (not zeros)', async () => {
    const dir = tempDir('mcu-gc-cmp-');
    const script = join(dir, 'grow.py');
    writeFileSync(script, 'keep = [bytearray(40) for i in range(20)]\n');
    const r = await cli(['compare', '--board=microbit', '--script', script, '--port', q.tty, '--no-save']);
    expect(r.stdout).toContain('layout: exact match');
    expect(r.stdout).not.toContain('no block tables to compare');
    expect(r.stdout).toMatch(/block diff: not compared — .*grow\.py ran on the device only/);
    // The device's bytearrays show under A; the emulator column is '-', not 0.
    const row = /^ {2}A bytearray or array +(\d+) +(\S+)$/m.exec(r.stdout);
    expect(row).not.toBeNull();
    expect(Number(row![1])).toBeGreaterThanOrEqual(20);
    expect(row![2]).toBe('-');
    expect(r.code).toBe(0);
  });
});
