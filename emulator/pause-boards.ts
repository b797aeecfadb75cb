// Which pause model (emulator/pause.ts) describes each board's CPU. Only the ESP32 family
// is calibrated against published collection times; the others reuse the ESP32 SRAM cycle
// costs at their own clock, with a wider error band (a factor of 2) to say so. Host ports
// (unix, webassembly) and qemu have no meaningful "board" pause: null.

import { PAUSE_PROFILES, type PauseProfile } from './pause.js';

const sram = PAUSE_PROFILES.esp32!.ram;
const uncalibrated = { ...sram, error: 1.0 };

function scaled(name: string, cpuMHz: number, psram = false): PauseProfile {
  return {
    name: `${name} (${cpuMHz} MHz; ESP32 cycle costs, not calibrated on this chip)`,
    cpuMHz,
    ram: uncalibrated,
    ...(psram ? { psram: PAUSE_PROFILES.esp32!.psram! } : {}),
    cyclesPerHead: 20,
    fixedCycles: 5000,
  };
}

const BY_BOARD: Record<string, PauseProfile | null> = {
  esp32: PAUSE_PROFILES.esp32!,
  esp32s3: PAUSE_PROFILES.esp32s3!,
  esp32c3: scaled('ESP32-C3', 160),
  esp32c2: scaled('ESP32-C2', 120),
  esp8266: scaled('ESP8266', 80),
  'rp2-pico': scaled('RP2040', 125),
  'rp2-pico2': scaled('RP2350', 150),
  'rp2-pico2-psram': scaled('RP2350', 150, true),
  pyboard: scaled('STM32F405', 168),
  stm32h743: scaled('STM32H743', 480),
  nrf52840: scaled('nRF52840', 64),
  samd21: scaled('SAMD21', 48),
  samd51: scaled('SAMD51', 120),
  teensy41: scaled('i.MX RT1062', 600),
  'ek-ra6m2': scaled('RA6M2', 120),
  // ports/minimal leaves the STM32F405 on its internal 16 MHz oscillator (stm32_init in main.c).
  minimal: scaled('STM32F405 on its 16 MHz HSI', 16),
  qemu: null,
  unix: null,
  unix32: null,
  webassembly: null,
};

export function pauseProfileForBoard(id: string): PauseProfile | null {
  return BY_BOARD[id] ?? null;
}
