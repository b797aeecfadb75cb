// Board configs are validated on load: a broken one fails with one line naming the file,
// the line, the key and the reason.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { listBoards, loadBoard, parseBoard, portsDir } from '../../src/boards/load.js';
import { UserError } from '../../src/errors.js';

const esp32 = readFileSync(`${portsDir()}/esp32.yaml`, 'utf8');
const pico = readFileSync(`${portsDir()}/rp2-pico.yaml`, 'utf8');

function error(text: string, file = 'ports/broken.yaml'): string {
  try {
    parseBoard(text, file);
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as Error).message;
  }
  throw new Error('the broken config was accepted');
}

function lineOf(text: string, needle: string): number {
  return text.split('\n').findIndex((l) => l.includes(needle)) + 1;
}

describe('board config validation', () => {
  it('every shipped config loads and has at least 16 boards', () => {
    expect(listBoards().length).toBeGreaterThanOrEqual(16);
  });

  it('overlapping regions', () => {
    const t = pico.replace('base: 0x20040000, size: 0x1000', 'base: 0x2003F000, size: 0x1000');
    const msg = error(t);
    expect(msg).toMatch(/^ports\/broken\.yaml:\d+: key regions\[2\]: region scratch_x \[0x2003f000, 0x20040000\) overlaps ram/);
    expect(msg).toContain(`:${lineOf(t, 'name: scratch_x')}:`);
  });

  it('heap outside RAM', () => {
    const t = esp32.replace('start: 0x3FFBF004', 'start: 0x3F500000');
    expect(error(t)).toMatch(/^ports\/broken\.yaml:\d+: key heap: the heap \[0x3f500000, 0x3f50e000\) is in flash region drom, not RAM$/);
    const t2 = pico.replace('end: 0x20040000', 'end: 0x20050000');
    expect(error(t2)).toMatch(/key heap: the heap \[0x20010e80, 0x20050000\) is not inside any memory region/);
  });

  it('block size not a power of two', () => {
    const t = esp32.replace('blockSize: 16 ', 'blockSize: 24 ');
    expect(error(t)).toBe(`ports/broken.yaml:${lineOf(t, 'blockSize: 24')}: key gc.blockSize: block size must be a power of two`);
  });

  it('unknown keys, with the line of the key', () => {
    const t = esp32.replace('  gcStack: 64 ', '  gcstack: 64 ');
    const msg = error(t);
    expect(msg).toMatch(/key gc(\.gcStack: .*|: unknown key 'gcstack')/);
    const t2 = esp32.replace('threshold: off', 'threshold: off\nheapsize: 1234');
    expect(error(t2)).toBe(`ports/broken.yaml:${lineOf(t2, 'heapsize: 1234')}: key heapsize: unknown key 'heapsize'`);
  });

  it('wrong types and bad YAML', () => {
    expect(error(esp32.replace('wordSize: 4', 'wordSize: 6'))).toMatch(/key gc\.wordSize: /);
    expect(error(esp32.replace('id: esp32', 'id: [esp32'))).toMatch(/^ports\/broken\.yaml:\d+:\d+: not valid YAML/);
  });

  it('heap overlapping the stack, split-auto without a system heap', () => {
    expect(error(pico.replace('top: 0x20042000', 'top: 0x20030000'))).toMatch(/key stack: the C stack overlaps the heap \[0x20010e80, 0x20040000\)$/);
    expect(error(esp32.replace(/splitAuto:\n  rule[\s\S]*?(?=sources:)/, ''))).toMatch(/key splitAuto: gc\.splitAuto is true but no splitAuto/);
  });

  it('unknown board names list the known ids; MicroPython board names are aliases', () => {
    expect(() => loadBoard('NOPE')).toThrow(/unknown board 'NOPE' \(known: .*esp32,.*rp2-pico.*\)/);
    // A family or a variant: the boards it names come first.
    expect(() => loadBoard('ESP32_NOPE')).toThrow(/unknown board 'ESP32_NOPE' \(did you mean esp32\? known: .*esp32,.*rp2-pico.*\)/);
    expect(() => loadBoard('rp2')).toThrow(/unknown board 'rp2' \(did you mean rp2-pico, rp2-pico2, rp2-pico2-psram\? known: /);
    expect(() => loadBoard('RPI_PICO2_W')).toThrow(/unknown board 'RPI_PICO2_W' \(did you mean rp2-pico, rp2-pico2\? known: /);
    expect(() => loadBoard('x')).toThrow(/unknown board 'x' \(known: /);
    expect(loadBoard('ESP32_GENERIC').id).toBe('esp32');
    expect(loadBoard('rpi_pico').id).toBe('rp2-pico');
    expect(loadBoard('PYBV11').id).toBe('pyboard');
  });
});
