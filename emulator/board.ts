// A board: its memory map, where MicroPython puts the GC heap in it, and the GC build
// options the port compiles with — as validated, pure data (BoardSpec) — and the emulated
// machine booted from it (buildBoard). Board configs live in ports/*.yaml; src/boards/
// loads and validates them. Facts and citations: ../shared/reference/ports.md.
//
// Pure module: no Node APIs.

import { type GcConfig, type GcVersion, ConfigError, isV19, validateConfig } from './config.js';
import { THRESHOLD_OFF } from './heap.js';
import { type AreaLayout, computeAreaLayout } from './layout.js';
import { Machine } from './machine.js';
import { type RegionKind, type RegionSpec, hex } from './memory.js';
import { SystemHeap, type SystemHeapSpec } from './system-heap.js';
import { TypeTable, type TypeName } from './types.js';

export interface BoardRegion extends RegionSpec {
  /** What the region holds (e.g. "DRAM", "OCRAM", "XIP flash: .text/.rodata"). */
  note?: string;
}

/**
 * Where gc_init()'s [start, end) comes from.
 *  - static:  a `static char heap[N]` in .bss (esp8266, qemu): start is link-dependent (n/d).
 *  - linker:  linker symbols, e.g. `_heap_start = _ebss`, `_heap_end = _sstack` (stm32, nrf,
 *             samd, rp2): end fixed by the linker script, start = the build's end of .bss (n/d).
 *  - malloc:  malloc'd once at start-up (unix, webassembly, esp32's initial area).
 */
export type HeapPlacement = 'static' | 'linker' | 'malloc';

export interface HeapSpec {
  placement: HeapPlacement;
  /** The rule, as the port's source states it (shown by `layout`). */
  rule: string;
  /** gc_init(start, end). */
  start: number;
  end: number;
  /** For linker heaps: the end is pinned by the linker script, so a size override moves the start. */
  endFixed: boolean;
  /** Areas the port gc_add()s at boot (rp2 / mimxrt PSRAM), in order. */
  add: Array<{ start: number; end: number; note?: string }>;
}

/** gc.threshold() at boot: off (-1), a byte count, or a fraction of the pool (esp8266's _boot.py). */
export type ThresholdSpec = 'off' | { bytes: number } | { poolDivisor: number };

export interface StackSpec {
  /** stack_top: the C stack grows down from here. */
  top: number;
  /** Stack size in bytes (mp_cstack_init size). */
  size: number;
  /** MICROPY_STACK_CHECK_MARGIN: `out of` prints size - margin. */
  margin: number;
  /** Bytes in use when mem_info() runs from the REPL (what `stack:` prints; observed values). */
  used: number;
  /** Does the port print `out of N` (MICROPY_STACK_CHECK)? */
  check: boolean;
}

export interface SplitAutoSpec extends SystemHeapSpec {
  /** Why / how the port grows (shown by `layout`). */
  rule: string;
}

export interface BoardSpec {
  /** Short id used on the command line: esp32, rp2-pico, ... */
  id: string;
  /** Human name. */
  name: string;
  /** MicroPython board names (ESP32_GENERIC, RPI_PICO, ...) and other accepted names. */
  aliases: string[];
  chip: string;
  /** MicroPython port directory (ports/<port>). */
  port: string;
  /** MicroPython release the facts are from, e.g. "v1.27.0". */
  micropython: string;
  gc: GcConfig;
  regions: BoardRegion[];
  heap: HeapSpec;
  /** mp_state_ctx's root-pointer range (scanned first by every collection). */
  rootSection: { address: number; words: number };
  stack: StackSpec;
  /** Where the mp_type_* objects live (flash/ROM, or .rodata). */
  typesBase: number;
  /** Real addresses of type objects, when known (id(str) on the device, or the ELF's mp_type_*). */
  typeAddresses?: Partial<Record<TypeName, number>>;
  /** What the firmware's own boot allocations use, as mem_info's `used:` shows them (measured). */
  bootUsed?: { min: number; max: number; when: string };
  threshold: ThresholdSpec;
  /** MICROPY_GC_ALLOC_THRESHOLD: false on samd (no gc.threshold()). */
  thresholdSupported: boolean;
  /** MICROPY_MEM_STATS: mem_info() prints a `mem:` line first. */
  memStats: boolean;
  /** Present on split-heap-auto ports (esp32, webassembly pyscript). */
  splitAuto?: SplitAutoSpec;
  /** Citations: `path@tag` in MicroPython (or [external] sources). */
  sources: string[];
  /** Dotted keys whose values are inferred or not determined by the source (n/d), with why. */
  inferred: Record<string, string>;
  notes?: string;
  /** The board this config `extends` (its id), when it does. */
  extends?: string;
  /** Every board up the `extends` chain, parent first (a custom board inherits e.g. the CPU's pause model). */
  ancestors?: string[];
  /** The file it was loaded from (set by the loader, for messages). */
  file?: string;
}

