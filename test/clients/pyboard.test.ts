// MicroPython's pyboard.py against the virtual board: streaming, stdin, Ctrl-C, a long
// raw paste with flow control, and RAM that ends in MemoryError. pyboard.py uses raw-paste
// mode when the board offers it, as the virtual board does.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVirtualBoard, type VirtualBoard } from '../../src/virtual-board/board.js';
import { pyboard, pyboardMissing } from './python-clients.js';

const missing = pyboardMissing();
if (missing) console.warn(`skipping pyboard.py tests: ${missing}`);

describe.skipIf(missing !== undefined)('pyboard.py against the virtual board', () => {
  let board: VirtualBoard;
  beforeAll(async () => {
    board = await startVirtualBoard({ register: false });
  });
  afterAll(() => board?.close());

  it('streams output while the program runs, and the program reads what is typed (sys.stdin, input())', async () => {
    // Deadlocks (and times out) unless "ready" reaches the host before the program ends:
    // the program waits for a byte that the host only sends after seeing "ready".
    const r = await pyboard(
      board.path,
      [
        'pyb.exec_raw_no_follow("import sys\\nprint(\\"ready\\")\\nc = sys.stdin.buffer.read(1)\\nprint(\\"got\\", c)\\nprint(repr(input(\\"name? \\")))")',
        'seen = read_until("ready\\r\\n")',
        'pyb.serial.write(b"x")',
        'seen += read_until("name? ")',
        'pyb.serial.write(b"bo\\x7fob\\r")',
        'out, err = pyb.follow(timeout=20)',
        'print(repr(seen + out), repr(err))',
      ].join('\n'),
    );
    expect(r.stderr).toBe('');
    // input() echoes what is typed (backspace as "\b \b") and ends the line with CRLF.
    expect(r.stdout.trim()).toBe(String.raw`b"ready\r\ngot b'x'\r\nname? bo\x08 \x08ob\r\n'bob'\r\n" b''`);
  });

  it('Ctrl-C stops `while True: pass` with KeyboardInterrupt, and the board answers the next command', async () => {
    const interrupts = board.stats.interrupts;
    const r = await pyboard(
      board.path,
      [
        'pyb.exec_raw_no_follow("print(\\"looping\\")\\nwhile True:\\n    pass")',
        'read_until("looping\\r\\n")',
        'pyb.serial.write(b"\\x03")',
        'out, err = pyb.follow(timeout=20)',
        'print(repr(err))',
        'print(pyb.exec("print(6 * 7)"))',
      ].join('\n'),
    );
    expect(r.stderr).toBe('');
    const [err, after] = r.stdout.trim().split('\n');
    expect(err).toContain('KeyboardInterrupt');
    expect(err).toMatch(/File "<stdin>", line \d, in <module>/);
    expect(after).toBe(String.raw`b'42\r\n'`);
    expect(board.stats.interrupts).toBe(interrupts + 1);
    expect(board.stats.restarts).toBe(0);
  });

  it('Ctrl-C ends time.sleep() and input() as on a board', async () => {
    const r = await pyboard(
      board.path,
      [
        'for code in ("import time\\nprint(\\"sleeping\\")\\ntime.sleep(60)", "print(\\"asking\\")\\ninput()"):',
        '    pyb.exec_raw_no_follow(code)',
        '    read_until("ing\\r\\n")',
        '    pyb.serial.write(b"\\x03")',
        '    out, err = pyb.follow(timeout=20)',
        '    print(err.decode().strip().splitlines()[-1])',
      ].join('\n'),
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual(['KeyboardInterrupt:', 'KeyboardInterrupt:']);
  });

  it('a long raw paste (many flow-control windows) that then runs for a while completes, with output in order', async () => {
    const before = { ...board.stats };
    // ~6 KB of code: 48 windows of 128 bytes, then a second of sleeping.
    const pad = Array.from({ length: 120 }, (_, i) => `# padding line ${i} so that the transfer needs many windows`).join('\n');
    const code = `${pad}\nimport time\nfor i in range(4):\n    print("tick", i)\n    time.sleep(0.25)\nprint("end")`;
    const r = await pyboard(board.path, `print(repr(pyb.exec(${JSON.stringify(code)})))`);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(String.raw`b'tick 0\r\ntick 1\r\ntick 2\r\ntick 3\r\nend\r\n'`);
    expect(board.stats.rawPasteExecs).toBe(before.rawPasteExecs + 1);
    expect(board.stats.flowControlViolations).toBe(0);
  });

  it('print() output ends lines with CRLF, sys.stdout.buffer stays binary', async () => {
    const r = await pyboard(board.path, `print(repr(pyb.exec("import sys\\nprint('a')\\nsys.stdout.buffer.write(bytes([10, 13, 0, 255]))")))`);
    expect(r.stdout.trim()).toBe(String.raw`b'a\r\n\n\r\x00\xff'`);
  });
});

describe.skipIf(missing !== undefined)('a board with little RAM', () => {
  it('--heap-size 16k: the heap cannot grow, MemoryError as on a 16 KiB board', async () => {
    const board = await startVirtualBoard({ heapSize: 16 * 1024, register: false });
    try {
      const r = await pyboard(
        board.path,
        [
          'for code in ("b = bytearray(8000)\\nprint(len(b))", "b = bytearray(200000)", "import gc\\ngc.collect()\\nprint(gc.mem_free() + gc.mem_alloc())"):',
          '    try:',
          '        print(pyb.exec(code))',
          '    except pyboard.PyboardError as e:',
          '        print(e.args[2].decode().strip().splitlines()[-1])',
        ].join('\n'),
      );
      expect(r.stderr).toBe('');
      const [small, big, total] = r.stdout.trim().split('\n');
      expect(small).toBe(String.raw`b'8000\r\n'`);
      expect(big).toBe('MemoryError: memory allocation failed, allocating 200000 bytes');
      // split-heap-auto: mem_free counts "max new split", which stays the port's constant.
      expect(total).toMatch(/^b'\d+\\r\\n'$/);
    } finally {
      board.close();
    }
  });

  it('a program that fills the heap with garbage ends in MemoryError and a soft reboot (the port collects only between commands)', async () => {
    const notices: string[] = [];
    const board = await startVirtualBoard({ heapSize: 64 * 1024, register: false, onNotice: (m) => notices.push(m) });
    try {
      const r = await pyboard(
        board.path,
        [
          'pyb.exec("kept = 1")',
          'try:',
          '    pyb.exec("for i in range(5000):\\n    s = str(i) * 3")',
          'except pyboard.PyboardError as e:',
          '    print(e.args[2].decode().strip())',
          'print(pyb.exec("print(\'kept\' in globals(), 6 * 7)"))',
        ].join('\n'),
      );
      expect(r.stderr).toBe('');
      const [err, after] = r.stdout.trim().split('\n');
      expect(err).toMatch(/^MemoryError: /);
      // The reboot happened in the raw REPL, as a soft reset: the client carries on.
      expect(after).toBe(String.raw`b'False 42\r\n'`);
      expect(board.stats.softResets).toBe(1);
      expect(notices).toHaveLength(1);
    } finally {
      board.close();
    }
  });

  it('--memory: the heap grows by split-heap-auto up to the memory, and no further', async () => {
    const board = await startVirtualBoard({ heapSize: 16 * 1024, memory: 1024 * 1024, register: false });
    try {
      const r = await pyboard(
        board.path,
        [
          'for code in ("b = bytearray(200000)\\nprint(len(b))", "c = bytearray(2000000)"):',
          '    try:',
          '        print(pyb.exec(code))',
          '    except pyboard.PyboardError as e:',
          '        print(e.args[2].decode().strip().splitlines()[-1])',
        ].join('\n'),
      );
      expect(r.stderr).toBe('');
      expect(r.stdout.trim().split('\n')).toEqual([String.raw`b'200000\r\n'`, 'MemoryError: memory allocation failed, allocating 2000000 bytes']);
    } finally {
      board.close();
    }
  });
});
