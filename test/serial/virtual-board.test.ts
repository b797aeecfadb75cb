// End to end: the real serial code path (serialport's native bindings on a pty) against a
// real MicroPython (the WebAssembly build) behind that pty.

import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRawRepl } from '../../src/serial/open.js';
import type { RawRepl } from '../../src/serial/raw-repl.js';
import { startVirtualBoard, type VirtualBoard } from '../../src/virtual-board/board.js';
import { tempDir } from '../helpers/temp.js';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'mcu-gc.js');

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 99) : 0;
      resolve({ code: typeof code === 'number' ? code : 99, stdout, stderr });
    });
  });
}

/** A script of n lines whose result the test can compute independently. */
function bigScript(lines: number): { code: string; expected: number } {
  let code = 'acc = 0\n';
  let expected = 0;
  for (let i = 0; i < lines; i++) {
    code += `acc = (acc * 31 + ${i}) % 1000003  # line ${i} of a long script\n`;
    expected = (expected * 31 + i) % 1000003;
  }
  code += 'print(acc)\n';
  return { code, expected };
}

describe('raw REPL against the virtual board', () => {
  let board: VirtualBoard;
  let repl: RawRepl;

  beforeAll(async () => {
    board = await startVirtualBoard({ heapSize: 64 * 1024, banner: true });
    repl = await openRawRepl(board.path);
    // The boot banner is stale output in the pty before we enter: it must be skipped.
    await repl.enter();
  });
  afterAll(async () => {
    await repl?.close();
    board?.close();
  });

  it('runs code and returns its stdout, with no stderr', async () => {
    const r = await repl.exec('x = 6 * 7\nprint("answer", x)');
    expect(r.stdout.replace(/\r\n/g, '\n')).toBe('answer 42\n');
    expect(r.stderr).toBe('');
    expect(r.exception).toBeUndefined();
  });

  it('keeps state between execs (no soft reset unless asked)', async () => {
    const r = await repl.exec('print(x + 1)');
    expect(r.stdout.trim()).toBe('43');
  });

  it('reports a Python exception with its traceback, not as a transport failure', async () => {
    const r = await repl.exec('print("before")\ndef f():\n    return {}["missing"]\nf()');
    expect(r.stdout.trim()).toBe('before');
    expect(r.stderr).toMatch(/^Traceback \(most recent call last\):\r\n/);
    expect(r.stderr).toContain('line 3, in f');
    expect(r.exception).toEqual({ type: 'KeyError', message: 'missing' });
    // The connection is still usable afterwards.
    expect((await repl.exec('print(1+1)')).stdout.trim()).toBe('2');
  });

  it('streams stdout to a callback in order', async () => {
    const chunks: string[] = [];
    const r = await repl.exec('for i in range(300):\n    print("line", i)', {
      onStdout: (c) => chunks.push(Buffer.from(c).toString('latin1')),
    });
    expect(r.stdout).toBe('');
    const lines = chunks.join('').trim().split(/\r?\n/);
    expect(lines).toHaveLength(300);
    expect(lines[0]).toBe('line 0');
    expect(lines[299]).toBe('line 299');
  });

  it('sends a large script in raw-paste mode over many flow-control windows', async () => {
    const { code, expected } = bigScript(250); // ~14 KB, > 100 windows of 128 bytes
    expect(code.length).toBeGreaterThan(128 * 50);
    const before = { ...board.stats };
    const r = await repl.exec(code);
    expect(r.stderr).toBe('');
    expect(Number(r.stdout.trim())).toBe(expected);
    expect(r.rawPaste).toBe(true);
    expect(repl.rawPasteSupported).toBe(true);
    expect(board.stats.rawPasteExecs).toBe(before.rawPasteExecs + 1);
    // The host never sent beyond the window the device granted.
    expect(board.stats.flowControlViolations).toBe(0);
  });

  it('reports a syntax error sent over raw paste as an exception', async () => {
    const r = await repl.exec('def broken(:\n    pass');
    expect(r.exception?.type).toBe('SyntaxError');
  });

  it('soft-resets only when asked, and the board comes back in the raw REPL', async () => {
    await repl.exec('kept = 1');
    const resets = board.stats.softResets;
    await repl.softReset();
    expect(board.stats.softResets).toBe(resets + 1);
    const r = await repl.exec('print("kept" in globals())');
    expect(r.stdout.trim()).toBe('False');
  });

  it('survives code that raises SystemExit (the board soft-reboots into the raw REPL)', async () => {
    const r = await repl.exec('import sys\nprint("bye")\nsys.exit()');
    expect(r.stdout.trim()).toBe('bye');
    expect(r.stderr).toBe('');
    expect((await repl.exec('print("back")')).stdout.trim()).toBe('back');
  });
});

