// The virtual board's defaults are the webassembly board config's (ports/webassembly.yaml):
// `compare --board=webassembly` against a default board is an exact layout match, and the
// RAM the config models (its 16 MiB linear region) is where the heap stops growing.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBoard } from '../../src/boards/load.js';
import { DEFAULT_HEAP_SIZE, DEFAULT_MEMORY, startVirtualBoard, type VirtualBoard } from '../../src/virtual-board/board.js';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'mcu-gc.js');

describe('a virtual board with the defaults', () => {
  let board: VirtualBoard;
  beforeAll(async () => {
    board = await startVirtualBoard({ register: false });
  });
  afterAll(() => board?.close());

  it('has the heap and memory of the webassembly board config', () => {
    const cfg = loadBoard('webassembly');
    expect(board.heapSize).toBe(DEFAULT_HEAP_SIZE);
    expect(DEFAULT_HEAP_SIZE).toBe(cfg.heap.end - cfg.heap.start);
    const linear = cfg.regions.find((r) => r.name === 'linear')!;
    expect(board.memory).toBe(DEFAULT_MEMORY);
    expect(DEFAULT_MEMORY).toBe(linear.size);
    expect(board.fixedHeap).toBe(false);
  });

  it('compare --board=webassembly matches its layout exactly, with no flags', async () => {
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, [CLI, 'compare', '--board=webassembly', '--port', board.path, '--no-save'], { timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 99) : 0, stdout, stderr }),
      ),
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('layout: exact match');
    expect(r.code).toBe(0);
  });
});
