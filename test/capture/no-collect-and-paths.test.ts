// capture --no-collect measures only the capture's own footprint (it used to count the heap's
// earlier garbage as "held by the capture command", by freeing it with a collection of its
// own) and does not claim a gc.collect() ran; output paths are checked before any device work.

import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureSnapshot } from '../../src/capture/device.js';
import { decodeRead, readStatements } from '../../src/capture/memread.js';
import { snapshotSummary } from '../../src/compare/summary.js';
import type { QemuInstance } from '../../src/qemu/launch.js';
import { openRawRepl } from '../../src/serial/open.js';
import { bootQemu, qemuSkipReason } from '../helpers/qemu.js';
import { tempDir } from '../helpers/temp.js';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'mcu-gc.js');

function cli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 99) : 0;
      resolve({ code: typeof code === 'number' ? code : 99, stdout, stderr });
    });
  });
}

describe('output paths are checked before the board is touched', () => {
  const dir = tempDir('mcu-gc-paths-');
  // No such port: had the paths been checked only after the device work, the port error
  // would come first.
  const port = join(dir, 'no-such-tty');

  it('--out in a missing folder, a folder, a read-only folder', async () => {
    const r = await cli(['capture', '--port', port, '--out', 'missing/snap.json'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('mcu-gc: --out missing/snap.json: folder missing does not exist\n');
    mkdirSync(join(dir, 'afolder'));
    const f = await cli(['capture', '--port', port, '--out', 'afolder'], dir);
    expect(f.stderr).toBe('mcu-gc: --out afolder: is a folder\n');
    mkdirSync(join(dir, 'ro'), { mode: 0o555 });
    const ro = await cli(['capture', '--port', port, '--out', 'ro/snap.json'], dir);
    if (process.getuid?.() !== 0) expect(ro.stderr).toBe('mcu-gc: --out ro/snap.json: folder ro is not writable\n');
  });

  it('--ram-out: checked first too, and only with --ram', async () => {
    writeFileSync(join(dir, 'taken.heap.json'), '{}');
    const r = await cli(['capture', '--port', port, '--ram', '--ram-out', 'taken.heap.json'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('mcu-gc: taken.heap.json: already exists (use --force to replace it)\n');
    const m = await cli(['capture', '--port', port, '--ram', '--ram-out', 'nowhere/x.heap.json'], dir);
    expect(m.stderr).toBe('mcu-gc: --ram-out nowhere/x.heap.json: folder nowhere does not exist\n');
    const n = await cli(['capture', '--port', port, '--ram-out', 'x.heap.json'], dir);
    expect(n.stderr).toBe('mcu-gc: --ram-out: only with --ram\n');
  });
});

const skip = qemuSkipReason('microbit');
describe.skipIf(skip)(`capture --no-collect on the micro:bit under QEMU${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let q: QemuInstance;
  beforeAll(async () => {
    q = await bootQemu('microbit');
  }, 30_000);
  afterAll(async () => {
    await q?.stop();
  });

  it('counts only what the capture allocated, keeps the garbage and names no gc.collect()', async () => {
    const repl = await openRawRepl(q.tty);
    try {
      await repl.enter();
      // About 60 blocks of garbage, 1 to 3 blocks each.
      const setup = 'tmp = [[i] * (i % 8) for i in range(30)]\ntmp = None';
      const s = await captureSnapshot(repl, { collect: false, script: { file: 'g.py', code: setup } });
      expect(s.complete).toBe(true);
      const fp = s.footprint!;
      expect(fp.since).toBe('command start');
      // The capture command's own code (and the REPL's line buffer): a few blocks, not the garbage.
      expect(fp.codeBlocks).toBeGreaterThan(0);
      expect(fp.codeBlocks).toBeLessThan(30);
      expect(fp.allocatedBeforeDump).toBe(0);
      const text = snapshotSummary(s);
      expect(text).toContain("0 bytes allocated between the capture command's start (no gc.collect() ran) and the dump");
      expect(text).not.toContain('between gc.collect() and the dump');
      // The garbage is still on the board: nothing collected it.
      const after = await repl.exec("print(__import__('gc').mem_alloc())");
      expect(Number(after.stdout.trim())).toBeGreaterThanOrEqual(s.memAlloc!);
    } finally {
      await repl.close();
    }
  }, 60_000);

  it('a read with one digit of an address lost raises on the board before reading it; the board answers on', async () => {
    // The root pointers of this firmware (docs: real-firmware.md); the read is mcu-gc's own.
    const region = { start: 0x2000014c, end: 0x200001e8, name: 'root pointers' };
    const code = readStatements('mem16', [region]);
    const repl = await openRawRepl(q.tty);
    try {
      await repl.enter();
      const ok = await repl.exec(code);
      expect(ok.stderr).toBe('');
      expect(decodeRead('mem16', ok.stdout, [region])[0]).toHaveLength(region.end - region.start);
      // The first read's base, 536871388 (0x200001dc), without its last digit: 53687138
      // (0x0333354a), no memory of the nRF51 (an unguarded read of it hangs the board).
      const at = code.indexOf('M(536871');
      expect(at).toBeGreaterThan(0);
      const damaged = code.slice(0, at + 10) + code.slice(at + 11);
      const r = await repl.exec(damaged);
      expect(r.exception?.type).toBe('ZeroDivisionError');
      expect(r.stdout).toBe('-1\r\n');
      expect((await repl.exec('print(6*7)')).stdout).toBe('42\r\n');
    } finally {
      await repl.close();
    }
  }, 60_000);
});
