// record --gdb HOST:PORT (a stub someone else started: here a QEMU halted at reset) and
// Ctrl-C: the recording ends, and what was recorded is written as a valid trace that replays.

import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QemuInstance } from '../../src/qemu/launch.js';
import { parseTrace } from '../../emulator/trace/parse.js';
import { runTrace } from '../../emulator/trace/run.js';
import { bootQemu, qemuSkipReason, SHARED_QEMU_ELF } from '../helpers/qemu.js';
import { tempDir } from '../helpers/temp.js';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'mcu-gc.js');
const skip = qemuSkipReason('mps2-an385');
const dir = tempDir('mcu-gc-record-int-');
const script = join(dir, 'forever.py');
const trace = join(dir, 'forever.trace');
// Prints once it runs, then allocates until interrupted (QEMU's UART has no Ctrl-C).
writeFileSync(script, "print('running')\nx = []\nwhile True:\n    x.append('s%d' % len(x))\n    if len(x) > 50:\n        x = []\n");

describe.skipIf(skip)(`record --gdb, ended by Ctrl-C${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let q: QemuInstance;
  beforeAll(async () => {
    q = await bootQemu('mps2-an385', { gdb: 'auto', halted: true });
  });
  afterAll(async () => {
    await q?.stop();
  });

  it('keeps a valid trace of what was recorded', async () => {
    const child = spawn(process.execPath, [
      CLI, 'record', '--gdb', `127.0.0.1:${q.gdbPort}`, '--elf', SHARED_QEMU_ELF, '--port', q.tty, '--board', 'qemu', script, '--out', trace,
    ]);
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('running')) resolve();
      });
    });
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/Ctrl-C: ending the recording/);
    expect(stderr).toMatch(/record: wrote /);
    expect(stderr).toMatch(/no final mem_info\(1\)/);
    const text = readFileSync(trace, 'utf8');
    expect(text).toMatch(/^# The recording ended early \(interrupted\)/m);
    const t = parseTrace(text, { defaults: { conservativeClear: true } });
    // boot, the raw REPL and the compiled script, at least
    expect(t.ops.filter((o) => o.op === 'alloc').length).toBeGreaterThan(20);
    expect(t.heaps).toEqual([expect.objectContaining({ start: 0x2f2bc, end: 0x522bc })]);
    expect(() => runTrace(t)).not.toThrow();
  }, 180_000);
});
