// The heap image interchange format (mcu-gc-heap-image/1), as JSON: parsing with zod so a
// malformed image fails with one line naming the field and why, and serialising.
//
//   {"format": "mcu-gc-heap-image/1", "profile": "v1.27", "word": 4, "block": 16,
//    "finaliser": true, "split": true, "splitAuto": true, "maxNewSplit": 134217728,
//    "areas": [{"start": "0x2fa00", "end": "0x3fa00", "bytes": "<base64>"}],
//    "roots": [{"start": "0x…", "bytes": "…"}], "stack": [{"start": "0x…", "bytes": "…"}],
//    "types": {"0x3f4…": "str", "0x3f5…": "L"}}

import { z } from 'zod';
import { GC_VERSIONS, type GcVersion } from '../../emulator/config.js';
import { type HeapImage, IMAGE_FORMAT, ImageError, type ImageRange, typeLetterOf } from '../../emulator/image.js';
import { UserError } from '../errors.js';

const addr = z
  .string()
  .regex(/^0x[0-9a-fA-F]{1,16}$/, 'must be a hex address like "0x3fa00"')
  .transform((s) => Number.parseInt(s, 16))
  .refine((n) => Number.isSafeInteger(n), 'is too large for an address');

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'is not base64');

const range = z.object({ start: addr, bytes: base64, name: z.string().max(200).optional() }).strict();

const schema = z
  .object({
    format: z.literal(IMAGE_FORMAT, { message: `must be "${IMAGE_FORMAT}"` }),
    profile: z.enum(GC_VERSIONS as unknown as [GcVersion, ...GcVersion[]]),
    word: z.union([z.literal(4), z.literal(8)], { message: 'must be 4 or 8' }),
    block: z.number().int().positive(),
    finaliser: z.boolean(),
    split: z.boolean(),
    splitAuto: z.boolean(),
    weakref: z.boolean().optional(),
    maxNewSplit: z.number().int().nonnegative().optional(),
    areas: z.array(z.object({ start: addr, end: addr, bytes: base64 }).strict()).min(1, 'needs at least one area'),
    roots: z.array(range).optional(),
    stack: z.array(range).optional(),
    types: z
      .record(
        z.string().regex(/^0x[0-9a-fA-F]{1,16}$/, 'keys must be hex addresses'),
        z.string().refine((v) => typeLetterOf(v) !== undefined, 'must be a type name (str, list, …) or a dump letter (T L D S A F B M h)'),
      )
      .optional(),
    // Free-form provenance (board, firmware, time) is kept but not interpreted.
    meta: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

function decode64(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64'));
}

function encode64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

function pathOf(p: readonly PropertyKey[]): string {
  let s = '';
  for (const k of p) s += typeof k === 'number' ? `[${k}]` : s ? `.${String(k)}` : String(k);
  return s || '(top level)';
}

/** Parses and validates image JSON text; errors are `FILE: field: why`. */
export function parseImage(text: string, file = 'image'): HeapImage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${file}: not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new UserError(`${file}: ${pathOf(issue.path)}: ${issue.message}`);
  }
  const d = r.data;
  const ranges = (xs: Array<{ start: number; bytes: string; name?: string | undefined }> | undefined): ImageRange[] =>
    (xs ?? []).map((x) => {
      const out: ImageRange = { start: x.start, bytes: decode64(x.bytes) };
      if (x.name !== undefined) out.name = x.name;
      return out;
    });
  const img: HeapImage = {
    profile: d.profile,
    word: d.word,
    block: d.block,
    finaliser: d.finaliser,
    split: d.split,
    splitAuto: d.splitAuto,
    weakref: d.weakref ?? false,
    areas: d.areas.map((a) => ({ start: a.start, end: a.end, bytes: decode64(a.bytes) })),
    roots: ranges(d.roots),
    stack: ranges(d.stack),
    types: new Map(Object.entries(d.types ?? {}).map(([k, v]) => [Number.parseInt(k, 16), v])),
  };
  if (d.maxNewSplit !== undefined) img.maxNewSplit = d.maxNewSplit;
  d.areas.forEach((a, i) => {
    if (a.end <= a.start) throw new UserError(`${file}: areas[${i}].end 0x${a.end.toString(16)} is not after its start 0x${a.start.toString(16)}`);
    const n = img.areas[i]!.bytes.length;
    if (n !== a.end - a.start) {
      throw new UserError(`${file}: areas[${i}].bytes: decodes to ${n} bytes but [start, end) is ${a.end - a.start} bytes`);
    }
  });
  return img;
}

export function serializeImage(img: HeapImage, meta?: Record<string, unknown>): string {
  const hx = (n: number): string => '0x' + n.toString(16);
  const range = (r: ImageRange): Record<string, string> => {
    const o: Record<string, string> = { start: hx(r.start), bytes: encode64(r.bytes) };
    if (r.name !== undefined) o.name = r.name;
    return o;
  };
  const out: Record<string, unknown> = {
    format: IMAGE_FORMAT,
    profile: img.profile,
    word: img.word,
    block: img.block,
    finaliser: img.finaliser,
    split: img.split,
    splitAuto: img.splitAuto,
  };
  if (img.weakref) out.weakref = true;
  if (img.maxNewSplit !== undefined) out.maxNewSplit = img.maxNewSplit;
  out.areas = img.areas.map((a) => ({ start: hx(a.start), end: hx(a.end), bytes: encode64(a.bytes) }));
  if (img.roots.length) out.roots = img.roots.map(range);
  if (img.stack.length) out.stack = img.stack.map(range);
  if (img.types.size) out.types = Object.fromEntries([...img.types].sort((a, b) => a[0] - b[0]).map(([k, v]) => [hx(k), v]));
  if (meta) out.meta = meta;
  return JSON.stringify(out, null, 1) + '\n';
}

/** Turns engine ImageErrors into one-line user errors naming the file. */
export function imageUserError(file: string, e: unknown): never {
  if (e instanceof ImageError) throw new UserError(`${file}: ${e.message}`);
  if (e instanceof Error && (e.name === 'MemoryError' || e.name === 'ConfigError' || e.name === 'LayoutError')) {
    throw new UserError(`${file}: ${e.message}`);
  }
  throw e;
}

/** The free-form `meta` of an image file (provenance, capture --ram's recorded dumps), if any. */
export function imageMeta(text: string): Record<string, unknown> | undefined {
  try {
    const j = JSON.parse(text) as { meta?: unknown };
    return j && typeof j.meta === 'object' && j.meta !== null && !Array.isArray(j.meta) ? (j.meta as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
