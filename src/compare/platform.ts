// Is the device the platform the board config describes at all? The port (sys.platform), the
// MCU (the "… with MCU" of os.uname().machine / sys.implementation._machine), the word size
// (sys.implementation._mpy's native architecture) and the MicroPython release. A mismatch here
// is said first: no placement flag can make an ESP32 config describe a WebAssembly heap.

import type { BoardSpec } from '../../emulator/board.js';
import type { DeviceIdentity } from '../capture/snapshot.js';
import { profileFor } from '../capture/device.js';

export interface PlatformCheck {
  what: string;
  ok: boolean;
  device: string;
  config: string;
  explain?: string;
}

/** sys.platform each port reports (py/mpconfig.h MICROPY_PY_SYS_PLATFORM per port). */
const PORT_PLATFORMS: Record<string, (p: string) => boolean> = {
  esp32: (p) => p === 'esp32',
  esp8266: (p) => p === 'esp8266',
  microbit: (p) => p === 'microbit',
  nrf: (p) => p.startsWith('nrf'),
  stm32: (p) => p === 'pyboard' || p.startsWith('stm32'),
  qemu: (p) => p === 'qemu' || p.startsWith('qemu'),
  rp2: (p) => p === 'rp2',
  samd: (p) => p === 'samd',
  mimxrt: (p) => p === 'mimxrt',
  'renesas-ra': (p) => p === 'renesas-ra',
  // ports/minimal has no gc module, so it cannot be captured; the rule keeps a pyboard (also
  // an STM32F405) from fitting the minimal config.
  minimal: (p) => p === 'minimal',
  webassembly: (p) => p === 'webassembly',
  // ports/unix reports the host OS.
  unix: (p) => ['linux', 'darwin', 'freebsd', 'netbsd', 'openbsd', 'win32', 'cygwin', 'android'].includes(p),
};

const norm = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** The MCU named after " with " in the machine string ("Generic ESP32S3 module with ESP32S3" → "esp32s3"). */
function mcuOf(machine: string | undefined): string | undefined {
  const m = / with (.+)$/.exec(machine ?? '');
  const t = m ? norm(m[1]!) : '';
  return t.length >= 3 ? t : undefined;
}

/** Native-code architecture from sys.implementation._mpy (bits 10+), for the word size. */
function wordSizeOf(identity: DeviceIdentity): 4 | 8 | undefined {
  const m = /_mpy=(\d+)/.exec(identity.implementation ?? '');
  if (m) {
    const arch = Number(m[1]) >> 10;
    // py/persistentcode.h: 2 = X64, 12 = RV64IMC (64-bit); the others are 32-bit; 0 = no native emitter.
    if (arch === 2 || arch === 12) return 8;
    if (arch !== 0) return 4;
  }
  const mach = (identity.machine ?? '') + ' ' + (identity.uname ?? '');
  if (/x86_64|amd64|aarch64|arm64|riscv64/i.test(mach)) return 8;
  if (/\bi[3-6]86\b|armv[67]l/i.test(mach)) return 4;
  return undefined;
}

export function platformChecks(identity: DeviceIdentity, spec: BoardSpec, wordSize: 4 | 8): PlatformCheck[] {
  const out: PlatformCheck[] = [];
  const p = identity.platform?.trim();
  const portOk = PORT_PLATFORMS[spec.port];
  if (p && portOk) {
    const ok = portOk(p);
    const c: PlatformCheck = { what: 'platform (sys.platform)', ok, device: p, config: `port ${spec.port}` };
    if (!ok) c.explain = `the device runs a different MicroPython port than ${spec.id} describes`;
    out.push(c);
  }
  const mcu = mcuOf(identity.machine);
  if (mcu && (!p || !portOk || portOk(p))) {
    // Only within the right port: an MCU name the chip line does not contain is another chip.
    const chip = norm(spec.chip + ' ' + spec.name + ' ' + spec.aliases.join(' '));
    // Either the config names the MCU, or the MCU's part number extends one the config names
    // (MIMXRT1062DVJ6A vs mimxrt1062): tokens with a digit, at least 5 characters.
    const tokens = `${spec.chip} ${spec.name} ${spec.aliases.join(' ')}`
      .split(/[\s(),/+]+/)
      .map(norm)
      .filter((t) => t.length >= 5 && /\d/.test(t));
    const ok = chip.includes(mcu) || tokens.some((t) => mcu.includes(t));
    const c: PlatformCheck = { what: 'chip', ok, device: identity.machine!, config: spec.chip };
    if (!ok) c.explain = `the device says it is ${identity.machine}; ${spec.id} describes ${spec.chip}`;
    out.push(c);
  }
  const ws = wordSizeOf(identity);
  if (ws !== undefined) {
    const ok = ws === wordSize;
    const c: PlatformCheck = { what: 'word size', ok, device: `${ws * 8}-bit`, config: `${wordSize * 8}-bit` };
    if (!ok) c.explain = `a ${ws * 8}-bit build: every object and table has another size`;
    out.push(c);
  }
  if (identity.version) {
    const cfgVer = /^v?(\d+\.\d+)/.exec(spec.micropython)?.[1];
    const devVer = /^(\d+\.\d+)/.exec(identity.version)?.[1];
    const ok = cfgVer !== undefined && cfgVer === devVer;
    const c: PlatformCheck = { what: 'MicroPython version', ok, device: identity.version, config: spec.micropython };
    if (!ok) {
      const dp = profileFor(identity.version);
      c.explain =
        dp && dp !== spec.gc.version && !(dp === 'v1.9.4' && spec.gc.version.startsWith('v1.9'))
          ? `the config describes ${spec.micropython} (py/gc.c profile ${spec.gc.version}); this firmware's GC follows ${dp}`
          : `the config's facts are from ${spec.micropython}; RAM use at boot and the heap placement can differ in another release`;
    }
    out.push(c);
  }
  return out;
}

/** Boards whose port and chip fit this device (for "compare with --board=…"). */
export function boardsFor(identity: DeviceIdentity, boards: BoardSpec[]): string[] {
  return boards
    .filter((b) => {
      const ws = b.gc.wordSize;
      return platformChecks(identity, b, ws).filter((c) => c.what !== 'MicroPython version').every((c) => c.ok);
    })
    .map((b) => b.id);
}
