// A board config written from scratch, as a porter would: a Cortex-M0+ with 32 KiB of RAM
// whose linker script places the heap (shared by the custom-board and `check` tests).

export const TINY_M0_YAML = `id: tiny-m0
name: Tiny M0 (my board)
chip: Cortex-M0+, 32 KiB RAM
port: samd
micropython: v1.27.0
gc: { version: v1.27, wordSize: 4, blockSize: 16, finaliser: true, split: false, splitAuto: false, weakref: false, gcStack: 64, conservativeClear: true }
regions:
  - { name: flash, kind: flash, base: 0x0, size: 0x40000 }
  - { name: ram, kind: ram, base: 0x20000000, size: 0x8000 }
heap: { placement: linker, rule: "_ebss .. _estack - 8K", start: 0x20001000, end: 0x20006000, endFixed: true }
rootSection: { address: 0x20000100, words: 64 }
stack: { top: 0x20008000, size: 8192, used: 512 }
typesBase: 0x10000
threshold: off
sources: [my linker script]
`;