/** What-if changes on top of a board's config (the run/layout command-line flags). */
export interface BoardOverrides {
  gcVersion?: GcVersion;
  blockSize?: number;
  gcStack?: number;
  /** gc.threshold(n) at boot in bytes; null = -1 (off). */
  threshold?: number | null;
  /** Heap bytes given to gc_init (end - start). */
  heapSize?: number;
  /** gc_init's start (e.g. the `_ebss` of your firmware's .map). */
  heapStart?: number;
  /** From a captured mem_info(1): the `GC memory layout; from ADDR` and `GC: total: N` of the first area. */
  pool?: { start: number; total: number };
  /** Any other GcConfig fields (e.g. a gctrace header's), applied last. */
  config?: Partial<GcConfig>;
  /** Replace the gc_add areas made at boot (e.g. [] for a board without PSRAM fitted). */
  add?: Array<{ start: number; end: number }>;
}

export interface BoardMachine {
  spec: BoardSpec;
  /** The GC config after overrides. */
  config: GcConfig;
  machine: Machine;
  /** Layout of each area after boot (gc_init, then gc_add), in list order. */
  areas: AreaLayout[];
  /** The system heap split-heap-auto grows from, if the board has one. */
  systemHeap?: SystemHeap;
  /** gc.threshold() at boot, in blocks (Infinity = off). */
  thresholdBlocks: number;
  /** What `stack: U out of N` prints. */
  stackLine: { used: number; limit: number | null };
  /** The heap bounds actually used, and notes on how overrides changed things. */
  heapStart: number;
  heapEnd: number;
  notes: string[];
}

export class BoardError extends Error {
  constructor(
    message: string,
    /** Dotted config key the problem is in, if any. */
    readonly key?: string,
  ) {
    super(message);
    this.name = 'BoardError';
  }
}

const RAM_KINDS: readonly RegionKind[] = ['ram', 'psram'];

function regionHolding(regions: readonly BoardRegion[], start: number, end: number): BoardRegion | undefined {
  return regions.find((r) => start >= r.base && end <= r.base + r.size);
}

/** All regions of a board together: their bytes are allocated on the host. */
export const MAX_BOARD_MEMORY_BYTES = 1024 * 2 ** 20;

/**
 * Semantic checks a schema cannot express: overlapping regions, heap or stack outside RAM,
 * heap overlapping the stack or root section, types outside flash/ROM/RAM. Returns
 * problems as {key, reason}; empty when the spec is consistent.
 */
