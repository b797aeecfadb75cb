// The v1.9.x profiles: what v1.9.2 shares with v1.9.4, where it differs, and the
// compile-time defaults py/mpconfig.h gives them. Expectations come from the two gc.c files
// (../shared/reference/micropython/v1.9.2/py/gc.c and the v1.9.4 seed), not from the engine.
import { describe, expect, it } from 'vitest';
import { effectiveConfig } from '../../emulator/board.js';
import { GC_VERSIONS, defaultConfig, isV19 } from '../../emulator/config.js';
import { MemoryError, parseTrace, runTrace } from '../../emulator/index.js';
import { loadBoard } from '../../src/boards/load.js';
import { kinds, machineFrom } from './helpers.js';

const H = (v: string, extra = '') => `gc ${v}\nword 4\nblock 16\nfinaliser 0\nclear 0\n${extra}\nheap 0x20000000 0x20000400`;

describe('MICROPY_GC_CONSERVATIVE_CLEAR defaults', () => {
  it('is on for every profile a port leaves it to mpconfig.h (it defaults to MICROPY_ENABLE_GC from v1.9.2 on)', () => {
    for (const v of GC_VERSIONS) expect(defaultConfig(v).conservativeClear, v).toBe(true);
  });

  it('--gc-version v1.9.4 / v1.9.2 keeps the board\'s setting: both gc_alloc test the option', () => {
    const spec = loadBoard('esp32');
    expect(spec.gc.conservativeClear).toBe(true);
    for (const v of ['v1.9.4', 'v1.9.2'] as const) {
      const c = effectiveConfig(spec, { gcVersion: v });
      expect(c.version).toBe(v);
      expect(c.conservativeClear).toBe(true);
      expect(c.split).toBe(false);
    }
    // Off on a board stays off in the other direction too.
    const off = effectiveConfig({ ...spec, gc: { ...spec.gc, version: 'v1.9.4', conservativeClear: false } }, { gcVersion: 'v1.27' });
    expect(off.conservativeClear).toBe(false);
  });

  it('a trace header without `clear` still means clear 0 (FORMAT.md), whatever the version', () => {
    for (const v of ['v1.9.2', 'v1.9.4', 'v1.27']) {
      expect(parseTrace(`gc ${v}\nheap 0x20000000 0x20000400\n`).config.conservativeClear).toBe(false);
    }
  });

  it('a block reused with fewer bytes keeps its old first words only without conservative clear', () => {
    for (const [clear, kept] of [
      [0, 0xaaaaaaaa],
      [1, 0],
    ] as const) {
      const { heap, m } = machineFrom(H('v1.9.2').replace('clear 0', `clear ${clear}`));
      const p = heap.alloc(32);
      m.mem.write32(p, 0xaaaaaaaa);
      m.mem.write32(p + 8, 0xbbbbbbbb);
      heap.free(p);
      expect(heap.alloc(4)).toBe(p);
      expect(m.mem.read32(p)).toBe(kept);
      // Past n_bytes both clear: the rest of the block is zero.
      expect(m.mem.read32(p + 8)).toBe(0);
    }
  });
});

describe('the v1.9.2 profile', () => {
  it('is one of the v1.9 family: one area, no gap byte, the %05x dump', () => {
    expect(isV19('v1.9.2')).toBe(true);
    expect(isV19('v1.27')).toBe(false);
    // v1.9.x without finaliser: ATB = 1024 / (1 + 4*16) = 15 bytes, 60 blocks ending at
    // 0x20000400; pool start = 0x20000400 - 960 = 0x20000040.
    const out = runTrace(parseTrace(H('v1.9.2', '') + '\nalloc a 16\ndump\n')).output;
    expect(out).toContain('alloc a = 0x20000040\n');
    expect(out).toContain('GC memory layout; from 20000040:\n00000: h...');
    expect(() => parseTrace('gc v1.9.2\nsplit 1\nheap 0x20000000 0x20000400\n')).toThrow(/v1\.9\.2 has none/);
  });

  it('gc_realloc answers NULL for a pointer that is not a heap head, and changes nothing (v1.9.4 asserts)', () => {
    const { heap } = machineFrom(H('v1.9.2'));
    const a = heap.alloc(48);
    expect(heap.realloc(a + 16, 64)).toBe(0); // a tail block
    expect(heap.realloc(0x30000000, 64)).toBe(0); // outside the pool
    expect(heap.realloc(a + 4, 64)).toBe(0); // not block-aligned
    expect(kinds(heap, 4)).toBe('h==.');
    expect(heap.realloc(a, 64)).toBe(a); // grows in place as before
    const old = machineFrom(H('v1.9.4')).heap;
    old.alloc(48);
    expect(() => old.realloc(0x30000000, 64)).toThrow(MemoryError);
  });

  it('names its version in the v1.9.x gc_alloc warnings', () => {
    const t = [H('v1.9.2'), 'threshold 1', 'alloc a 16', 'alloc b 2000'].join('\n') + '\n';
    const r = runTrace(parseTrace(t));
    expect(r.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/^v1\.9\.2 gc_alloc\(2000\) bug: collected twice/)]);
  });
});
