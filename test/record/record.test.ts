// mcu-gc record on the real MicroPython v1.27.0 firmware under QEMU (mps2-an385): a small
// script recorded from reset, then the trace replayed on the same board (the self-check
// the command prints) and on other boards. Skipped without qemu-system-arm or ../shared.

import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { qemuSkipReason, SHARED_QEMU_ELF } from '../helpers/qemu.js';
import { tempDir } from '../helpers/temp.js';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'mcu-gc.js');

function cli(args: string[], timeout = 240_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout, maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 99) : 0;
      resolve({ code: typeof code === 'number' ? code : 99, stdout, stderr });
    });
  });
}

const skip = qemuSkipReason('mps2-an385');
const dir = tempDir('mcu-gc-record-');
const script = join(dir, 'small.py');
const trace = join(dir, 'small.trace');

// Lists, dicts, strings and an explicit collection, small enough to record in seconds; the
// lowered threshold makes the firmware collect on its own as well.
writeFileSync(
  script,
  [
    'import gc',
    'gc.threshold(4096)',
    'keep = []',
    'for i in range(120):',
    "    s = 'item%d' % i",
    '    if i % 3 == 0:',
    '        keep.append([s, i])',
    'd = {k: str(k) for k in range(40)}',
    'gc.collect()',
    'gc.threshold(-1)',
    'print(len(keep), len(d))',
    '',
  ].join('\n'),
);

describe.skipIf(skip)(`record on QEMU mps2-an385${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let rec: { code: number; stdout: string; stderr: string };
  beforeAll(async () => {
    rec = await cli(['record', '--qemu', 'mps2-an385', '--firmware', SHARED_QEMU_ELF, script, '--out', trace, '--snapshot-every', '150']);
  }, 300_000);

  it('runs the script on the firmware and writes a format-2 trace from gc_init', () => {
    expect(rec.stderr).not.toMatch(/MISMATCH|diverged/);
    expect(rec.code).toBe(0);
    expect(rec.stdout).toContain('40 40');
    const text = readFileSync(trace, 'utf8');
    expect(text.split('\n')[0]).toBe('gctrace 2');
    expect(text).toMatch(/^source via=gdb .*board=qemu .*script=small\.py/m);
    // gc_init(gc_heap, gc_heap + 143360) as the ELF's symbols say
    expect(text).toMatch(/^heap 0x2f2bc 0x522bc$/m);
    expect(text).toMatch(/^threshold 256$/m);
    expect(text).toMatch(/^xroot 0 o\d+$/m);
    expect(text).toMatch(/^snapshot$/m);
    expect(text.trimEnd().endsWith('dump')).toBe(true);
    // --snapshot-every: pointer snapshots between collections too (they change nothing on this board)
    const snapshots = text.match(/^snapshot$/gm)!.length;
    const collections = Number(/collections: device (\d+)/.exec(rec.stderr)![1]);
    expect(snapshots).toBeGreaterThan(collections);
    expect(text).toMatch(/^# snapshot between collections \(every 150 allocations\)$/m);
  });

  it("the replay reproduces the device's final mem_info(1) dump and every collection's freed count", () => {
    const m = /collections: device (\d+), replay (\d+)/.exec(rec.stderr);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(1); // gc.collect() and threshold-triggered ones
    expect(m![2]).toBe(m![1]);
    expect(rec.stderr).toMatch(/ok +blocks freed by each collection/);
    expect(rec.stderr).toMatch(/ok +final mem_info\(1\): \d+ lines from 'GC: total' on, byte for byte/);
  });

  it('never overwrites the trace without --force', async () => {
    const again = await cli(['record', '--qemu', 'mps2-an385', '--firmware', SHARED_QEMU_ELF, script, '--out', trace]);
    expect(again.code).toBe(2);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(again.stderr).toMatch(/already exists \(use --force/);
  });

  it('replays on other boards and block sizes with the usual report', async () => {
    for (const args of [['--board=esp32'], ['--board=rp2-pico'], ['--board=qemu', '--vs=--block-size 32']]) {
      const r = await cli(['run', ...args, trace]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/collections +\d+/);
    }
    const esp = await cli(['run', '--board=esp32', trace, '--json']);
    const rep = JSON.parse(esp.stdout) as { areasAtEnd: Array<{ poolStart: number }> };
    // on esp32 the trace runs on esp32's heap, not the recorded device's addresses
    expect(rep.areasAtEnd[0]!.poolStart).not.toBe(0x2ffb0);
  });
});

describe('record: bad input', () => {
  it('needs a firmware for --qemu, and a script', async () => {
    const r = await cli(['record', '--qemu', 'mps2-an385', script, '--out', join(dir, 'x.trace')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs --firmware/);
    const r2 = await cli(['record', '--qemu', 'mps2-an385', '--firmware', SHARED_QEMU_ELF]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/needs a SCRIPT\.py/);
    expect(existsSync(join(dir, 'x.trace'))).toBe(false);
  });
});