export function checkBoardSpec(spec: BoardSpec): Array<{ key: string; reason: string }> {
  const out: Array<{ key: string; reason: string }> = [];
  // Every region is backed by real host memory: a size no board has (the largest shipped
  // region is 16 MiB of PSRAM) is a typo, not something to allocate.
  let total = 0;
  const space = 2 ** (8 * spec.gc.wordSize);
  spec.regions.forEach((r, i) => {
    total += r.size;
    if (r.base + r.size > space) {
      out.push({ key: `regions[${i}].size`, reason: `region ${r.name} [${hex(r.base)}, ${hex(r.base + r.size)}) ends past the ${spec.gc.wordSize * 8}-bit address space` });
    } else if (r.size > MAX_BOARD_MEMORY_BYTES || total > MAX_BOARD_MEMORY_BYTES) {
      out.push({ key: `regions[${i}].size`, reason: `region ${r.name} is ${r.size} bytes: mcu-gc emulates at most ${MAX_BOARD_MEMORY_BYTES / 2 ** 20} MiB of regions in all` });
    }
  });
  if (out.length) return out;
  const sorted = spec.regions.map((r, i) => ({ r, i })).sort((a, b) => a.r.base - b.r.base);
  for (let k = 1; k < sorted.length; k++) {
    const a = sorted[k - 1]!;
    const b = sorted[k]!;
    if (b.r.base < a.r.base + a.r.size) {
      out.push({
        key: `regions[${b.i}]`,
        reason: `region ${b.r.name} [${hex(b.r.base)}, ${hex(b.r.base + b.r.size)}) overlaps ${a.r.name} [${hex(a.r.base)}, ${hex(a.r.base + a.r.size)})`,
      });
    }
  }
  const names = new Set<string>();
  spec.regions.forEach((r, i) => {
    if (names.has(r.name)) out.push({ key: `regions[${i}].name`, reason: `two regions are named ${r.name}` });
    names.add(r.name);
    if (r.base % 8 !== 0) out.push({ key: `regions[${i}].base`, reason: `base ${hex(r.base)} must be 8-byte aligned` });
  });
  const inRam = (key: string, what: string, s: number, e: number): void => {
    const r = regionHolding(spec.regions, s, e);
    if (!r) out.push({ key, reason: `${what} [${hex(s)}, ${hex(e)}) is not inside any memory region` });
    else if (!RAM_KINDS.includes(r.kind)) out.push({ key, reason: `${what} [${hex(s)}, ${hex(e)}) is in ${r.kind} region ${r.name}, not RAM` });
  };
  const h = spec.heap;
  if (h.end <= h.start) out.push({ key: 'heap.end', reason: `heap end ${hex(h.end)} is not above its start ${hex(h.start)}` });
  else inRam('heap', 'the heap', h.start, h.end);
  h.add.forEach((a, i) => {
    if (a.end <= a.start) out.push({ key: `heap.add[${i}].end`, reason: `end ${hex(a.end)} is not above start ${hex(a.start)}` });
    else inRam(`heap.add[${i}]`, 'the added heap area', a.start, a.end);
    if (!spec.gc.split) out.push({ key: `heap.add[${i}]`, reason: 'gc_add areas need gc.split: true' });
  });
  const ws = spec.gc.wordSize;
  const rs = spec.rootSection;
  if (rs.address % ws !== 0) out.push({ key: 'rootSection.address', reason: `${hex(rs.address)} is not word-aligned` });
  inRam('rootSection', 'the root section', rs.address, rs.address + rs.words * ws);
  const st = spec.stack;
  if (st.top % ws !== 0) out.push({ key: 'stack.top', reason: `${hex(st.top)} is not word-aligned` });
  if (st.used > st.size) out.push({ key: 'stack.used', reason: `${st.used} bytes used is more than the ${st.size}-byte stack` });
  inRam('stack', 'the scanned C stack', st.top - st.used, st.top);
  const overlaps = (a0: number, a1: number, b0: number, b1: number): boolean => a0 < b1 && b0 < a1;
  const heapRanges = [[h.start, h.end] as const, ...h.add.map((a) => [a.start, a.end] as const)];
  for (const [s, e] of heapRanges) {
    if (overlaps(s, e, st.top - st.used, st.top)) out.push({ key: 'stack', reason: `the C stack overlaps the heap [${hex(s)}, ${hex(e)})` });
    if (overlaps(s, e, rs.address, rs.address + rs.words * ws)) {
      out.push({ key: 'rootSection', reason: `the root section overlaps the heap [${hex(s)}, ${hex(e)})` });
    }
  }
  const tr = regionHolding(spec.regions, spec.typesBase, spec.typesBase + TypeTable.size);
  if (!tr) out.push({ key: 'typesBase', reason: `type objects at ${hex(spec.typesBase)} are not inside any memory region` });
  for (const [s, e] of heapRanges) {
    if (overlaps(s, e, spec.typesBase, spec.typesBase + TypeTable.size)) {
      out.push({ key: 'typesBase', reason: `the type objects overlap the heap [${hex(s)}, ${hex(e)})` });
    }
  }
  for (const [name, a] of Object.entries(spec.typeAddresses ?? {})) {
    if (a === undefined) continue;
    if (!regionHolding(spec.regions, a, a + ws)) out.push({ key: `types.${name}`, reason: `mp_type_${name} at ${hex(a)} is not inside any memory region` });
    for (const [s, e] of heapRanges) {
      if (overlaps(s, e, a, a + ws)) out.push({ key: `types.${name}`, reason: `mp_type_${name} at ${hex(a)} is inside the heap [${hex(s)}, ${hex(e)})` });
    }
  }
  if (spec.gc.splitAuto && !spec.splitAuto) out.push({ key: 'splitAuto', reason: 'gc.splitAuto is true but no splitAuto (system heap) section is given' });
  if (spec.splitAuto && !spec.gc.splitAuto) out.push({ key: 'gc.splitAuto', reason: 'a splitAuto section is given but gc.splitAuto is false' });
  spec.splitAuto?.segments.forEach((seg, i) => {
    if (seg.end <= seg.start) out.push({ key: `splitAuto.segments[${i}].end`, reason: `end ${hex(seg.end)} is not above start ${hex(seg.start)}` });
    else inRam(`splitAuto.segments[${i}]`, 'the system-heap segment', seg.start, seg.end);
    if (overlaps(seg.start, seg.end, st.top - st.size, st.top)) {
      out.push({ key: `splitAuto.segments[${i}]`, reason: `the system-heap segment overlaps the C stack [${hex(st.top - st.size)}, ${hex(st.top)})` });
    }
    if (overlaps(seg.start, seg.end, rs.address, rs.address + rs.words * ws)) {
      out.push({ key: `splitAuto.segments[${i}]`, reason: 'the system-heap segment overlaps the root section' });
    }
    for (const [s, e] of heapRanges) {
      if (overlaps(s, e, seg.start, seg.end)) {
        out.push({ key: `splitAuto.segments[${i}]`, reason: `the system-heap segment overlaps the GC heap [${hex(s)}, ${hex(e)})` });
      }
    }
  });
  try {
    validateConfig({ ...spec.gc });
  } catch (e) {
    out.push({ key: 'gc', reason: (e as Error).message });
  }
  return out;
}

