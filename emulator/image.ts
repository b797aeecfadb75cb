// Heap images: the bytes of a device's heap areas (tables and pool) at their addresses,
// plus optional root-section and stack bytes, loaded back into a Machine so every
// analysis — and gc_dump_info / gc_dump_alloc_table — runs on the device's own state.
//
// The on-disk form (JSON, base64 bytes) is parsed and validated in src/image/; this module
// only deals with decoded bytes, so it stays usable from a browser.

import { AT_FREE, HeapArea } from './area.js';
import { type GcConfig, type GcVersion, areaStructSize, defaultConfig, validateConfig } from './config.js';
import type { GcHeap, RootRange } from './heap.js';
import { type AreaLayout, computeAreaLayout } from './layout.js';
import { Machine } from './machine.js';
import { type RegionSpec, hex } from './memory.js';
import { TYPE_LETTER, TypeTable, isTypeName } from './types.js';

export const IMAGE_FORMAT = 'mcu-gc-heap-image/1';

export interface ImageArea {
  /** Where the allocation table begins: the `start` gc_setup_area() receives. */
  start: number;
  /** Block-aligned pool end. */
  end: number;
  /** Memory [start, end). */
  bytes: Uint8Array;
}

export interface ImageRange {
  start: number;
  bytes: Uint8Array;
  /** What this range is (shown in why-alive paths). */
  name?: string;
}

export interface HeapImage {
  profile: GcVersion;
  word: 4 | 8;
  block: number;
  finaliser: boolean;
  split: boolean;
  splitAuto: boolean;
  weakref: boolean;
  /** What gc_get_max_new_split() returned (split-heap-auto builds). */
  maxNewSplit?: number;
  areas: ImageArea[];
  roots: ImageRange[];
  stack: ImageRange[];
  /**
   * The device's type objects: address → a type name (TYPE_NAMES: "str", "list", …) or a
   * dump letter ("S", "L", …). The heap's type words point into the device's flash, so
   * this is how the analyzer knows which letter gc_dump_alloc_table prints for a head.
   */
  types: Map<number, string>;
}

export class ImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageError';
  }
}

/** The letters gc_dump_alloc_table prints for a known type (anything else is 'h'). */
export const DUMP_TYPE_LETTERS = ['T', 'L', 'D', 'S', 'A', 'F', 'B', 'M'] as const;

/** Resolves a `types` entry (a name or a letter) to the dump letter. */
export function typeLetterOf(v: string): string | undefined {
  if (isTypeName(v)) return TYPE_LETTER[v];
  if ((DUMP_TYPE_LETTERS as readonly string[]).includes(v) || v === 'h') return v;
  return undefined;
}

/** Human names for a dump letter learnt without a finer type name. */
export const LETTER_NAMES: Readonly<Record<string, string>> = {
  T: 'tuple',
  L: 'list',
  D: 'dict',
  S: 'str/bytes',
  A: 'bytearray/array',
  F: 'float',
  B: 'function (bytecode)',
  M: 'module',
  h: 'other',
};

/**
 * A TypeTable whose letters come from the image's type map. dumpAllocTable() only calls
 * letter(); the table's own addresses sit in a scratch flash region nobody points into.
 */
export class ImageTypes extends TypeTable {
  private readonly map: Map<number, string>;
  constructor(base: number, map: Map<number, string>) {
    super(base);
    this.map = map;
  }

  override letter(word: number): string {
    const v = this.map.get(word);
    return v === undefined ? 'h' : (typeLetterOf(v) ?? 'h');
  }

  /** A readable type name for a head's first word. */
  describe(word: number): string {
    const v = this.map.get(word);
    if (v === undefined) return 'other';
    return isTypeName(v) ? v : (LETTER_NAMES[v] ?? v);
  }

  override hasDel(): boolean {
    // Which device types define __del__ is not in the image; the FTB bit is what counts.
    return true;
  }
}

export interface LoadedImage {
  image: HeapImage;
  machine: Machine;
  heap: GcHeap;
  types: ImageTypes;
}

export function imageConfig(img: HeapImage): GcConfig {
  return validateConfig({
    ...defaultConfig(img.profile, img.word),
    blockSize: img.block,
    finaliser: img.finaliser,
    split: img.split,
    splitAuto: img.splitAuto,
    weakref: img.weakref,
  });
}

function alignDown(x: number, a: number): number {
  return x - (x % a);
}

function alignUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

