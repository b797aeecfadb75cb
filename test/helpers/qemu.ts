// Real MicroPython firmware under QEMU for tests: where the firmware and QEMU are, why a test
// must skip, and one QEMU per test file that is always stopped by its pid (a running
// mps2-an385 busy-polls its UART and keeps a core at 100 %).

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { qemuUnavailable, startQemu, type QemuInstance, type QemuOptions } from '../../src/qemu/launch.js';
import type { QemuMachineId } from '../../src/qemu/machines.js';

/** The v1.27.0 qemu-port ELF in ../shared (beside the clone), when present. */
export const SHARED_QEMU_ELF = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'shared',
  'firmware',
  'mps2-an385',
  'micropython-v1.27.0-MPS2_AN385.elf',
);

/** The firmware a test uses for a machine (the shared ELF for mps2-an385, Debian's hex for microbit). */
export function testFirmware(machine: QemuMachineId): string | undefined {
  return machine === 'mps2-an385' ? SHARED_QEMU_ELF : undefined;
}

/** Why a test of this machine must skip here, with the package that fixes it; undefined when it can run. */
export function qemuSkipReason(machine: QemuMachineId): string | undefined {
  if (machine === 'mps2-an385' && !existsSync(SHARED_QEMU_ELF)) {
    return `no ../shared/firmware beside this clone (the MicroPython v1.27.0 qemu-port ELF)`;
  }
  return qemuUnavailable(machine, testFirmware(machine));
}

/** Starts the machine's firmware (the test's default firmware unless opts.firmware). */
export function bootQemu(machine: QemuMachineId, opts: Partial<QemuOptions> = {}): Promise<QemuInstance> {
  return startQemu({ machine, firmware: testFirmware(machine), ...opts });
}

/** Whether a process (e.g. a QEMU that should have been stopped) still exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (dead, not yet reaped by its new parent) answers kill(0) but runs nothing.
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return !existsSync('/proc/self/stat'); // gone just now, or no /proc (then trust kill(0))
  }
}