/** The heap start that makes gc_init(start, end) lay out a pool of exactly `total` bytes ending at `end`. */
export function heapStartForPool(c: GcConfig, end: number, total: number): number {
  const bpb = c.blockSize;
  if (total <= 0 || total % (4 * bpb) !== 0) {
    throw new BoardError(`a pool of ${total} byte${total === 1 ? '' : 's'} is not a whole number of ATB bytes (multiples of ${4 * bpb})`, 'pool.total');
  }
  const wantBlocks = total / bpb;
  // Smallest region whose ATB comes out at wantBlocks/4 bytes (see layout.ts for the formula),
  // then step until computeAreaLayout agrees (integer division edge cases).
  const a = wantBlocks / 4;
  const div = isV19(c.version) ? (c.finaliser ? 8 + 4 + 32 * bpb : 0) : 8 + (c.finaliser ? 4 : 0) + (c.weakref ? 4 : 0) + 32 * bpb;
  const gap = isV19(c.version) ? 0 : 1;
  let t = c.finaliser || c.weakref ? Math.ceil((a * div) / 8) + gap : a * (1 + 4 * bpb) + gap;
  t = Math.max(1, t - 8);
  for (let k = 0; k < 64; k++, t++) {
    try {
      const l = computeAreaLayout(c, end - t, end);
      if (l.blocks === wantBlocks) return end - t;
      if (l.blocks > wantBlocks) break;
    } catch {
      /* too small yet */
    }
  }
  throw new BoardError(`no heap start gives a pool of ${total} bytes ending at ${hex(end)}`, 'pool');
}

function isInferred(spec: BoardSpec, key: string): boolean {
  return Object.keys(spec.inferred).some((k) => k === key || k.startsWith(`${key}.`));
}

/**
 * A heap placed by flags (--pool-start, --heap-start, --heap-size) may cover where the config
 * only guessed the root section or the type objects: those guesses give way (moved next to the
 * heap, in the same memory) instead of the flags failing. Measured values never move: a heap over
 * them is still an error.
 */
