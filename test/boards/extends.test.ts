// The `extends` merge rules, as the README states them, through the loader (in-process).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildBoard } from '../../emulator/board.js';
import { mkdirSync } from 'node:fs';
import { boardEntries, loadBoard, loadBoardFile, setPortsDirs } from '../../src/boards/load.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir('mcu-gc-extends-');
let n = 0;
function file(text: string, name = `b${n++}.yaml`): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
function error(p: string): string {
  try {
    loadBoardFile(p);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('accepted');
}

describe('extends', () => {
  const esp32 = loadBoard('esp32');

  it('null removes a key; a child can drop split-heap-auto', () => {
    const s = loadBoardFile(file('extends: esp32\nid: fixed-esp32\ngc: { splitAuto: false }\nsplitAuto: null\n'));
    expect(s.splitAuto).toBeUndefined();
    expect(s.gc).toEqual({ ...esp32.gc, splitAuto: false });
    expect(buildBoard(s).systemHeap).toBeUndefined();
  });

  it('regions merge by name: change a field, add one, remove one', () => {
    const s = loadBoardFile(
      file(
        'extends: esp32\nid: r\nregions:\n  - { name: dram, size: 0x60000 }\n  - { name: psram, kind: psram, base: 0x3F800000, size: 0x400000 }\n',
      ),
    );
    expect(s.regions.map((r) => [r.name, r.size])).toEqual([
      ['drom', 0x400000],
      ['dram', 0x60000],
      ['psram', 0x400000],
    ]);
    expect(s.regions[1]!.base).toBe(esp32.regions[1]!.base);
    const msg = error(file('extends: esp32\nid: r2\nregions:\n  - { name: drom, remove: true }\n'));
    // Removing the flash leaves the inherited typesBase nowhere: the parent's line, and who inherits it.
    expect(msg).toMatch(/^ports\/esp32\.yaml:\d+ \(inherited by .*\.yaml\): key typesBase: type objects at 0x3f408000 are not inside any memory region$/);
    expect(error(file('extends: esp32\nid: r3\nregions:\n  - { name: nope, remove: true }\n'))).toMatch(/\.yaml:4: no inherited region named 'nope' to remove$/);
  });

  it('a range takes end or size: the child\'s choice replaces the inherited other', () => {
    const s = loadBoardFile(file('extends: esp32\nid: h\nheap:\n  end: 0x3FFC7004\n'));
    expect(s.heap.start).toBe(esp32.heap.start);
    expect(s.heap.end).toBe(0x3ffc7004);
  });

  it('chains: a config extending a custom one, by path; ancestors known; cycles refused', () => {
    const mid = file('extends: esp32\nid: mid\ngc: { blockSize: 32 }\n', 'mid.yaml');
    const leaf = loadBoardFile(file('extends: ./mid.yaml\nid: leaf\ngc: { gcStack: 128 }\n'));
    expect(leaf.gc.blockSize).toBe(32);
    expect(leaf.gc.gcStack).toBe(128);
    expect(leaf.ancestors).toEqual(['mid', 'esp32']);
    void mid;
    file('extends: ./cyc-b.yaml\nid: cyc-a\n', 'cyc-a.yaml');
    file('extends: ./cyc-a.yaml\nid: cyc-b\n', 'cyc-b.yaml');
    expect(error(join(dir, 'cyc-a.yaml'))).toMatch(/cyc-b\.yaml:1: key extends: '\.\/cyc-a\.yaml' extends this file again \(a cycle\)$/);
  });

  it("a child's own mistake points at the child's line", () => {
    expect(error(file('extends: esp32\nid: bad\ngc:\n  blockSize: 24\n'))).toMatch(/b\d+\.yaml:4: key gc\.blockSize: block size must be a power of two$/);
    expect(error(file('extends: esp32\nid: bad2\nheapsize: 3\n'))).toMatch(/b\d+\.yaml:3: key heapsize: unknown key 'heapsize'$/);
  });

  it('a folder config named like a shipped board hides it (PATH rule) and may extend it', () => {
    const ports = join(dir, 'ports');
    mkdirSync(ports);
    writeFileSync(join(ports, 'esp32.yaml'), 'extends: esp32\nid: esp32\ngc: { blockSize: 32 }\n');
    setPortsDirs([ports]);
    try {
      const s = loadBoard('esp32');
      expect(s.gc.blockSize).toBe(32);
      expect(s.extends).toBe('esp32');
      expect(s.file).toMatch(/ports\/esp32\.yaml$/);
      expect(s.file).not.toBe('ports/esp32.yaml');
      const shipped = boardEntries().find((e) => e.id === 'esp32' && e.origin === 'shipped')!;
      expect(shipped.shadowedBy).toMatch(/ports\/esp32\.yaml$/);
      // Aliases of the hidden board still reach the first board with that alias: the shipped one.
      expect(loadBoard('ESP32_GENERIC').gc.blockSize).toBe(16);
    } finally {
      setPortsDirs([]);
    }
  });
});
