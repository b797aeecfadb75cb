// Ctrl-C during `capture --ram` on the real micro:bit firmware under QEMU: the board is
// interrupted (Ctrl-C sent to it, its KeyboardInterrupt drained), the snapshot already taken
// is kept, and the very next commands work (they used to fail: the board kept streaming).

import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QemuInstance } from '../../src/qemu/launch.js';
import { bootQemu, qemuSkipReason } from '../helpers/qemu.js';
import { tempDir } from '../helpers/temp.js';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'mcu-gc.js');

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 99) : 0;
      resolve({ code: typeof code === 'number' ? code : 99, stdout, stderr });
    });
  });
}

/** capture --ram, with SIGINT `delayMs` after the snapshot is saved (the RAM read starts then). */
function interruptedCapture(port: string, cwd: string, delayMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, 'capture', '--port', port, '--ram', '--out', 'snap.json', '--no-progress'], { cwd });
    let stdout = '';
    let stderr = '';
    let sent = false;
    p.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!sent && stdout.includes('saved snap.json')) {
        sent = true;
        setTimeout(() => p.kill('SIGINT'), delayMs);
      }
    });
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const skip = qemuSkipReason('microbit');
describe.skipIf(skip)(`Ctrl-C during capture --ram (micro:bit under QEMU)${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let q: QemuInstance;
  beforeAll(async () => {
    q = await bootQemu('microbit');
  }, 30_000);
  afterAll(async () => {
    await q?.stop();
  });

  it('interrupts the board, keeps the snapshot, and leaves the REPL usable', async () => {
    const outcomes = new Set<string>();
    // A few points in the read: while its commands are sent and while they run.
    for (const delay of [20, 150, 400]) {
      const dir = tempDir('mcu-gc-sigint-');
      const r = await interruptedCapture(q.tty, dir, delay);
      expect(r.stderr).not.toMatch(/internal error/);
      if (r.code === 130) {
        outcomes.add('interrupted');
        expect(r.stderr).toContain('interrupting the board');
        expect(r.stderr).toMatch(/mcu-gc: --ram: interrupted \(Ctrl-C\); the board is back at its prompt \(the snapshot snap\.json is saved; no heap image was written\)\n$/);
        expect(existsSync(join(dir, 'snap.heap.json'))).toBe(false);
      } else {
        // The read had finished when Ctrl-C came: everything was kept.
        outcomes.add('finished');
        expect(r.code, r.stderr).toBe(0);
        expect(existsSync(join(dir, 'snap.heap.json'))).toBe(true);
      }
      // Nothing captured is lost: the snapshot is complete and valid.
      expect(JSON.parse(readFileSync(join(dir, 'snap.json'), 'utf8')).complete).toBe(true);
      // The next two commands work at once.
      const a = await cli(['exec', '--port', q.tty, 'print(6*7)']);
      expect(a.stdout).toBe('42\r\n');
      const b = await cli(['exec', '--port', q.tty, 'print(len("abc"))']);
      expect(b.stdout).toBe('3\r\n');
    }
    expect(outcomes.has('interrupted')).toBe(true);
  }, 120_000);
});