function moveInferredOutOfHeap(spec: BoardSpec, start: number, end: number, ws: number, notes: string[]): BoardSpec {
  const overlap = (s: number, e: number, a: number, b: number): boolean => s < b && a < e;
  const stackLow = spec.stack.top - Math.floor(spec.stack.used / ws) * ws;
  const busy: Array<[number, number]> = [
    [start, end],
    [stackLow, spec.stack.top],
    ...spec.heap.add.map((a) => [a.start, a.end] as [number, number]),
  ];
  const free = (s: number, e: number, kinds: readonly RegionKind[] | null, extra: Array<[number, number]>): boolean => {
    const r = regionHolding(spec.regions, s, e);
    if (!r || (kinds && !kinds.includes(r.kind))) return false;
    return ![...busy, ...extra].some(([a, b]) => overlap(s, e, a, b));
  };
  /** Just below the heap, else just above it, else at the top of a region of the right kind. */
  const spot = (bytes: number, kinds: readonly RegionKind[] | null, extra: Array<[number, number]>): number | undefined => {
    const below = Math.floor((start - bytes) / 0x100) * 0x100;
    const above = Math.ceil(end / 0x100) * 0x100;
    const cands = [below, above, ...spec.regions.map((r) => Math.floor((r.base + r.size - bytes - 0x1000) / 0x100) * 0x100), ...spec.regions.map((r) => r.base)];
    return cands.find((a) => a >= 0 && free(a, a + bytes, kinds, extra));
  };
  let out = spec;
  const rs = spec.rootSection;
  const rsBytes = rs.words * ws;
  if (overlap(start, end, rs.address, rs.address + rsBytes) && isInferred(spec, 'rootSection')) {
    const a = spot(rsBytes, RAM_KINDS, []);
    if (a !== undefined) {
      out = { ...out, rootSection: { address: a, words: rs.words } };
      notes.push(`the config's inferred root section ${hex(rs.address)} lies inside this heap: moved to ${hex(a)} (the real one is in mp_state_ctx; --elf gives it)`);
    }
  }
  const rootRange: [number, number] = [out.rootSection.address, out.rootSection.address + rsBytes];
  if (overlap(start, end, spec.typesBase, spec.typesBase + TypeTable.size) && (isInferred(spec, 'typesBase') || isInferred(spec, 'types'))) {
    const a = spot(TypeTable.size, null, [rootRange]);
    if (a !== undefined) {
      out = { ...out, typesBase: a };
      notes.push(`the config's inferred type objects at ${hex(spec.typesBase)} lie inside this heap: the emulator's table moved to ${hex(a)}`);
    }
  }
  const known = out.typeAddresses;
  if (known && isInferred(spec, 'types')) {
    const inside = Object.entries(known).filter(([, a]) => a !== undefined && overlap(start, end, a, a + ws));
    if (inside.length) {
      const keep = Object.fromEntries(Object.entries(known).filter(([, a]) => a !== undefined && !overlap(start, end, a, a + ws)));
      out = { ...out, typeAddresses: keep };
      notes.push(`the config's type addresses ${inside.map(([n, a]) => `${n}=${hex(a!)}`).join(', ')} lie inside this heap: not used`);
    }
  }
  return out;
}

/** The GC config after what-if overrides; a new version resets what that version cannot have. */
export function effectiveConfig(spec: BoardSpec, o: BoardOverrides = {}, notes: string[] = []): GcConfig {
  const c: GcConfig = { ...spec.gc };
  if (o.gcVersion && o.gcVersion !== c.version) {
    c.version = o.gcVersion;
    // MICROPY_GC_CONSERVATIVE_CLEAR is a port option in every version (v1.9.2 and v1.9.4
    // gc_alloc test it too, and mpconfig.h defaults it on), so it stays as the board sets it.
    if (isV19(c.version)) {
      // v1.9.x has no split heap and no WTB; the board then runs on its initial heap alone.
      if (c.split) notes.push(`${c.version} has no split heaps: the board runs on its first heap area only`);
      c.split = false;
      c.splitAuto = false;
      c.weakref = false;
    } else if (c.weakref && c.version !== 'v1.28') {
      c.weakref = false;
    }
  }
  if (o.config) Object.assign(c, o.config);
  if (o.blockSize !== undefined) c.blockSize = o.blockSize;
  if (o.gcStack !== undefined) c.gcStack = o.gcStack;
  try {
    return validateConfig(c);
  } catch (e) {
    if (e instanceof ConfigError) throw new BoardError(e.message, 'gc');
    throw e;
  }
}

/**
 * Boots a board: builds its address space, runs gc_init (and the port's boot-time gc_add
 * calls), hooks up the system heap on split-heap-auto ports and applies the boot threshold.
 */
