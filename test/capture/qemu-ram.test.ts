// capture --ram, then analyze, against real MicroPython firmware under QEMU: the BBC micro:bit
// (v1.9.2 core, Debian's firmware, no ELF: machine.mem16 only, the state found on the board)
// and MicroPython v1.27.0's qemu port on mps2-an385 (uctypes; with and without --elf).
// Done when: the image regenerates the device's own mem_info(1) GC text byte for byte, and the
// emulated gc.collect() frees exactly what the firmware's next gc.collect() freed (run in the
// same command, right after the read), on a heap that holds garbage.

import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulateCollect } from '../../emulator/analysis/collect.js';
import { loadImage } from '../../emulator/image.js';
import { freedBlocks, gcTextOf } from '../../src/capture/verify.js';
import { parseImage } from '../../src/image/format.js';
import { deviceDumpText } from '../../src/image/report.js';
import type { QemuInstance } from '../../src/qemu/launch.js';
import type { QemuMachineId } from '../../src/qemu/machines.js';
import { SHARED_QEMU_ELF, bootQemu, qemuSkipReason } from '../helpers/qemu.js';
import { tempDir } from '../helpers/temp.js';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'mcu-gc.js');

function cli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 99) : 0;
      resolve({ code: typeof code === 'number' ? code : 99, stdout, stderr });
    });
  });
}

// Garbage of several kinds and sizes next to live objects, and one garbage object whose
// address the test knows. The micro:bit's 10 KiB heap, with --no-collect, must still hold the
// capture's own commands (chunked raw mode keeps each command's source on the heap).
function garbage(small: boolean): string {
  // On the micro:bit, more garbage fills the heap before the read, and the firmware's own
  // automatic collection frees it first (capture says so in a note).
  const lines = small
    ? ['keep = [str(i) * 3 for i in range(3)]', 'tmp = [[i] * 4 for i in range(3)]', 'tmp = None']
    : [
        'keep = [str(i) * 3 for i in range(15)]',
        'junk = [bytearray(i % 20 + 1) for i in range(18)]',
        'junk = junk[::3]',
        'd = {i: (i, str(i)) for i in range(9)}',
        'tmp = [[i] * 4 for i in range(12)]',
        'tmp = None',
      ];
  return [...lines, 'g = bytearray(100)', "print('GARBAGE', id(g))", 'g = None'].join('\n');
}

const CASES: Array<{ machine: QemuMachineId; title: string; elf?: string; reader: string }> = [
  { machine: 'microbit', title: 'micro:bit (v1.9.2 core, no ELF, machine.mem16)', reader: 'machine.mem16' },
  { machine: 'mps2-an385', title: 'mps2-an385 (v1.27.0, no ELF, uctypes)', reader: 'uctypes.bytearray_at' },
  { machine: 'mps2-an385', title: 'mps2-an385 (v1.27.0, --elf)', elf: SHARED_QEMU_ELF, reader: 'uctypes.bytearray_at' },
];

