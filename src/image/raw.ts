// Raw RAM dumps (gdb `dump binary memory ram.bin 0x3ffae000 0x40000000`, OpenOCD
// `dump_image`, esptool `read_mem`…) converted into a heap image: the user says where the
// dump starts (--base) and where each heap area's table and pool are (--heap START:END).

import type { GcVersion } from '../../emulator/config.js';
import type { HeapImage, ImageRange } from '../../emulator/image.js';
import { UserError } from '../errors.js';

export interface RawSpan {
  start: number;
  end: number;
}

export interface RawImageOptions {
  /** Address of the dump's first byte. */
  base: number;
  /** Heap areas: ATB start .. block-aligned pool end, first area first. */
  heaps: RawSpan[];
  roots?: RawSpan[];
  stack?: RawSpan[];
  profile: GcVersion;
  word: 4 | 8;
  block: number;
  finaliser: boolean;
  split: boolean;
  splitAuto: boolean;
  weakref?: boolean;
  maxNewSplit?: number;
  types?: Map<number, string>;
}

/** Parses an address as users write them: 0x-hex or decimal. */
export function parseAddress(s: string, what: string): number {
  const t = s.trim();
  const n = /^0x[0-9a-f]+$/i.test(t) ? Number.parseInt(t, 16) : /^[0-9]+$/.test(t) ? Number(t) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new UserError(`${what}: "${s}" is not an address (use 0x… hex or decimal)`);
  return n;
}

/** START:END (END exclusive). */
export function parseSpan(s: string, what: string): RawSpan {
  const parts = s.split(':');
  if (parts.length !== 2) throw new UserError(`${what}: "${s}" should be START:END, e.g. 0x3ffae000:0x3fff0000`);
  const start = parseAddress(parts[0]!, `${what} start`);
  const end = parseAddress(parts[1]!, `${what} end`);
  if (end <= start) throw new UserError(`${what}: end ${parts[1]} is not after start ${parts[0]}`);
  return { start, end };
}

export function imageFromRaw(file: string, data: Uint8Array, o: RawImageOptions): HeapImage {
  const cut = (span: RawSpan, what: string): Uint8Array => {
    const lo = span.start - o.base;
    const hi = span.end - o.base;
    if (lo < 0 || hi > data.length) {
      throw new UserError(
        `${file}: ${what} 0x${span.start.toString(16)}..0x${span.end.toString(16)} is outside the dump (0x${o.base.toString(16)}..0x${(o.base + data.length).toString(16)}, ${data.length} bytes)`,
      );
    }
    return data.slice(lo, hi);
  };
  if (o.heaps.length === 0) throw new UserError(`${file}: name at least one heap area with --heap START:END`);
  const areas = o.heaps.map((h, i) => {
    const end = h.end - (h.end % o.block);
    return { start: h.start, end, bytes: cut({ start: h.start, end }, `--heap #${i + 1}`) };
  });
  const ranges = (xs: RawSpan[] | undefined, what: string): ImageRange[] =>
    (xs ?? []).map((r, i) => ({ start: r.start, bytes: cut(r, `${what} #${i + 1}`) }));
  const img: HeapImage = {
    profile: o.profile,
    word: o.word,
    block: o.block,
    finaliser: o.finaliser,
    split: o.split,
    splitAuto: o.splitAuto,
    weakref: o.weakref ?? false,
    areas,
    roots: ranges(o.roots, '--roots'),
    stack: ranges(o.stack, '--stack'),
    types: o.types ?? new Map(),
  };
  if (o.maxNewSplit !== undefined) img.maxNewSplit = o.maxNewSplit;
  return img;
}
