// The webassembly board against the real MicroPython WebAssembly build (npm
// @micropython/micropython-webassembly-pyscript): with a 64 KiB heap it must print the same
// `GC: total:` line, the same pool address and the same threshold as the emulated board.
import { loadMicroPython } from '@micropython/micropython-webassembly-pyscript';
import { describe, expect, it } from 'vitest';
import { buildBoard } from '../../emulator/board.js';
import { loadBoard } from '../../src/boards/load.js';

async function realMemInfo(heapsize: number): Promise<string> {
  let out = '';
  // Lines arrive as strings (linebuffer, the default); the typings also allow raw bytes.
  const mp = await loadMicroPython({ heapsize, stdout: (s: string | Uint8Array) => (out += (typeof s === 'string' ? s : new TextDecoder().decode(s)) + '\n') });
  mp.runPython('import micropython, gc\nmicropython.mem_info(1)\nprint("threshold", gc.threshold())');
  return out;
}

describe('webassembly board vs the real WebAssembly MicroPython', () => {
  it('64 KiB heap: GC: total, pool address and gc.threshold() agree', async () => {
    const real = await realMemInfo(65536);
    const realTotal = /^GC: total: (\d+),.*max new split: (\d+)$/m.exec(real);
    const realPool = /^GC memory layout; from ([0-9a-f]+):/m.exec(real);
    const realThreshold = /^threshold (-?\d+)$/m.exec(real);
    expect(realTotal, real).not.toBeNull();
    const b = buildBoard(loadBoard('webassembly'), { heapSize: 65536 });
    const info = b.machine.heap.info();
    expect(info.total).toBe(Number(realTotal![1]));
    expect(info.total).toBe(64000);
    expect(info.maxNewSplit).toBe(Number(realTotal![2]));
    expect(b.areas[0]!.poolStart.toString(16)).toBe(realPool![1]);
    expect(b.thresholdBlocks * b.config.blockSize).toBe(Number(realThreshold![1]));
  });

  it('default 1 MiB heap (loadMicroPython default) agrees too', async () => {
    const real = await realMemInfo(1024 * 1024);
    const b = buildBoard(loadBoard('wasm'));
    expect(Number(/^GC: total: (\d+),/m.exec(real)![1])).toBe(b.machine.heap.info().total);
    expect(/^GC memory layout; from ([0-9a-f]+):/m.exec(real)![1]).toBe(b.areas[0]!.poolStart.toString(16));
  });
});
