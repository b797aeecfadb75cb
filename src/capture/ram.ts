// `capture --ram`: the bytes of each heap area (allocation table through pool end) read on
// the device with uctypes.bytearray_at (a by-reference view: one 1-block header is the only
// allocation; protocol.md §3.2) and printed as a bytes literal, then turned into a heap
// image (mcu-gc-heap-image/1) for `mcu-gc analyze`.
//
// Where the allocation table starts is not printed by mem_info. It is found from the bytes
// themselves: gc_setup_area() puts ATB, gap byte (v1.20+), FTB, WTB (v1.28) below the pool
// with at most a little slack, and only a few table starts are consistent with py/gc.c's
// layout arithmetic for this pool; the one whose ATB decodes to the block map mem_info printed
// in the same command is it. That also tells whether the build has finalisers (FTB present).

import { type GcConfig, type GcVersion, defaultConfig, isV19 } from '../../emulator/config.js';
import { type HeapImage, IMAGE_FORMAT } from '../../emulator/image.js';
import { computeAreaLayout } from '../../emulator/layout.js';
import type { DumpArea, ParsedMemInfo } from '../memdump/index.js';

export interface ReadWindow {
  area: number;
  /** First address read (below the tables, with room for any slack). */
  start: number;
  /** Pool end. */
  end: number;
}

/** Bytes below the tables a window includes for gc_setup_area's rounding slack (≥ div/8 for any block size ≤ 128). */
const SLACK_ROOM = 640;

export function readWindows(p: ParsedMemInfo): ReadWindow[] {
  const bs = p.blockSize!;
  return p.areas.map((a, i) => {
    const atb = a.blocks / 4;
    const ftb = Math.ceil(a.blocks / 8);
    const start = Math.max(0, a.start - (atb + 1 + 2 * ftb + SLACK_ROOM));
    return { area: i, start: start - (start % 8), end: a.start + a.blocks * bs };
  });
}

/**
 * One command: collect, dump, then print each window. The dump is taken in the same command
 * so the table search compares against the heap as it was read.
 */
export function ramCode(windows: ReadWindow[], collect: boolean): string {
  const lines: string[] = [];
  if (collect) lines.push("__import__('gc').collect()");
  lines.push("__import__('micropython').mem_info(1)");
  for (const w of windows) lines.push(`print(__import__('uctypes').bytearray_at(${w.start},${w.end - w.start}))`);
  return lines.join('\n');
}

function kindOf(c: string): number {
  return c === '.' ? 0 : c === '=' ? 2 : c === 'm' ? 3 : c === '?' ? -1 : 1;
}

export interface TableLocation {
  atbStart: number;
  finaliser: boolean;
  weakref: boolean;
  /** Blocks whose ATB entry differs from the printed map (the bytearray header printed after the dump). */
  mismatches: number;
}

/** Finds the allocation table below `area`'s pool in `window` (bytes from windowStart). */
export function locateTables(
  window: Uint8Array,
  windowStart: number,
  area: Pick<DumpArea, 'start' | 'blocks' | 'map'>,
  blockSize: number,
  profile: GcVersion,
  wordSize: 4 | 8,
): TableLocation | undefined {
  const poolEnd = area.start + area.blocks * blockSize;
  const atbLen = area.blocks / 4;
  const kinds = Array.from(area.map, kindOf);
  const limit = Math.max(8, Math.ceil(area.blocks / 100));
  let best: TableLocation | undefined;
  const variants: Array<{ finaliser: boolean; weakref: boolean }> = [
    { finaliser: true, weakref: false },
    { finaliser: false, weakref: false },
  ];
  if (profile === 'v1.28') variants.push({ finaliser: true, weakref: true });
  for (const v of variants) {
    const c: GcConfig = { ...defaultConfig(profile, wordSize), blockSize, finaliser: v.finaliser, weakref: v.weakref };
    const gap = isV19(profile) ? 0 : 1;
    const tables = atbLen + gap + (v.finaliser ? Math.ceil(area.blocks / 8) : 0) + (v.weakref ? Math.ceil(area.blocks / 8) : 0);
    for (let slack = 0; slack < SLACK_ROOM; slack++) {
      const atbStart = area.start - tables - slack;
      if (atbStart < windowStart) break;
      let l;
      try {
        l = computeAreaLayout(c, atbStart, poolEnd);
      } catch {
        continue;
      }
      if (l.poolStart !== area.start || l.blocks !== area.blocks) continue;
      let mism = 0;
      const off = atbStart - windowStart;
      for (let b = 0; b < area.blocks && mism <= limit; b++) {
        const k = kinds[b]!;
        if (k < 0) continue;
        if (((window[off + (b >> 2)]! >> ((b & 3) << 1)) & 3) !== k) mism++;
      }
      if (mism <= limit && (!best || mism < best.mismatches)) best = { atbStart, ...v, mismatches: mism };
    }
  }
  return best;
}

