// The `GC: total:` a real device prints right after boot, wherever MicroPython's source (or a
// verified build) determines it — computed here through the engine (config → gc_init →
// gc_info), not read back from the config (which states heap bytes, not pool bytes).
import { describe, expect, it } from 'vitest';
import { buildBoard } from '../../emulator/board.js';
import { dumpInfo } from '../../emulator/dump.js';
import { loadBoard } from '../../src/boards/load.js';

function bootLine(board: string, overrides = {}): string {
  const b = buildBoard(loadBoard(board), overrides);
  return dumpInfo(b.machine.heap.info(), b.config.splitAuto).split('\n')[0]!;
}

describe('GC: total right after boot', () => {
  const cases: Array<[string, number, string]> = [
    ['ESP32_GENERIC', 56000, 'ports/esp32/mpconfigport.h: 56 KiB initial heap on ESP32'],
    ['ESP32_GENERIC_S3', 64000, '64 KiB on S3'],
    ['ESP32_GENERIC_C3', 64000, '64 KiB on C3'],
    ['ESP32_GENERIC_C2', 35968, '36 KiB on C2'],
    ['unix', 2072832, 'unix 64-bit, verified build'],
    ['unix32', 1024512, 'unix 32-bit, verified build'],
    ['MPS2_AN385', 140032, 'qemu MICROPY_HEAP_SIZE 143360'],
    ['TEENSY41', 768384, 'OCRAM 0x20200000-0x202C0000'],
    ['ESP8266_GENERIC', 38016, '38 KiB static heap, 16-aligned'],
    ['EK_RA6M2', 308160, "FSP's g_heap[0x4D000] in .heap"],
    ['minimal', 1984, 'static char heap[2048]'],
  ];
  for (const [board, total, why] of cases) {
    it(`${board}: ${total} (${why})`, () => {
      expect(bootLine(board)).toMatch(new RegExp(`^GC: total: ${total}, used: 0, free: ${total}(, max new split: \\d+)?$`));
    });
  }

  it('split-heap-auto boards print max new split, others do not', () => {
    expect(bootLine('esp32')).toMatch(/, max new split: \d+$/);
    expect(bootLine('webassembly')).toMatch(/, max new split: 134217728$/);
    expect(bootLine('rp2-pico')).not.toMatch(/max new split/);
  });

  it('the heap size follows the override, through the same layout arithmetic', () => {
    // 36 KiB on esp32 must give what the C2 gives: the pool depends on the size, not the board.
    expect(bootLine('esp32', { heapSize: 36864 })).toMatch(/^GC: total: 35968,/);
    expect(bootLine('webassembly', { heapSize: 65536 })).toMatch(/^GC: total: 64000,/);
  });

  it('rp2 + PSRAM adds an 8 MiB area after a 32-byte area struct (ports.md §14: pool 8196416 at 0x1102eec0)', () => {
    const b = buildBoard(loadBoard('rp2-pico2-psram'));
    const psram = b.areas[1]!;
    expect(psram.descriptor).toEqual({ address: 0x11000000, size: 32 });
    expect(psram.poolBytes).toBe(8196416);
    expect(psram.poolStart).toBe(0x1102eec0);
  });

  it('ports.md §14 worked layouts through the shipped configs: EK_RA6M2 and the minimal port', () => {
    const ra = buildBoard(loadBoard('EK_RA6M2')).areas[0]!;
    expect([ra.atbLen, ra.ftbLen, ra.blocks, ra.poolBytes]).toEqual([4815, 2408, 19260, 308160]);
    const min = buildBoard(loadBoard('minimal'));
    const m = min.areas[0]!;
    // No finaliser (ROM level MINIMUM): no FTB; the pool starts 0x40 into the array.
    expect([m.atbLen, m.ftbLen, m.blocks, m.poolBytes]).toEqual([31, 0, 124, 1984]);
    expect(m.poolStart - min.heapStart).toBe(0x40);
  });

  it('a captured pool (--pool-start/--pool-total) places the linker heap so gc_init reproduces it', () => {
    // A pool ending at RAM end (0x20040000), as a RPI_PICO build with a bigger .bss would show.
    const b = buildBoard(loadBoard('RPI_PICO'), { pool: { start: 0x20011200, total: 192000 } });
    const a = b.areas[0]!;
    expect(a.poolStart).toBe(0x20011200);
    expect(a.poolBytes).toBe(192000);
    expect(b.heapEnd).toBe(0x20040000);
    expect(b.heapStart).toBeLessThan(a.atbStart + 1);
  });

  it('a captured pool that does not fit the board is refused with the reason', () => {
    expect(() => buildBoard(loadBoard('RPI_PICO'), { pool: { start: 0x20011000, total: 195584 } })).toThrow(/not inside a RAM region of rp2-pico/);
    expect(() => buildBoard(loadBoard('RPI_PICO'), { pool: { start: 0x20011000, total: 1000 } })).toThrow(/not a whole number of ATB bytes/);
  });
});