describe('fallback to chunked raw mode', () => {
  for (const mode of ['refuse', 'unsupported'] as const) {
    it(`falls back when the board's raw-paste answer is "${mode}" and sends a large script in chunks`, async () => {
      const board = await startVirtualBoard({ rawPaste: mode });
      const repl = await openRawRepl(board.path, { chunkSize: 200, chunkDelayMs: 1 });
      try {
        await repl.enter();
        const { code, expected } = bigScript(60); // ~3.4 KB: many chunks
        const r = await repl.exec(code);
        expect(r.stderr).toBe('');
        expect(Number(r.stdout.trim())).toBe(expected);
        expect(r.rawPaste).toBe(false);
        expect(repl.rawPasteSupported).toBe(false);
        // Raw paste is not asked for again on this connection.
        const r2 = await repl.exec('print(2)');
        expect(r2.stdout.trim()).toBe('2');
        expect(board.stats.rawPasteRequests).toBe(1);
        expect(board.stats.rawExecs).toBe(2);
        expect(board.stats.rawPasteExecs).toBe(0);
      } finally {
        await repl.close();
        board.close();
      }
    });
  }

  it('uses chunked raw mode when raw paste is turned off', async () => {
    const board = await startVirtualBoard();
    const repl = await openRawRepl(board.path, { rawPaste: false });
    try {
      await repl.enter();
      const r = await repl.exec('print(sum(range(10)))');
      expect(r.stdout.trim()).toBe('45');
      expect(board.stats.rawPasteRequests).toBe(0);
      expect(board.stats.rawExecs).toBe(1);
    } finally {
      await repl.close();
      board.close();
    }
  });
});

describe('mcu-gc exec / run-script / ports through the CLI binary', () => {
  let board: VirtualBoard;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir('mcu-gc-serial-');
    board = await startVirtualBoard({ link: join(dir, 'board') });
  });
  afterAll(() => board?.close());

  it('exec prints the device stdout and exits 0', async () => {
    const r = await cli(['exec', '--port', board.path, 'print("hello from", 6 * 7)']);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('hello from 42');
    expect(r.code).toBe(0);
  });

  it('exec prints the traceback to stderr and exits 1 when the code raises', async () => {
    const r = await cli(['exec', '-p', board.link!, 'print("partial")\nraise ValueError("bad value")']);
    expect(r.stdout.trim()).toBe('partial');
    expect(r.stderr).toContain('ValueError: bad value');
    expect(r.code).toBe(1);
  });

  it('run-script runs a local file', async () => {
    const f = join(dir, 'script.py');
    writeFileSync(f, 'total = 0\nfor i in range(1, 11):\n    total += i * i\nprint(total)\n');
    const r = await cli(['run-script', '--port', `port:${board.path}`, f]);
    expect(r.stdout.trim()).toBe('385');
    expect(r.code).toBe(0);
  });

  it('run-script on a missing file fails with one line and exit 2', async () => {
    const r = await cli(['run-script', '--port', board.path, join(dir, 'nope.py')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('nope.py: cannot read');
  });

  it('a port that does not exist is a one-line error', async () => {
    const r = await cli(['exec', '--port', join(dir, 'no-such-tty'), 'print(1)']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^mcu-gc: cannot open .*no-such-tty: no such device/);
  });

  it('ports --json lists ports as JSON without crashing', async () => {
    const r = await cli(['ports', '--json']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as { path: string }[];
    expect(Array.isArray(list)).toBe(true);
    for (const p of list) expect(typeof p.path).toBe('string');
  });
});

describe('several virtual boards in one process', () => {
  it('keeps each board its own interpreter and heap (exceptions included)', async () => {
    const a = await startVirtualBoard({ heapSize: 64 * 1024 });
    const b = await startVirtualBoard({ heapSize: 256 * 1024 });
    const ra = await openRawRepl(a.path);
    const rb = await openRawRepl(b.path);
    try {
      await ra.enter();
      await rb.enter();
      await ra.exec('who = "A"');
      await rb.exec('who = "B"');
      // A's exception is decoded from A's memory even though B was loaded last.
      const r = await ra.exec('print(who)\nraise OSError(5)');
      expect(r.stdout.trim()).toBe('A');
      expect(r.exception?.type).toBe('OSError');
      const mem = async (repl: RawRepl): Promise<number> =>
        Number(/GC: total: (\d+)/.exec((await repl.exec('import micropython\nmicropython.mem_info()')).stdout)?.[1]);
      expect(await mem(ra)).toBeLessThan(64 * 1024);
      expect(await mem(rb)).toBeGreaterThan(128 * 1024);
      expect((await rb.exec('print(who)')).stdout.trim()).toBe('B');
    } finally {
      await ra.close();
      await rb.close();
      a.close();
      b.close();
    }
  });
});