for (const c of CASES) {
  const skip = qemuSkipReason(c.machine);
  describe.skipIf(skip)(`capture --ram + analyze on ${c.title}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    let q: QemuInstance;
    const dir = tempDir('mcu-gc-qemu-ram-');
    beforeAll(async () => {
      q = await bootQemu(c.machine);
      writeFileSync(join(dir, 'garbage.py'), garbage(c.machine === 'microbit') + '\n');
    }, 30_000);
    afterAll(async () => {
      await q?.stop();
    });

    it('the image carries roots and stack, regenerates the dump and collects as the firmware does', async () => {
      const args = ['capture', '--port', q.tty, '--ram', '--no-collect', '--script', 'garbage.py', '--out', 'snap.json', '--no-progress'];
      if (c.elf) args.push('--elf', c.elf);
      const r = await cli(args, dir);
      expect(r.stderr).not.toMatch(/internal error/);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/saved snap\.heap\.json: \d+ heap bytes in 1 area\(s\) from 0x[0-9a-f]+, \d+ root words, \d+ stack bytes/);
      expect(r.stderr).toContain(`note: read with ${c.reader}`);
      if (c.elf) expect(r.stderr).toContain(`root pointers 0x2efc8 .. 0x2f094 (51 words) from ${c.elf}`);

      const text = readFileSync(join(dir, 'snap.heap.json'), 'utf8');
      const img = parseImage(text, 'snap.heap.json');
      const meta = JSON.parse(text).meta as { dump: string; afterCollect: string };
      expect(img.roots[0]!.bytes.length).toBeGreaterThan(0);
      expect(img.stack[0]!.bytes.length).toBeGreaterThan(0);
      // Facts measured on these firmwares (../shared/reference/real-firmware.md).
      if (c.machine === 'microbit') {
        expect(img.profile).toBe('v1.9.2');
        expect(img.areas[0]!.start).toBe(0x200003e0);
        expect(img.finaliser).toBe(false);
        expect(img.roots[0]!.start).toBe(0x2000014c);
        expect(img.roots[0]!.bytes.length).toBe(39 * 4);
        expect(img.stack[0]!.start + img.stack[0]!.bytes.length).toBe(0x20004000);
      } else {
        expect(img.profile).toBe('v1.27');
        expect(img.areas[0]!.start).toBe(0x2f2bc);
        expect(img.finaliser).toBe(true);
        expect(img.roots[0]!.start).toBe(0x2efc8);
        expect(img.roots[0]!.bytes.length).toBe(51 * 4);
        expect(img.stack[0]!.start + img.stack[0]!.bytes.length).toBe(0x3fffec);
      }

      // 1. The device's own mem_info(1) GC text, regenerated byte for byte.
      const device = gcTextOf(meta.dump);
      expect(device).toMatch(/^GC: total: \d+, used: \d+, free: \d+\n/);
      expect(deviceDumpText(loadImage(img))).toBe(device);

      // 2. The emulated gc.collect() leaves exactly the heap the firmware's did, and there
      //    was garbage to free (the check is not vacuous).
      const w = emulateCollect(img);
      const deviceFreed = freedBlocks(meta.dump, meta.afterCollect);
      expect(deviceFreed).toBeGreaterThan(5);
      expect(w.record.freedBlocks).toBe(deviceFreed);
      expect(deviceDumpText(w.after)).toBe(gcTextOf(meta.afterCollect));
      // --no-collect: the script's garbage is in the image (nothing collected before the
      // read) and the emulated collection frees it.
      // On the micro:bit's 10 KiB heap the capture's own commands can fill it first; the
      // firmware then collects by itself, and capture says so.
      const g = Number(/GARBAGE (\d+)/.exec(r.stdout)![1]);
      const selfCollected = /note: the firmware collected on its own between the snapshot and the read/.test(r.stderr);
      if (c.machine !== 'microbit') expect(selfCollected).toBe(false);
      if (selfCollected) expect(w.kept.map((n) => n.addr)).not.toContain(g);
      else expect(w.freed.map((n) => n.addr)).toContain(g);

      // analyze prints the same text and the same collection, and no internal error.
      const a = await cli(['analyze', 'snap.heap.json'], dir);
      expect(a.stderr).toBe('');
      expect(a.code).toBe(0);
      expect(a.stdout).toContain(device);
      expect(a.stdout).toContain(`Emulated gc.collect(): frees ${w.freed.length} heads (${deviceFreed * img.block} B)`);
      expect(a.stdout).toMatch(/Reachability: \d+ heads, \d+ reachable from \d+ root words/);
      expect(a.stdout).toContain(`Check against the firmware's own gc.collect() recorded by capture --ram: the same heap after it (${deviceFreed} blocks freed)`);
      // A recorded collection that disagrees (here: one that freed nothing) fails analyze.
      const doc = JSON.parse(text);
      doc.meta.afterCollect = doc.meta.dump;
      writeFileSync(join(dir, 'tampered.heap.json'), JSON.stringify(doc));
      const t = await cli(['analyze', 'tampered.heap.json', '--no-dump'], dir);
      expect(t.code).toBe(1);
      expect(t.stdout).toContain(`it freed 0 blocks, the emulated collection ${deviceFreed}; the heaps after differ`);
      expect(t.stderr).toBe("mcu-gc: tampered.heap.json: the emulated gc.collect() leaves a different heap than the firmware's own collection recorded by capture --ram\n");
      const why = await cli(['analyze', 'snap.heap.json', '--no-dump', '--why', '0x' + w.kept[w.kept.length - 1]!.addr.toString(16)], dir);
      expect(why.code).toBe(0);
      expect(why.stdout).toMatch(/is alive, \d+ step\(s\) from a root:\n {2}(root section|stack) word at 0x/);
    }, 120_000);

    if (c.machine !== 'microbit') return;
    it.skipIf(!existsSync(SHARED_QEMU_ELF))(`an ELF of another firmware is refused before anything is read by it${existsSync(SHARED_QEMU_ELF) ? '' : ' (skipped: no ../shared qemu ELF)'}`, async () => {
      const r = await cli(['capture', '--port', q.tty, '--ram', '--out', 'other.json', '--elf', SHARED_QEMU_ELF, '--no-progress'], dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/mcu-gc: --ram: .*micropython-v1\.27\.0-MPS2_AN385\.elf: its root range 0x2efc8 \.\. 0x2f094 does not fit this board's state \(dict_locals at 0x2000014c, heap fields at 0x[0-9a-f]+\): is it this board's firmware\? \(the snapshot other\.json is saved; no heap image was written\)\n$/);
      expect(existsSync(join(dir, 'other.heap.json'))).toBe(false);
    }, 60_000);
  });
}