export function buildBoard(spec: BoardSpec, overrides: BoardOverrides = {}): BoardMachine {
  const notes: string[] = [];
  const config = effectiveConfig(spec, overrides, notes);
  let start = spec.heap.start;
  let end = spec.heap.end;
  if (overrides.pool) {
    end = overrides.pool.start + overrides.pool.total;
    start = heapStartForPool(config, end, overrides.pool.total);
    notes.push(`heap placed so its pool is ${hex(overrides.pool.start)} + ${overrides.pool.total} bytes, as captured`);
  } else {
    if (overrides.heapStart !== undefined) {
      start = overrides.heapStart;
      if (!spec.heap.endFixed && overrides.heapSize === undefined) end = start + (spec.heap.end - spec.heap.start);
    }
    if (overrides.heapSize !== undefined) {
      if (spec.heap.endFixed && overrides.heapStart === undefined) start = end - overrides.heapSize;
      else end = start + overrides.heapSize;
    }
  }
  if (end <= start) throw new BoardError(`heap end ${hex(end)} is not above its start ${hex(start)}`, 'heap');
  if (start !== spec.heap.start || end !== spec.heap.end) spec = moveInferredOutOfHeap(spec, start, end, config.wordSize, notes);
  const add = config.split ? (overrides.add ?? spec.heap.add) : [];
  const regions = spec.regions.map(({ name, kind, base, size }) => ({ name, kind, base, size }));
  const holder = regionHolding(spec.regions, start, end);
  if (!holder || !RAM_KINDS.includes(holder.kind)) {
    throw new BoardError(`the heap [${hex(start)}, ${hex(end)}) is not inside a RAM region of ${spec.id}`, 'heap');
  }
  const ws = config.wordSize;
  const stackWords = Math.floor(spec.stack.used / ws);
  const stackBottom = spec.stack.top - stackWords * ws;
  const overlap = (s: number, e: number, a: number, b: number): boolean => s < b && a < e;
  if (overlap(start, end, stackBottom, spec.stack.top)) {
    throw new BoardError(`the heap [${hex(start)}, ${hex(end)}) overlaps the C stack below ${hex(spec.stack.top)}`, 'heap');
  }
  const rsEnd = spec.rootSection.address + spec.rootSection.words * ws;
  if (overlap(start, end, spec.rootSection.address, rsEnd)) {
    throw new BoardError(`the heap [${hex(start)}, ${hex(end)}) overlaps the root section at ${hex(spec.rootSection.address)}`, 'heap');
  }
  const machine = new Machine({
    config,
    regions,
    typesBase: spec.typesBase,
    ...(spec.typeAddresses ? { typeAddresses: spec.typeAddresses } : {}),
    rootSection: spec.rootSection,
    stack: { address: stackBottom, words: stackWords },
  });
  const heap = machine.heap;
  heap.init(start, end);
  for (const a of add) heap.add(a.start, a.end);
  let systemHeap: SystemHeap | undefined;
  if (config.splitAuto && spec.splitAuto) {
    const seg = spec.splitAuto.segments.filter((s) => !overlap(s.start, s.end, start, end));
    systemHeap = new SystemHeap({ ...spec.splitAuto, segments: seg });
    heap.splitAutoHost = systemHeap;
  }
  const pool = heap.areas.reduce((n, a) => n + a.poolEnd - a.poolStart, 0);
  let thresholdBytes: number | null;
  if (overrides.threshold !== undefined) {
    if (!spec.thresholdSupported && overrides.threshold !== null) {
      throw new BoardError(`${spec.id} is built without MICROPY_GC_ALLOC_THRESHOLD: gc.threshold() does not exist there`, 'threshold');
    }
    thresholdBytes = overrides.threshold;
  } else if (spec.threshold === 'off') thresholdBytes = null;
  else if ('bytes' in spec.threshold) thresholdBytes = spec.threshold.bytes;
  else thresholdBytes = Math.floor(pool / spec.threshold.poolDivisor);
  // gc.threshold(n) stores n / BYTES_PER_BLOCK (py/modgc.c); negative means off.
  const thresholdBlocks = thresholdBytes === null || thresholdBytes < 0 ? THRESHOLD_OFF : Math.floor(thresholdBytes / config.blockSize);
  heap.threshold = thresholdBlocks;
  return {
    // With a moved root section or type table, the spec as the machine was built from it.
    spec,
    config,
    machine,
    areas: heap.areas.map((a) => a.layout),
    ...(systemHeap ? { systemHeap } : {}),
    thresholdBlocks,
    stackLine: { used: spec.stack.used, limit: spec.stack.check ? spec.stack.size - spec.stack.margin : null },
    heapStart: start,
    heapEnd: end,
    notes,
  };
}
