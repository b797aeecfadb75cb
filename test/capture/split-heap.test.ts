// capture --ram of a heap grown into several areas (split-heap-auto, the WebAssembly board):
// the areas come from the firmware's own descriptor chain, the image regenerates the dump, and
// analyze runs on it (it used to end in "internal error" when a collection emptied an area).

import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseImage } from '../../src/image/format.js';
import { startVirtualBoard, type VirtualBoard } from '../../src/virtual-board/board.js';
import { tempDir } from '../helpers/temp.js';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'mcu-gc.js');
const run = promisify(execFile);

describe('capture --ram of a split heap (virtual WebAssembly board, 16 KiB grown)', () => {
  let board: VirtualBoard;
  const dir = tempDir('mcu-gc-split-');
  beforeAll(async () => {
    // A 16 KiB heap in 1 MiB of memory: split-heap-auto grows it into new areas.
    board = await startVirtualBoard({ heapSize: 16 * 1024, memory: 1024 * 1024 });
  });
  afterAll(() => board?.close());

  it('reads every area by the descriptor chain; analyze works on the image', async () => {
    writeFileSync(join(dir, 'grow.py'), 'big = [bytearray(1000) for i in range(30)]\nmore = [str(i) * 5 for i in range(300)]\nbig = big[::2]\n');
    const r = await run(process.execPath, [CLI, 'capture', '--port', board.path, '--ram', '--no-collect', '--script', 'grow.py', '--out', 's.json', '--no-progress'], { cwd: dir });
    expect(r.stdout).toMatch(/saved s\.heap\.json: \d+ heap bytes in 3 area\(s\) from 0x[0-9a-f]+, 0x[0-9a-f]+, 0x[0-9a-f]+, \d+ root words, 0 stack bytes/);
    expect(r.stdout).toContain("check: the image regenerates the device's mem_info(1) GC text byte for byte");
    expect(r.stdout).toContain('the WebAssembly port collects only after the command returns');
    const text = readFileSync(join(dir, 's.heap.json'), 'utf8');
    const img = parseImage(text, 's.heap.json');
    const dump = JSON.parse(text).meta.dump as string;
    // Each area's pool is where the dump printed one.
    const pools = [...dump.matchAll(/GC memory layout; from ([0-9a-f]+):/g)].map((m) => parseInt(m[1]!, 16));
    expect(pools).toHaveLength(3);
    // Each area runs from its allocation table (below the pool) to the pool's end.
    for (const [i, a] of img.areas.entries()) {
      expect(a.start).toBeLessThan(pools[i]!);
      expect(a.end).toBeGreaterThan(pools[i]!);
    }
    const an = await run(process.execPath, [CLI, 'analyze', 's.heap.json', '--no-dump'], { cwd: dir });
    expect(an.stderr).toBe('');
    expect(an.stdout).toMatch(/Emulated gc\.collect\(\): frees \d+ heads/);
  }, 60_000);
});
