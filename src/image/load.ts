// Reading heap images from files: mcu-gc-heap-image/1 JSON, or a raw RAM dump described by
// --base/--heap, with the type map taken from the image, a --types JSON file, or learnt from
// the device's own gc_dump_alloc_table text (--dump).

import { GC_VERSIONS, type GcVersion } from '../../emulator/config.js';
import { type HeapImage, type LoadedImage, learnTypesFromDump, loadImage, typeLetterOf } from '../../emulator/image.js';
import { UserError } from '../errors.js';
import { readBytes, readText } from '../io/files.js';
import { imageUserError, parseImage } from './format.js';
import { type RawSpan, imageFromRaw, parseAddress, parseSpan } from './raw.js';

export interface ImageSourceArgs {
  /** The file: image JSON, or raw bytes when base/heap are given. */
  file: string;
  base?: string | undefined;
  heap?: string[] | undefined;
  roots?: string[] | undefined;
  stack?: string[] | undefined;
  profile?: string | undefined;
  word?: number | undefined;
  block?: number | undefined;
  finaliser?: boolean | undefined;
  split?: boolean | undefined;
  splitAuto?: boolean | undefined;
  maxNewSplit?: number | undefined;
  /** JSON file {"0xADDR": "str", …}. */
  types?: string | undefined;
  /** Device gc_dump_alloc_table text to learn type letters from. */
  dump?: string | undefined;
}

function readTypesFile(file: string): Map<number, string> {
  let raw: unknown;
  try {
    raw = JSON.parse(readText(file));
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${file}: not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UserError(`${file}: expected an object {"0xADDR": "str", …}`);
  const out = new Map<number, string>();
  for (const [k, v] of Object.entries(raw)) {
    if (!/^0x[0-9a-f]{1,16}$/i.test(k)) throw new UserError(`${file}: key "${k}" is not a hex address`);
    if (typeof v !== 'string' || typeof typeLetterOf(v) !== 'string') throw new UserError(`${file}: "${k}": ${JSON.stringify(v)} is not a type name or dump letter`);
    out.set(Number.parseInt(k, 16), v);
  }
  return out;
}

export function readImage(a: ImageSourceArgs): HeapImage {
  let img: HeapImage;
  if (a.heap?.length || a.base !== undefined) {
    if (a.base === undefined) throw new UserError(`${a.file}: a raw dump needs --base ADDR (the address of its first byte)`);
    if (!a.heap?.length) throw new UserError(`${a.file}: a raw dump needs --heap START:END for each heap area`);
    const profile = a.profile ?? 'v1.27';
    if (!(GC_VERSIONS as readonly string[]).includes(profile)) throw new UserError(`--profile ${profile}: known profiles are ${GC_VERSIONS.join(', ')}`);
    if (a.maxNewSplit !== undefined && (!Number.isSafeInteger(a.maxNewSplit) || a.maxNewSplit < 0)) {
      throw new UserError(`--max-new-split ${a.maxNewSplit}: must be a whole number of bytes, at least 0`);
    }
    const word = a.word ?? 4;
    if (word !== 4 && word !== 8) throw new UserError(`--word ${word}: must be 4 or 8`);
    const spans = (xs: string[] | undefined, what: string): RawSpan[] => (xs ?? []).map((x) => parseSpan(x, what));
    const heaps = spans(a.heap, '--heap');
    const split = a.split ?? heaps.length > 1;
    img = imageFromRaw(a.file, readBytes(a.file), {
      base: parseAddress(a.base, '--base'),
      heaps,
      roots: spans(a.roots, '--roots'),
      stack: spans(a.stack, '--stack'),
      profile: profile as GcVersion,
      word,
      block: a.block ?? 4 * word,
      finaliser: a.finaliser ?? true,
      split,
      splitAuto: a.splitAuto ?? false,
      ...(a.maxNewSplit !== undefined ? { maxNewSplit: a.maxNewSplit } : {}),
    });
  } else {
    img = parseImage(readText(a.file), a.file);
  }
  if (a.types) for (const [k, v] of readTypesFile(a.types)) img.types.set(k, v);
  if (a.dump) {
    const loaded = open(a.file, img);
    const text = readText(a.dump);
    // Without this line the dump teaches nothing: say so rather than silently ignore the file.
    if (!/^GC memory layout; from [0-9a-fA-F]+:/m.test(text)) {
      throw new UserError(`${a.dump}: no "GC memory layout; from ADDR:" line: not micropython.mem_info(1) output`);
    }
    try {
      for (const [k, v] of learnTypesFromDump(loaded, text)) if (!img.types.has(k)) img.types.set(k, v);
    } catch (e) {
      imageUserError(a.dump, e);
    }
  }
  return img;
}

/** loadImage with engine errors turned into one-line user errors naming the file. */
export function open(file: string, img: HeapImage): LoadedImage {
  try {
    return loadImage(img);
  } catch (e) {
    return imageUserError(file, e);
  }
}
