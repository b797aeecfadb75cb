// The real firmwares mcu-gc can run under qemu-system-arm, and the command line each needs.
// Both put the firmware's UART on a pseudo-terminal (`-serial pty`), so every serial client
// (mcu-gc, mpremote, pyboard.py, picocom) talks to it as to a board on USB.

/** Debian's package of the BBC micro:bit MicroPython firmware (v1.0.1, MicroPython core v1.9.2). */
export const MICROBIT_FIRMWARE = '/usr/share/firmware-microbit-micropython/firmware.hex';

export type QemuMachineId = 'microbit' | 'mps2-an385';

export interface QemuMachine {
  id: QemuMachineId;
  /** What the user sees in messages. */
  title: string;
  /** Firmware used when none is given (undefined: --firmware is required). */
  defaultFirmware?: string;
  /** Where a missing default firmware comes from. */
  firmwareHint: string;
  /** The mcu-gc board config describing this firmware. */
  board: string;
  /** qemu-system-arm arguments for this firmware (without -gdb / -S). */
  args(firmware: string): string[];
}

export const QEMU_MACHINES: Record<QemuMachineId, QemuMachine> = {
  microbit: {
    id: 'microbit',
    title: 'BBC micro:bit (nRF51822) running MicroPython v1.9.2 (micro:bit v1.0.1)',
    defaultFirmware: MICROBIT_FIRMWARE,
    firmwareHint: "install Debian's micro:bit MicroPython with 'apt-get install firmware-microbit-micropython', or give --firmware FILE.hex",
    board: 'microbit',
    // The firmware is an Intel HEX image (no symbols): the generic loader places it in flash.
    args: (fw) => ['-M', 'microbit', '-device', `loader,file=${fw}`, '-display', 'none', '-serial', 'pty', '-monitor', 'none'],
  },
  'mps2-an385': {
    id: 'mps2-an385',
    title: "MicroPython's qemu port, board MPS2_AN385 (Cortex-M3)",
    firmwareHint: 'build it with make -C ports/qemu BOARD=MPS2_AN385 in a MicroPython checkout and give --firmware build-MPS2_AN385/firmware.elf',
    board: 'qemu',
    // As ports/qemu's Makefile `run` target: semihosting on, the UART on a pty, no monitor.
    args: (fw) => ['-machine', 'mps2-an385', '-nographic', '-monitor', 'null', '-semihosting', '-serial', 'pty', '-kernel', fw],
  },
};

export function qemuMachine(name: string): QemuMachine | undefined {
  const key = name.trim().toLowerCase();
  if (key === 'microbit' || key === 'micro:bit' || key === 'bbc-microbit') return QEMU_MACHINES.microbit;
  if (key === 'mps2-an385' || key === 'mps2_an385' || key === 'qemu') return QEMU_MACHINES['mps2-an385'];
  return undefined;
}
