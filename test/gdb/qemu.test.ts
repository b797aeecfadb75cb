// The GDB client against QEMU's real stub (mps2-an385, halted at reset): qSupported, the
// halt reason, registers at reset, memory reads larger than a packet equal to the ELF's
// bytes, a breakpoint on gc_init and its arguments (r0, r1 = the heap's bounds).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GdbClient } from '../../src/gdb/client.js';
import { readElf } from '../../src/elf/read.js';
import type { QemuInstance } from '../../src/qemu/launch.js';
import { bootQemu, qemuSkipReason, SHARED_QEMU_ELF } from '../helpers/qemu.js';

const skip = qemuSkipReason('mps2-an385');

describe.skipIf(skip)(`GdbClient on QEMU's stub${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let q: QemuInstance;
  let g: GdbClient;
  beforeAll(async () => {
    q = await bootQemu('mps2-an385', { gdb: 'auto', halted: true });
    g = await GdbClient.connect('127.0.0.1', q.gdbPort!, { retryMs: 5000 });
  });
  afterAll(async () => {
    g?.close();
    await q?.stop();
  });

  it('reads registers and memory of the halted firmware', async () => {
    expect(g.packetSize).toBeGreaterThanOrEqual(256);
    expect(await g.haltReason()).toMatchObject({ kind: 'signal', code: 5 });
    const regs = await g.readRegisters();
    const elf = await readElf(SHARED_QEMU_ELF);
    // From address 0: the vector table (initial SP, reset handler, ...) and code, as linked.
    const want = elf.read(0, 3 * g.packetSize)!;
    const got = await g.readMemory(0, 3 * g.packetSize);
    expect(Buffer.from(got).equals(Buffer.from(want))).toBe(true);
    expect(regs[13]).toBe(want[0]! | (want[1]! << 8) | (want[2]! << 16) | (want[3]! << 24));
  });

  it('stops at a breakpoint on gc_init with the heap bounds in r0 and r1', async () => {
    const elf = await readElf(SHARED_QEMU_ELF);
    const gcInit = elf.address('gc_init')!;
    await g.insertBreakpoint(gcInit);
    const stop = await g.resume(20_000);
    expect(stop).toMatchObject({ kind: 'signal', code: 5 });
    const r = await g.readRegisters();
    expect(r[15]).toBe(gcInit);
    expect(r[0]).toBe(elf.address('gc_heap'));
    expect(r[1]! - r[0]!).toBe(elf.symbols.get('gc_heap')!.size);
    await g.removeBreakpoint(gcInit);
  });
});
