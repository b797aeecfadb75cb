// The virtual board in a terminal: picocom inside a detached tmux, typed at like a person
// would. A board's UART sends "\r\n" (else the lines staircase) and Ctrl-C stops a loop.

import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVirtualBoard, type VirtualBoard } from '../../src/virtual-board/board.js';

function has(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const missing = !has('tmux') ? 'tmux is missing (Debian package tmux)' : !has('picocom') ? 'picocom is missing (Debian package picocom)' : undefined;
if (missing) console.warn(`skipping the terminal test: ${missing}`);

const SOCKET = `mcu-gc-test-${process.pid}`;
const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });

/** The screen's text once `ok` accepts it (polled; the test's own timeout bounds the wait). */
async function screenWhen(ok: (screen: string) => boolean): Promise<string> {
  for (;;) {
    const screen = tmux('capture-pane', '-p', '-t', 'vb');
    if (ok(screen)) return screen;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(missing !== undefined)('picocom in tmux', () => {
  let board: VirtualBoard;
  beforeAll(async () => {
    board = await startVirtualBoard({ register: false });
    tmux('new-session', '-d', '-s', 'vb', '-x', '100', '-y', '40', `picocom -q ${board.path}`);
  });
  afterAll(() => {
    try {
      tmux('kill-server');
    } catch {
      /* already gone */
    }
    board?.close();
  });

  it('prints each line at the left margin and stops a loop on Ctrl-C', async () => {
    // An Enter typed before picocom has the tty open is lost: type it again each second until
    // the prompt shows (a person would too).
    let typed = 0;
    await screenWhen((s) => {
      if (s.includes('>>>')) return true;
      if (typed++ % 10 === 0) tmux('send-keys', '-t', 'vb', 'Enter');
      return false;
    });
    tmux('send-keys', '-t', 'vb', 'for i in range(3): print("line", i)', 'Enter', 'Enter');
    const screen = await screenWhen((s) => s.includes('line 2'));
    // With bare "\n" the terminal would start each line where the last one ended.
    expect(screen.split('\n').filter((l) => /line \d/.test(l) && !l.includes('print'))).toEqual(['line 0', 'line 1', 'line 2']);

    tmux('send-keys', '-t', 'vb', 'while True: pass', 'Enter', 'Enter');
    // Ctrl-C only once the loop runs: typed at the '...' prompt it would cancel the input
    // instead. The board has taken the second Enter when the cursor has left the '...' line.
    await screenWhen((s) => {
      let cont = -1;
      s.split('\n').forEach((l, i) => {
        if (l.startsWith('...')) cont = i;
      });
      return s.includes('while True: pass') && cont >= 0 && Number(tmux('display-message', '-p', '-t', 'vb', '#{cursor_y}').trim()) > cont;
    });
    await new Promise((r) => setTimeout(r, 200));
    tmux('send-keys', '-t', 'vb', 'C-c');
    const after = await screenWhen((s) => /KeyboardInterrupt: *\n>>> *$/.test(s.trimEnd() + ' '));
    // Raised inside the running loop (a Ctrl-C at an idle prompt prints no traceback).
    expect(after).toMatch(/Traceback \(most recent call last\):\n {2}File "<stdin>", line 1, in <module>\nKeyboardInterrupt: *\n>>>/);
    expect(board.stats.interrupts).toBe(1);
  });
});
