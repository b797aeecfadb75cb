// What Ctrl-C cannot reach: a long computation in C (no pending-exception check until it
// ends). The board restarts its interpreter after a second — a hard reset, said once —
// and the next client gets a prompt. Also the CLI's own behaviour: SIGTERM always stops it.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startVirtualBoard } from '../../src/virtual-board/board.js';
import { pyboard, pyboardMissing } from './python-clients.js';

const missing = pyboardMissing();
const CLI = join(import.meta.dirname, '..', '..', 'bin', 'mcu-gc.js');

describe.skipIf(missing !== undefined)('Python that Ctrl-C cannot stop', () => {
  it('is stopped by restarting the interpreter: banner and prompt, one notice, files kept, next client served', async () => {
    const notices: string[] = [];
    const board = await startVirtualBoard({ register: false, onNotice: (m) => notices.push(m) });
    try {
      const r = await pyboard(
        board.path,
        [
          'pyb.exec("open(\\"f\\", \\"w\\").write(\\"kept\\")")',
          // A variable base, or the compiler folds the constant before anything runs.
          'pyb.exec_raw_no_follow("print(\\"computing\\")\\nn = 10\\nx = n ** 1000000")',
          'read_until("computing\\r\\n")',
          'pyb.serial.write(b"\\x03")',
          'print(repr(read_until(">>> ")[-60:]))',
        ].join('\n'),
      );
      expect(r.stderr).toBe('');
      // What a board prints after a hard reset: its banner and the friendly prompt.
      expect(r.stdout).toMatch(/Type "help\(\)" for more information\.\\r\\n>>> '/);
      expect(board.stats.restarts).toBe(1);
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatch(/^virtual board: Python did not stop within 1 s of Ctrl-C; restarted the interpreter/);
      const next = await pyboard(board.path, 'print(pyb.exec("print(open(\\"f\\").read())"))');
      expect(next.stdout.trim()).toBe(String.raw`b'kept\r\n'`);
    } finally {
      board.close();
    }
  });
});

describe('mcu-gc virtual-board (CLI)', () => {
  it('an impossible --memory is one line and exit 2', async () => {
    const child = spawn(process.execPath, [CLI, 'virtual-board', '--heap-size', '1m', '--memory', '512k'], { stdio: ['ignore', 'ignore', 'pipe'] });
    // A pipe whose writer has exited may report ECONNRESET: that is the end, not a failure.
    child.stderr.on('error', () => {});
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/^mcu-gc: --memory 512k: too small for a 1048576-byte heap; .* give at least \d+k\n$/);
  });

  it('--fs naming a file is one line and exit 2', async () => {
    const child = spawn(process.execPath, [CLI, 'virtual-board', '--fs', CLI], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.on('error', () => {});
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(2);
    expect(stderr).toBe(`mcu-gc: --fs ${CLI}: exists and is not a directory\n`);
  });

  it.skipIf(missing !== undefined)('SIGTERM stops it while Python loops forever, and removes its --link', async () => {
    const link = join(import.meta.dirname, `.vb-link-${process.pid}`);
    const child = spawn(process.execPath, [CLI, 'virtual-board', '--link', link], { stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.on('error', () => {});
    const tty = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())));
    const loop = pyboard(tty, 'pyb.exec_raw_no_follow("print(\\"looping\\")\\nwhile True:\\n    pass")\nread_until("looping\\r\\n")');
    expect((await loop).stderr).toBe('');
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    const { existsSync } = await import('node:fs');
    expect(existsSync(link)).toBe(false);
  });
});