/** The layout of image area `i`, checked against its bytes. */
export function imageAreaLayout(c: GcConfig, a: ImageArea, i: number): AreaLayout {
  if (a.end % c.blockSize !== 0) {
    throw new ImageError(`areas[${i}].end ${hex(a.end)} is not a multiple of the block size (${c.blockSize})`);
  }
  if (a.bytes.length !== a.end - a.start) {
    throw new ImageError(
      `areas[${i}].bytes holds ${a.bytes.length} bytes but [start, end) = [${hex(a.start)}, ${hex(a.end)}) is ${a.end - a.start} bytes`,
    );
  }
  // gc_add(p, end) lays out the area proper from p + sizeof(area struct) exactly as
  // gc_init lays out [start, end), so viaAdd=false on the ATB start gives the same tables.
  try {
    return computeAreaLayout(c, a.start, a.end, false);
  } catch (e) {
    throw new ImageError(`areas[${i}]: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Builds a Machine whose memory holds the image's bytes and a GcHeap whose areas sit
 * exactly there, without clearing any table (no gc_init/gc_add).
 */
export function loadImage(img: HeapImage): LoadedImage {
  const c = imageConfig(img);
  if (img.areas.length === 0) throw new ImageError('areas: the image has no heap area');
  if (img.areas.length > 1 && !c.split) throw new ImageError('areas: more than one area needs split: true');
  const layouts = img.areas.map((a, i) => {
    const l = imageAreaLayout(c, a, i);
    // Every area after the first was added by gc_add(), which put its mp_state_mem_area_t
    // right below the tables; a collection that empties the area hands that address back to
    // the system heap (v1.27 split-heap-auto), so the layout must name it.
    if (i > 0 && c.split) {
      const size = areaStructSize(c);
      l.descriptor = { address: a.start - size, size };
    }
    return l;
  });
  const ws = c.wordSize;
  // Memory ranges: each area, root range and stack range, padded so v1.9.4's reads just
  // past a table stay in memory, merged where they touch.
  const ranges: Array<[number, number]> = [];
  img.areas.forEach((a, i) => {
    const from = layouts[i]!.descriptor?.address ?? a.start;
    ranges.push([alignDown(from, 8), alignUp(a.end + 16, 8)]);
  });
  const named: Array<{ kind: 'roots' | 'stack'; r: ImageRange; i: number }> = [
    ...img.roots.map((r, i) => ({ kind: 'roots' as const, r, i })),
    ...img.stack.map((r, i) => ({ kind: 'stack' as const, r, i })),
  ];
  for (const { kind, r, i } of named) {
    if (r.start % ws !== 0) throw new ImageError(`${kind}[${i}].start ${hex(r.start)} is not word-aligned`);
    if (r.bytes.length % ws !== 0) throw new ImageError(`${kind}[${i}].bytes: ${r.bytes.length} bytes is not whole words`);
    if (r.bytes.length > 0) ranges.push([alignDown(r.start, 8), alignUp(r.start + r.bytes.length, 8)]);
  }
  // Root and stack words live outside the heap on a device (.bss, the C stack): a range
  // placed inside an area would overwrite the heap's own bytes when loaded.
  for (const { kind, r, i } of named) {
    const end = r.start + r.bytes.length;
    const j = img.areas.findIndex((a) => r.start < a.end && end > a.start);
    if (r.bytes.length > 0 && j >= 0) {
      const a = img.areas[j]!;
      throw new ImageError(`${kind}[${i}] [${hex(r.start)}, ${hex(end)}) overlaps heap areas[${j}] [${hex(a.start)}, ${hex(a.end)})`);
    }
  }
  // Areas must not overlap one another.
  const sortedAreas = img.areas.map((a, i) => ({ a, i })).sort((x, y) => x.a.start - y.a.start);
  for (let k = 1; k < sortedAreas.length; k++) {
    const p = sortedAreas[k - 1]!;
    const q = sortedAreas[k]!;
    if (q.a.start < p.a.end) {
      throw new ImageError(`areas[${q.i}] [${hex(q.a.start)}, ${hex(q.a.end)}) overlaps areas[${p.i}] [${hex(p.a.start)}, ${hex(p.a.end)})`);
    }
  }
  ranges.sort((x, y) => x[0] - y[0]);
  const merged: Array<[number, number]> = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  const regions: RegionSpec[] = merged.map(([s, e], i) => ({ name: `ram${i}`, kind: 'ram', base: s, size: e - s }));
  // Scratch flash for the engine's own TypeTable (nothing in the image points there).
  const top = alignUp(merged[merged.length - 1]![1] + 0x1000, 0x1000);
  regions.push({ name: 'flash', kind: 'flash', base: top, size: alignUp(TypeTable.size, 0x100) });
  const firstRoot = img.roots[0];
  const firstStack = img.stack[0];
  const machine = new Machine({
    config: c,
    regions,
    typesBase: top,
    rootSection: firstRoot ? { address: firstRoot.start, words: firstRoot.bytes.length / ws } : { address: top, words: 0 },
    stack: firstStack ? { address: firstStack.start, words: firstStack.bytes.length / ws } : { address: top, words: 0 },
  });
  const { mem, heap } = machine;
  for (const a of img.areas) mem.load(a.start, a.bytes);
  const roots: RootRange[] = [];
  for (const { kind, r, i } of named) {
    mem.load(r.start, r.bytes);
    roots.push({ name: r.name ?? `${kind === 'roots' ? 'root section' : 'stack'}${i ? ` ${i}` : ''}`, address: r.start, words: r.bytes.length / ws });
  }
  // Roots first, then the stack: the order gc_collect scans them.
  heap.roots = roots;
  const areas = layouts.map((l) => new HeapArea(mem, l, false));
  for (let i = 0; i < areas.length; i++) {
    const area = areas[i]!;
    area.next = areas[i + 1] ?? null;
    // gc_last_used_block is not in the image: the highest block in use bounds the
    // v1.27 sweep exactly as well (nothing above it needs freeing).
    let last = 0;
    for (let b = area.blocks - 1; b > 0; b--) {
      if (area.kind(b) !== AT_FREE) {
        last = b;
        break;
      }
    }
    area.lastUsedBlock = last;
  }
  heap.first = areas[0]!;
  heap.lastFreeArea = heap.first;
  let used = 0;
  for (const a of areas) for (let b = 0; b < a.blocks; b++) if (a.kind(b) !== AT_FREE) used++;
  heap.counters.usedBlocks = used;
  heap.counters.peakUsedBlocks = used;
  // gc_get_max_new_split() as the device reported it; the image cannot grow.
  const maxNewSplit = img.maxNewSplit ?? 0;
  if (c.splitAuto) heap.splitAutoHost = { maxNewSplit: () => maxNewSplit, allocHeap: () => null, freeHeap: () => undefined };
  const types = new ImageTypes(top, img.types);
  heap.hasFinaliser = () => true;
  return { image: img, machine, heap, types };
}

/** A deep copy (bytes included), for what-if runs that must not touch the original. */
export function cloneImage(img: HeapImage): HeapImage {
  return {
    ...img,
    areas: img.areas.map((a) => ({ ...a, bytes: a.bytes.slice() })),
    roots: img.roots.map((r) => ({ ...r, bytes: r.bytes.slice() })),
    stack: img.stack.map((r) => ({ ...r, bytes: r.bytes.slice() })),
    types: new Map(img.types),
  };
}

/** The heap's areas as image areas (ATB start .. pool end), e.g. to save an emulated heap. */
export function imageFromHeap(
  heap: GcHeap,
  opts: { types?: Map<number, string>; roots?: ImageRange[]; stack?: ImageRange[]; maxNewSplit?: number } = {},
): HeapImage {
  const c = heap.config;
  const img: HeapImage = {
    profile: c.version,
    word: c.wordSize,
    block: c.blockSize,
    finaliser: c.finaliser,
    split: c.split,
    splitAuto: c.splitAuto,
    weakref: c.weakref,
    areas: heap.areas.map((a) => ({ start: a.layout.atbStart, end: a.poolEnd, bytes: heap.mem.slice(a.layout.atbStart, a.poolEnd - a.layout.atbStart) })),
    roots: opts.roots ?? heap.roots.map((r) => ({ start: r.address, bytes: heap.mem.slice(r.address, r.words * c.wordSize), name: r.name })).filter((r) => r.bytes.length > 0),
    stack: opts.stack ?? [],
    types: opts.types ?? new Map(),
  };
  const mns = opts.maxNewSplit ?? (c.splitAuto ? heap.info().maxNewSplit : undefined);
  if (mns !== undefined) img.maxNewSplit = mns;
  return img;
}

/**
 * Learns the type map from the device's own gc_dump_alloc_table text: each head the dump
 * printed as T/L/D/S/A/F/B/M tells which letter its first word stands for. A word seen with
 * two letters means the dump and image do not belong together.
 */
export function learnTypesFromDump(loaded: LoadedImage, dumpText: string): Map<number, string> {
  const { heap } = loaded;
  const bpb = heap.config.blockSize;
  const areasByPool = new Map(heap.areas.map((a) => [a.poolStart, a]));
  const out = new Map<number, string>();
  let area: HeapArea | undefined;
  let lineNo = 0;
  for (const raw of dumpText.split('\n')) {
    lineNo++;
    const line = raw.replace(/\r$/, '');
    const from = /^GC memory layout; from ([0-9a-fA-F]+):/.exec(line);
    if (from) {
      area = areasByPool.get(parseInt(from[1]!, 16));
      if (!area) throw new ImageError(`dump line ${lineNo}: area at ${from[1]} is not in the image`);
      continue;
    }
    const m = /^([0-9a-fA-F]{5,8}): (.*)$/.exec(line);
    if (!m || !area) continue;
    const first = parseInt(m[1]!, 16) / bpb;
    const cells = m[2]!;
    for (let k = 0; k < cells.length; k++) {
      const ch = cells[k]!;
      if (!(DUMP_TYPE_LETTERS as readonly string[]).includes(ch)) continue;
      const block = first + k;
      if (block >= area.blocks) break;
      const word = heap.mem.readWord(area.addr(block));
      const seen = out.get(word);
      if (seen !== undefined && seen !== ch) {
        throw new ImageError(`dump line ${lineNo}: type word ${hex(word)} printed as both ${seen} and ${ch}; the dump does not match the image`);
      }
      out.set(word, ch);
    }
  }
  return out;
}
