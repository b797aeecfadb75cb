// Suggested fixes are tested by applying them: the pre-ELF qemu config (its guessed root section
// at 0x50800 and type objects at 0x30000 both inside the real heap) against the real firmware's
// dump. Before, --pool-start 0x2ffb0 --pool-total 140032 failed with "overlaps the root section".

import { describe, expect, it } from 'vitest';
import type { BoardSpec } from '../../emulator/board.js';
import { loadBoard } from '../../src/boards/load.js';
import { overridesFrom } from '../../src/boards/options.js';
import { checkAgainstConfig, emulatedDump } from '../../src/compare/emulate.js';
import { compareDumps } from '../../src/compare/compare.js';

/** The qemu config as it was before it was fixed from the ELF (guessed, and marked so). */
function preElfQemu(): BoardSpec {
  const s = loadBoard('qemu');
  return {
    ...s,
    heap: { ...s.heap, start: 0x52a40, end: 0x52a40 + 143360 },
    rootSection: { address: 0x50800, words: 64 },
    typesBase: 0x30000,
    typeAddresses: {},
    inferred: { 'heap.start': 'n/d', rootSection: 'picked in .bss', typesBase: 'picked in .rodata' },
  };
}

/** What the real v1.27.0 firmware prints (pool 0x2ffb0, 8752 blocks), as the emulator renders a board placed there. */
function realDump() {
  const real = loadBoard('qemu');
  return emulatedDump(real).parsed;
}

describe('compare suggestions are applied before they are shown', () => {
  it('the pre-ELF qemu config: the suggested pool flags build, move the guessed roots/types out, and match', () => {
    const spec = preElfQemu();
    const device = realDump();
    const emu = emulatedDump(spec);
    const checks = checkAgainstConfig(device, { platform: 'qemu', version: '1.27.0', machine: 'mps2-an385 with Cortex-M3' }, emu, {});
    const start = checks.find((c) => c.what === 'pool start (area 0)')!;
    expect(start.ok).toBe(false);
    expect(start.fix).toEqual(['--pool-start', '0x2ffb0', '--pool-total', '140032']);
    expect(checks.find((c) => c.what === 'inferred values')?.config).toContain('heap.start');
    const fixed = emulatedDump(spec, overridesFrom({ 'pool-start': '0x2ffb0', 'pool-total': '140032' }));
    expect(compareDumps({ label: 'device', parsed: device }, { label: 'emu', parsed: fixed.parsed }).layout.match).toBe(true);
    expect(fixed.board.notes.join('\n')).toMatch(/inferred root section 0x50800 lies inside this heap: moved/);
    expect(fixed.board.notes.join('\n')).toMatch(/inferred type objects at 0x30000 lie inside this heap/);
  });

  it('a measured (not inferred) root section inside the new heap is still refused', () => {
    const spec = { ...preElfQemu(), inferred: {} };
    expect(() => emulatedDump(spec, overridesFrom({ 'pool-start': '0x2ffb0', 'pool-total': '140032' }))).toThrow(/overlaps the root section/);
  });

  it('a malloc\'d heap (WebAssembly) compares relative to its pool start; the fix is --heap-size, and it works', () => {
    const spec = loadBoard('webassembly');
    const device = emulatedDump(spec, overridesFrom({ 'heap-size': '65536' })).parsed;
    // The device's heap sits elsewhere at run time.
    const moved = { ...device, areas: device.areas.map((a) => ({ ...a, start: a.start + 0x12340 })) };
    const emu = emulatedDump(spec);
    const checks = checkAgainstConfig(moved, { platform: 'webassembly', version: '1.27.0' }, emu, {});
    expect(checks.find((c) => c.what === 'pool start (area 0)')!.ok).toBe(true);
    const size = checks.find((c) => c.what === 'pool size (area 0)')!;
    expect(size.ok).toBe(false);
    expect(size.fix).toEqual(['--heap-size', '65536']);
    const fixed = emulatedDump(spec, overridesFrom({ 'heap-size': '65536' }));
    expect(compareDumps({ label: 'd', parsed: moved }, { label: 'e', parsed: fixed.parsed }, { relative: true }).layout.match).toBe(true);
  });

  it('another platform is said first and suggests no flags', () => {
    const spec = loadBoard('esp32');
    const emu = emulatedDump(spec);
    const device = emulatedDump(loadBoard('webassembly'), overridesFrom({ 'heap-size': '65536' })).parsed;
    const checks = checkAgainstConfig(device, { platform: 'webassembly', version: '1.27.0', machine: 'JS with Emscripten' }, emu, {});
    expect(checks[0]).toMatchObject({ what: 'platform (sys.platform)', ok: false, platform: true });
    expect(checks[0]!.explain).toContain('--board=webassembly');
    expect(checks.some((c) => c.fix)).toBe(false);
  });
});
