// The QEMU launcher against the real firmwares: the pty it reports is the firmware's UART
// (the REPL answers through mcu-gc's own serial path), a GDB stub can be asked for, and
// stop() ends QEMU by its pid.

import { describe, expect, it } from 'vitest';
import { bootQemu, qemuSkipReason, processAlive as alive } from '../helpers/qemu.js';
import { connect as netConnect } from 'node:net';
import { qemuUnavailable } from '../../src/qemu/launch.js';
import { runCli as cli } from '../helpers/cli.js';

function haltReason(port: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const sock = netConnect(port, '127.0.0.1');
    let got = '';
    sock.on('connect', () => sock.write('$?#3f'));
    sock.on('data', (d) => {
      got += d.toString('latin1');
      if (/\$[^#]*#[0-9a-f]{2}/.test(got)) {
        sock.end();
        resolve(got);
      }
    });
    sock.on('error', reject);
  });
}

async function retry<T>(f: () => Promise<T>, times: number, delayMs: number): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await f();
    } catch (e) {
      if (i + 1 >= times) throw e;
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}


describe('qemuUnavailable', () => {
  it('names the firmware and how to get it when the file is missing', () => {
    const why = qemuUnavailable('mps2-an385', '/nonexistent/firmware.elf');
    // Either QEMU itself is missing (and it says which package), or the firmware is.
    expect(why).toMatch(/apt-get install qemu-system-arm|\/nonexistent\/firmware\.elf: firmware not found/);
  });
});

for (const machine of ['microbit', 'mps2-an385'] as const) {
  const skip = qemuSkipReason(machine);
  describe.skipIf(skip)(`${machine} under QEMU${skip ? ` (skipped: ${skip})` : ''}`, () => {
    it('reports the UART pty, answers on the raw REPL, and stops by pid', async () => {
      const q = await bootQemu(machine);
      try {
        expect(q.tty).toMatch(/^\/dev\/pts\/\d+$/);
        const r = await cli(['exec', '--port', q.tty, 'import gc; print(gc.mem_free() + gc.mem_alloc())']);
        expect(r.stderr).toBe('');
        // GC totals the real firmwares print (reference/real-firmware.md).
        expect(r.stdout.trim()).toBe(machine === 'microbit' ? '10048' : '140032');
      } finally {
        await q.stop();
      }
      expect(alive(q.pid)).toBe(false);
    });
  });
}

const skip = qemuSkipReason('mps2-an385');
describe.skipIf(skip)('GDB stub', () => {
  it('opens a GDB remote stub on a free port when asked, with the CPU halted', async () => {
    const q = await bootQemu('mps2-an385', { gdb: 'auto', halted: true });
    try {
      expect(q.gdbPort).toBeGreaterThan(0);
      // The stub answers the remote protocol's halt-reason query with a stop packet. QEMU may
      // report the pty a moment before the stub listens: retry the connection briefly.
      const reply = await retry(() => haltReason(q.gdbPort!), 20, 100);
      expect(reply).toMatch(/\$T05|\$S05/);
    } finally {
      await q.stop();
    }
    expect(alive(q.pid)).toBe(false);
  });
});
