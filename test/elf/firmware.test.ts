// Firmware facts from an ELF: checked against what was measured on the running firmwares
// (../shared/reference/real-firmware.md), not against the code's own arithmetic.

import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildBoard } from '../../emulator/board.js';
import { loadBoard } from '../../src/boards/load.js';
import { applyFirmware, firmwareFacts, hintsFor, loadFirmware, memStateLayout, rootStartOffset, type StateOptions, vmTailSize } from '../../src/elf/firmware.js';
import { readElf } from '../../src/elf/read.js';
import { SHARED_QEMU_ELF } from '../helpers/qemu.js';

const QEMU_HINTS = { gcVersion: 'v1.27', gcStack: 64, finaliser: true, split: false, weakref: false };

describe.skipIf(!existsSync(SHARED_QEMU_ELF))('the v1.27.0 MPS2_AN385 ELF (../shared)', () => {
  it('gives the heap, the root range gc_collect_start scans, the heap-area fields and the banner version', async () => {
    const f = await loadFirmware(SHARED_QEMU_ELF, QEMU_HINTS);
    expect(f.version?.value).toBe('1.27.0');
    expect(f.heap?.value).toEqual({ start: 0x2f2bc, end: 0x522bc });
    expect(f.heap?.from).toMatch(/gc_heap/);
    expect(f.state?.value).toEqual({ address: 0x2efbc, size: 684 });
    // Measured on the running firmware: 51 words from 0x2efc8.
    expect(f.roots?.value).toEqual({ start: 0x2efc8, end: 0x2f094, words: 51 });
    expect(f.roots?.inferred).toMatch(/MAP_LOOKUP_CACHE/);
    // gc_collect_start reads gc_alloc_table_start at mp_state_ctx+0x180 (arm-none-eabi-objdump).
    expect(f.heapAreaFields?.value).toBe(0x2efbc + 0x180);
    expect(f.stackTop?.value).toBe(0x400000);
    // mp_state_ctx.thread.stack_top: 0x3fffec on the running firmware (real-firmware.md).
    expect(f.stackTopField?.value).toBe(0x2efbc);
    expect(f.typeAddress('str')).toBe(0x2b848);
    expect(f.typesRange!.start).toBeLessThanOrEqual(0x2a06c);
  });

  it('puts its facts into the qemu board, which then lays the heap out as the firmware does', async () => {
    const spec = loadBoard('qemu');
    const elf = await readElf(SHARED_QEMU_ELF);
    const { spec: s2, applied } = applyFirmware(spec, firmwareFacts(elf, hintsFor(spec)));
    const b = buildBoard(s2);
    // The firmware prints: GC memory layout; from 2ffb0, GC: total: 140032.
    expect(b.areas[0]!.poolStart).toBe(0x2ffb0);
    expect(b.machine.heap.info().total).toBe(140032);
    expect(applied.map((a) => a.key)).toEqual(expect.arrayContaining(['heap.start', 'heap.end', 'rootSection.address', 'typesBase', 'types']));
    // ports/qemu.yaml describes this very build: the ELF changes none of its values.
    expect(applied.filter((a) => a.was !== undefined)).toEqual([]);
  });

  it('sets the values from the ELF over a config that guessed them (the pre-ELF qemu config)', async () => {
    const spec = loadBoard('qemu');
    const guessed = { ...spec, heap: { ...spec.heap, start: 0x52a40, end: 0x52a40 + 143360 }, rootSection: { address: 0x50800, words: 64 }, typesBase: 0x30000, typeAddresses: {} };
    const { spec: s2, applied } = applyFirmware(guessed, firmwareFacts(await readElf(SHARED_QEMU_ELF), hintsFor(spec)));
    expect(applied.find((a) => a.key === 'heap.start')).toMatchObject({ value: '0x2f2bc', was: '0x52a40' });
    expect(applied.find((a) => a.key === 'rootSection.address')).toMatchObject({ value: '0x2efc8', was: '0x50800' });
    expect(s2.typeAddresses?.str).toBe(0x2b848);
    expect(buildBoard(s2).areas[0]!.poolStart).toBe(0x2ffb0);
  });
});

describe('mp_state_ctx layout tables', () => {
  const v192: StateOptions = {
    stackCheck: true, pystack: false, memStats: false, finaliser: false, split: false, weakref: false, allocThreshold: true,
    gcStack: 32, gcStackEntry: 4, collectRetval: false, compiler: true, emitNative: false, emergencyBufDynamic: false,
    scheduler: false, schedulerStaticNodes: false, vmAbort: false, mapLookupCache: 0, thread: false,
  };
  it('v1.9.2 (micro:bit v1.0.1): roots 0x2000014c..0x200001e8 and heap fields at 0x200001f8 in a 340-byte mp_state_ctx', () => {
    const ctx = 0x2000014c;
    const mem = memStateLayout('v1.9.2', v192, 4);
    const end = ctx + 340 - mem.size - vmTailSize('v1.9.2', v192, 4);
    expect(ctx + rootStartOffset('v1.9.2', v192, 4)).toBe(0x2000014c);
    expect(end).toBe(0x200001e8);
    expect(ctx + 340 - mem.size + mem.areaOffset).toBe(0x200001f8);
  });
});

describe('every board config marks what it infers', () => {
  // Values that depend on the build's link or on run time, unless measured on the one binary a
  // board ships (the micro:bit's Debian firmware).
  const MEASURED_ON_ITS_BINARY = new Set(['microbit']);
  it('heap.start (link- or run-time-dependent), rootSection, and typesBase/types are listed in inferred', async () => {
    const { listBoards } = await import('../../src/boards/load.js');
    for (const b of listBoards()) {
      const keys = Object.keys(b.inferred);
      const has = (k: string): boolean => keys.some((x) => x === k || x.startsWith(`${k}.`) || k.startsWith(`${x}.`));
      if (MEASURED_ON_ITS_BINARY.has(b.id)) continue;
      const fixedByLinkerScript = b.heap.placement === 'linker' && b.heap.endFixed && b.id === 'teensy41';
      if (!fixedByLinkerScript) expect(has('heap.start'), `${b.id}: heap.start`).toBe(true);
      expect(has('rootSection'), `${b.id}: rootSection`).toBe(true);
      expect(has('typesBase') || has('types'), `${b.id}: typesBase`).toBe(true);
    }
  });
});
