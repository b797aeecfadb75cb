// Capture against the virtual board (the real WebAssembly MicroPython behind a real pty,
// driven over the real serial code path).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureSnapshot } from '../../src/capture/device.js';
import { openRawRepl } from '../../src/serial/open.js';
import type { RawRepl } from '../../src/serial/raw-repl.js';
import { startVirtualBoard, type VirtualBoard } from '../../src/virtual-board/board.js';

describe('capture from the virtual board', () => {
  let board: VirtualBoard;
  let repl: RawRepl;
  beforeAll(async () => {
    board = await startVirtualBoard({ heapSize: 96 * 1024 });
    repl = await openRawRepl(board.path);
    await repl.enter();
  });
  afterAll(async () => {
    await repl?.close();
    board?.close();
  });

  it('parsed GC numbers equal what MicroPython itself reports in the same command', async () => {
    const s = await captureSnapshot(repl, {
      script: { file: 'setup.py', code: 'keep = [bytearray(i * 5) for i in range(40)]\nd = {i: str(i) for i in range(30)}\nprint("setup done")' },
    });
    console.log(JSON.stringify({ ...s, raw: s.raw.length, parsed: { ...s.parsed, areas: s.parsed.areas.length } }, null, 1));
    expect(s.complete).toBe(true);
    expect(s.parsed.issues).toEqual([]);
    expect(s.parsed.gc!.used).toBe(s.memAlloc);
    expect(s.parsed.gc!.used).toBe(s.after!.memAlloc);
    // split-heap-auto: gc.mem_free() = free + max new split (py/gc.c gc_info users, modgc.c).
    expect(s.parsed.gc!.free + s.parsed.gc!.maxNewSplit!).toBe(s.after!.memFree);
    expect(s.device.version).toBe('1.27.0');
    expect(s.device.platform).toBe('webassembly');
    expect(s.script!.output).toContain('setup done');
    expect(s.footprint!.allocatedBeforeDump).toBe(0);
    expect(s.footprint!.codeBlocks).toBeGreaterThan(0);
  });
});
