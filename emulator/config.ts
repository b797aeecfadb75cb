// GC profiles: which py/gc.c behaviour to follow, and the compile-time options a port
// sets (the MICROPY_* macros that change the heap's layout or algorithm).

export type GcVersion = 'v1.9.2' | 'v1.9.4' | 'v1.27' | 'v1.28';

export const GC_VERSIONS: readonly GcVersion[] = ['v1.9.2', 'v1.9.4', 'v1.27', 'v1.28'];

/**
 * The v1.9 family (v1.9.2, v1.9.4): one heap area, no gap byte after the ATB, finalisers run
 * inline in gc_sweep, gc_alloc with the stale free-run count and the double collection, and
 * the `%05x` dump offsets. v1.9.2 differs from v1.9.4 only where gc.c's API is misused
 * (gc_realloc of a pointer that is not a heap head, see GcHeap.realloc).
 */
export function isV19(version: GcVersion): boolean {
  return version === 'v1.9.2' || version === 'v1.9.4';
}

export interface GcConfig {
  /** Which py/gc.c to follow. v1.27 stands for 1.21–1.27; v1.28 adds the weakref table. v1.9.2 is the BBC micro:bit's core. */
  version: GcVersion;
  /** Bytes per machine word (pointer size). */
  wordSize: 4 | 8;
  /** MICROPY_BYTES_PER_GC_BLOCK. */
  blockSize: number;
  /** MICROPY_ENABLE_FINALISER: an FTB and `__del__` calls during sweep. */
  finaliser: boolean;
  /** MICROPY_GC_SPLIT_HEAP: gc_add() may link more areas (v1.20+). */
  split: boolean;
  /** MICROPY_GC_SPLIT_HEAP_AUTO: grow from the system heap when an allocation fails (v1.21+). */
  splitAuto: boolean;
  /** MICROPY_PY_WEAKREF: a WTB after the FTB (v1.28+). */
  weakref: boolean;
  /** MICROPY_ALLOC_GC_STACK_SIZE: entries in the explicit mark stack. */
  gcStack: number;
  /** MICROPY_GC_CONSERVATIVE_CLEAR: zero whole new blocks, not only past n_bytes. */
  conservativeClear: boolean;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

/**
 * Defaults as py/mpconfig.h of each version sets them for a port that says nothing.
 * MICROPY_GC_CONSERVATIVE_CLEAR defaults to MICROPY_ENABLE_GC in every version from v1.9.2
 * on (the micro:bit build leaves it on): new blocks are zeroed whole. (A gctrace header
 * without a `clear` line still means clear 0: that is the trace format's own default.)
 */
export function defaultConfig(version: GcVersion = 'v1.27', wordSize: 4 | 8 = 4): GcConfig {
  return {
    version,
    wordSize,
    blockSize: 4 * wordSize,
    finaliser: true,
    split: false,
    splitAuto: false,
    weakref: false,
    gcStack: 64,
    conservativeClear: true,
  };
}

/** Rejects combinations that no MicroPython build can have. */
export function validateConfig(c: GcConfig): GcConfig {
  if (!(GC_VERSIONS as readonly string[]).includes(c.version)) {
    throw new ConfigError(`unknown GC version ${String(c.version)} (known: ${GC_VERSIONS.join(', ')})`);
  }
  if (c.wordSize !== 4 && c.wordSize !== 8) throw new ConfigError(`word size must be 4 or 8, not ${c.wordSize}`);
  if (!isPowerOfTwo(c.blockSize)) throw new ConfigError(`block size ${c.blockSize} is not a power of two`);
  if (c.blockSize < c.wordSize) {
    throw new ConfigError(`block size ${c.blockSize} is smaller than a word (${c.wordSize} bytes)`);
  }
  if (!Number.isInteger(c.gcStack) || c.gcStack < 1 || c.gcStack > 1 << 20) {
    throw new ConfigError(`GC mark stack size ${c.gcStack} must be a whole number from 1 to 1048576`);
  }
  if (isV19(c.version) && c.split) throw new ConfigError(`split heaps (gc_add) need v1.20 or later; ${c.version} has none`);
  if (c.splitAuto && !c.split) throw new ConfigError('split-heap-auto needs split heaps');
  if (c.weakref && c.version !== 'v1.28') throw new ConfigError('the weakref table (WTB) first appears in v1.28');
  if (c.weakref && !c.finaliser) throw new ConfigError('weakref needs the finaliser enabled');
  return c;
}

/**
 * sizeof(mp_state_mem_area_t): gc_add() places one at the start of each added area.
 * Fields (py/mpstate.h v1.21+): next (split), ATB start, ATB length, FTB start (finaliser),
 * WTB start (v1.28 weakref), pool start, pool end, last free ATB index, last used block —
 * each one word, no padding.
 */
export function areaStructSize(c: GcConfig): number {
  let words = 6;
  if (c.split) words++;
  if (c.finaliser) words++;
  if (c.weakref) words++;
  return words * c.wordSize;
}
