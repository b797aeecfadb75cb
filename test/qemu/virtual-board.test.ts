// `mcu-gc virtual-board --qemu` as a user runs it: the tty on stdout, a client talks to the
// firmware through the --link, and SIGTERM stops QEMU (by its pid) and removes the link.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_QEMU_ELF, qemuSkipReason, processAlive, processAlive as alive } from '../helpers/qemu.js';
import { CLI, runCli as cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

/** Starts the command and resolves once it printed the tty and its status line. */
function startBoard(args: string[]): Promise<{ child: ChildProcess; tty: string; status: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [CLI, 'virtual-board', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (out.includes('\n') && err.includes('\n')) resolve({ child, tty: out.split('\n')[0]!, status: err, exited });
    };
    child.stdout!.on('data', (d) => ((out += String(d)), check()));
    child.stderr!.on('data', (d) => ((err += String(d)), check()));
    void exited.then((code) => reject(new Error(`virtual-board exited (${code}): ${err}`)));
  });
}

describe('virtual-board --qemu, bad input', () => {
  it('a missing firmware is one line naming it, exit 2, nothing left running', async () => {
    const r = await cli(['virtual-board', '--qemu', 'mps2-an385', '--firmware', '/nonexistent/fw.elf']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/\/nonexistent\/fw\.elf: firmware not found|apt-get install qemu-system-arm/);
  });

  it('--firmware without --qemu is refused', async () => {
    const r = await cli(['virtual-board', '--firmware', 'x.elf']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--firmware goes with --qemu/);
  });
});

for (const machine of ['microbit', 'mps2-an385'] as const) {
  const skip = qemuSkipReason(machine);
  describe.skipIf(skip)(`virtual-board --qemu ${machine}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    it('prints the tty, serves a client through --link, and SIGTERM stops QEMU and removes the link', async () => {
      const link = join(tempDir('mcu-gc-vbq-'), 'board');
      const args = ['--qemu', machine, '--link', link, ...(machine === 'mps2-an385' ? ['--firmware', SHARED_QEMU_ELF] : [])];
      const b = await startBoard(args);
      let qemuPid = 0;
      try {
        expect(b.tty).toMatch(/^\/dev\/pts\/\d+$/);
        expect(readlinkSync(link)).toBe(b.tty);
        qemuPid = Number(/QEMU \(pid (\d+)\)/.exec(b.status)?.[1]);
        expect(alive(qemuPid)).toBe(true);
        const r = await cli(['exec', '--port', link, 'import gc; print(gc.mem_free() + gc.mem_alloc())']);
        expect(r.stderr).toBe('');
        expect(r.stdout.trim()).toBe(machine === 'microbit' ? '10048' : '140032');
        // Listed by `ports` (a pty is in no system list), with the board to compare it with.
        const ports = await cli(['ports']);
        const line = ports.stdout.split('\n').find((l) => l.startsWith(`${b.tty} `));
        expect(line).toMatch(/mcu-gc virtual board \(.* under QEMU, pid \d+, link .*board; --board=(microbit|qemu)\)/);
        expect(line).toContain(`--board=${machine === 'microbit' ? 'microbit' : 'qemu'})`);
        expect(line).toContain(`pid ${b.child.pid},`);
      } finally {
        b.child.kill('SIGTERM');
      }
      expect(await b.exited).toBe(0);
      expect(alive(qemuPid)).toBe(false);
      // Gone from the list (its pid: the pty's number may already serve another board).
      expect((await cli(['ports'])).stdout).not.toContain(`under QEMU, pid ${b.child.pid},`);
      expect(existsSync(link) || (() => { try { return lstatSync(link).isSymbolicLink(); } catch { return false; } })()).toBe(false);
    });
  });
}

describe.skipIf(qemuSkipReason('microbit'))('virtual-board --qemu killed with SIGKILL', () => {
  it('takes its QEMU with it (no exit hook runs: the kernel stops QEMU, started with a parent-death signal)', async () => {
    const b = await startBoard(['--qemu', 'microbit']);
    const qemuPid = Number(/QEMU \(pid (\d+)\)/.exec(b.status)?.[1]);
    expect(processAlive(qemuPid)).toBe(true);
    try {
      b.child.kill('SIGKILL');
      await b.exited;
      const t0 = Date.now();
      while (processAlive(qemuPid) && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 50));
      expect(processAlive(qemuPid)).toBe(false);
    } finally {
      // Had it survived, it must not outlive the test.
      if (processAlive(qemuPid)) process.kill(qemuPid, 'SIGKILL');
    }
  });
});
