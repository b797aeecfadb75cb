// The platform checks compare runs first, on the identities real boards report
// (sys.platform, and the "BOARD with MCU" machine string of os.uname()/sys.implementation).

import { describe, expect, it } from 'vitest';
import { loadBoard } from '../../src/boards/load.js';
import { platformChecks } from '../../src/compare/platform.js';

const ok = (board: string, platform: string, machine: string): boolean =>
  platformChecks({ platform, machine, version: '1.27.0' }, loadBoard(board), loadBoard(board).gc.wordSize)
    .filter((c) => c.what !== 'MicroPython version')
    .every((c) => c.ok);

describe('platformChecks', () => {
  it('accepts the machine strings the real boards print', () => {
    expect(ok('esp32', 'esp32', 'Generic ESP32 module with ESP32')).toBe(true);
    expect(ok('esp32s3', 'esp32', 'Generic ESP32S3 module with ESP32S3')).toBe(true);
    expect(ok('rp2-pico', 'rp2', 'Raspberry Pi Pico with RP2040')).toBe(true);
    expect(ok('pyboard', 'pyboard', 'PYBv1.1 with STM32F405RG')).toBe(true);
    expect(ok('teensy41', 'mimxrt', 'Teensy 4.1 with MIMXRT1062DVJ6A')).toBe(true);
    expect(ok('qemu', 'qemu', 'mps2-an385 with Cortex-M3')).toBe(true);
    expect(ok('webassembly', 'webassembly', 'JS with Emscripten')).toBe(true);
  });

  it('refuses another port or another chip of the same port', () => {
    expect(ok('esp32', 'webassembly', 'JS with Emscripten')).toBe(false);
    expect(ok('esp32s3', 'esp32', 'Generic ESP32C3 module with ESP32C3')).toBe(false);
    expect(ok('rp2-pico', 'rp2', 'Raspberry Pi Pico2 with RP2350')).toBe(false);
    // The minimal port's STM32F405 is a pyboard's chip too; the port tells them apart.
    expect(ok('minimal', 'pyboard', 'PYBv1.1 with STM32F405RG')).toBe(false);
    expect(ok('pyboard', 'pyboard', 'PYBv1.1 with STM32F405RG')).toBe(true);
  });

  it('renesas-ra: the EK-RA6M2 board by its port and MCU', () => {
    expect(ok('ek-ra6m2', 'renesas-ra', 'RA6M2_EK with RA6M2')).toBe(true);
    expect(ok('ek-ra6m2', 'renesas-ra', 'VK-RA6M5 with RA6M5')).toBe(false);
    expect(ok('ek-ra6m2', 'rp2', 'Raspberry Pi Pico with RP2040')).toBe(false);
  });

  it('tells the word size from sys.implementation._mpy (x64 native code = 64-bit)', () => {
    const c = platformChecks({ platform: 'linux', implementation: "(name='micropython', version=(1, 27, 0, ''), _machine='linux [GCC 12.2.0] version', _mpy=2822)" }, loadBoard('unix32'), 4);
    expect(c.find((x) => x.what === 'word size')).toMatchObject({ ok: false, device: '64-bit', config: '32-bit' });
  });
});
