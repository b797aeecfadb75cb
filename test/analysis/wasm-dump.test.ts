// Headline test: a heap image captured from the WebAssembly MicroPython (v1.27.0, a real
// py/gc.c) and loaded into the emulator regenerates exactly the text that MicroPython's own
// micropython.mem_info(1) printed — gc_dump_info and gc_dump_alloc_table, byte for byte —
// for varied workloads, including heaps grown into several areas by split-heap-auto.
// The image goes through the JSON interchange format on the way (serialise → parse).

import { describe, expect, it } from 'vitest';
import { loadImage, learnTypesFromDump } from '../../emulator/image.js';
import { serializeImage, parseImage } from '../../src/image/format.js';
import { deviceDumpText } from '../../src/image/report.js';
import { WasmBoard } from '../../src/wasm/capture.js';

const WORKLOADS: Record<string, { setup: string; heapsize?: number }> = {
  'lists of strings': { setup: 'x = [str(i) * (i % 7) for i in range(3000)]' },
  'dicts and floats': { setup: 'd = {i: float(i) / 3 for i in range(800)}\ne = {str(i): (i, i * 1.5) for i in range(300)}' },
  'bytes, bytearrays and arrays': {
    setup: 'import array\nb = [bytearray(i % 50) for i in range(500)]\nc = [bytes(range(i % 40)) for i in range(300)]\na = [array.array("i", range(i % 30)) for i in range(200)]',
  },
  'closures, classes with __del__': {
    setup: [
      'class R:',
      '    def __init__(self, n): self.n = n',
      '    def __del__(self): pass',
      'def mk(k):',
      '    def f(x): return x + k',
      '    return f',
      'rs = [R(i) for i in range(200)]',
      'fs = [mk(i) for i in range(200)]',
      'rs = rs[::2]',
    ].join('\n'),
  },
  'deep chain with garbage holes': {
    setup: [
      'head = None',
      'for i in range(3000): head = (i, head)',
      'junk = [[i] * (i % 9) for i in range(2000)]',
      'junk = junk[::3]',
    ].join('\n'),
  },
  'grown into several areas (split-heap-auto)': {
    heapsize: 16 * 1024,
    setup: 'big = [bytearray(1000) for i in range(120)]\nmore = [str(i) * 20 for i in range(2000)]',
  },
};

describe('analyze reproduces the WebAssembly MicroPython mem_info(1) text', () => {
  for (const [name, w] of Object.entries(WORKLOADS)) {
    it(name, async () => {
      const board = await WasmBoard.open(w.heapsize ? { heapsize: w.heapsize } : {});
      const cap = board.capture(w.setup);
      expect(cap.gcText).toMatch(/^GC: total: \d+, used: \d+, free: \d+, max new split: \d+\n No\. of 1-blocks: /);
      const img = parseImage(serializeImage(cap.image), 'capture.json');
      const text = deviceDumpText(loadImage(img));
      expect(text).toBe(cap.gcText);
      if (name.startsWith('grown')) {
        expect(img.areas.length).toBeGreaterThan(1);
        expect(cap.gcText.match(/GC memory layout; from /g)!.length).toBe(img.areas.length);
      }
    });
  }

  it('learns type letters from the device dump when the image has no type map', async () => {
    const board = await WasmBoard.open();
    const cap = board.capture(WORKLOADS['bytes, bytearrays and arrays']!.setup + '\nl = [[i] for i in range(50)]\nt = tuple(l)');
    const img = { ...cap.image, types: new Map<number, string>() };
    // Without types every head prints as 'h', so the text differs...
    expect(deviceDumpText(loadImage(img))).not.toBe(cap.gcText);
    // ...and with letters learnt from the dump it is exact again.
    img.types = learnTypesFromDump(loadImage(img), cap.memInfoText);
    expect(img.types.size).toBeGreaterThanOrEqual(4);
    expect(deviceDumpText(loadImage(img))).toBe(cap.gcText);
  });

  it('rejects a dump that does not belong to the image', async () => {
    const board = await WasmBoard.open();
    const cap = board.capture('x = [str(i) for i in range(100)]');
    // Swap two letters in the first table line: a type word now maps to two letters.
    const bad = cap.memInfoText.replace(/^(00000000: .*)$/m, (line) => line.replace(/S/g, 'L'));
    expect(() => learnTypesFromDump(loadImage(cap.image), bad)).toThrow(/printed as both/);
  });
});