export interface ImageBuild {
  image: HeapImage;
  notes: string[];
}

/**
 * Builds the heap image from the windows' bytes and the dump printed with them. Type
 * addresses are learnt from the dump: a head printed as `L` starts with &mp_type_list.
 */
export function buildHeapImage(
  dump: ParsedMemInfo,
  windows: ReadWindow[],
  bytes: Uint8Array[],
  profile: GcVersion,
): ImageBuild {
  const bs = dump.blockSize!;
  // MICROPY_BYTES_PER_GC_BLOCK is 4 words on every port modelled; 64-bit heaps have 32-byte blocks.
  const word: 4 | 8 = bs >= 32 ? 8 : 4;
  const notes: string[] = [`word size ${word} inferred from the ${bs}-byte blocks (4 words a block)`];
  const areas: HeapImage['areas'] = [];
  let finaliser: boolean | undefined;
  let weakref = false;
  const votes = new Map<number, Map<string, number>>();
  windows.forEach((w, i) => {
    const area = dump.areas[w.area]!;
    const loc = locateTables(bytes[i]!, w.start, area, bs, profile, word);
    if (!loc) {
      throw new Error(
        `could not find the allocation table of the heap area at 0x${area.start.toString(16)}: no table start consistent with py/gc.c's layout decodes to the printed block map`,
      );
    }
    if (finaliser === undefined) finaliser = loc.finaliser;
    else if (finaliser !== loc.finaliser) notes.push(`area ${i}: the tables suggest finaliser ${loc.finaliser}, area 0 said ${finaliser}`);
    weakref ||= loc.weakref;
    if (loc.mismatches) notes.push(`area ${i}: ${loc.mismatches} block(s) changed between the dump and the read (the read's own bytearray header)`);
    const off = loc.atbStart - w.start;
    const data = bytes[i]!.slice(off);
    areas.push({ start: loc.atbStart, end: w.end, bytes: data });
    const poolOff = area.start - loc.atbStart;
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let b = 0; b < area.blocks; b++) {
      const ch = area.map[b]!;
      if (!'TLDSAFBM'.includes(ch)) continue;
      const at = poolOff + b * bs;
      const addr = word === 4 ? dv.getUint32(at, true) : Number(dv.getBigUint64(at, true));
      const m = votes.get(addr) ?? new Map<string, number>();
      m.set(ch, (m.get(ch) ?? 0) + 1);
      votes.set(addr, m);
    }
  });
  const types = new Map<number, string>();
  for (const [addr, m] of votes) if (m.size === 1) types.set(addr, [...m.keys()][0]!);
  const image: HeapImage = {
    profile,
    word,
    block: bs,
    finaliser: finaliser ?? true,
    split: dump.areas.length > 1 || dump.gc?.maxNewSplit !== undefined,
    splitAuto: dump.gc?.maxNewSplit !== undefined,
    weakref,
    areas,
    roots: [],
    stack: [],
    types,
  };
  if (dump.gc?.maxNewSplit !== undefined) image.maxNewSplit = dump.gc.maxNewSplit;
  notes.push('roots and stack are not read: MicroPython does not say where mp_state_ctx or the C stack are');
  return { image, notes };
}

export { IMAGE_FORMAT };
