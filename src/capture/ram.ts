// `capture --ram`: the bytes of each heap area (ATB start .. pool end, exactly as the firmware's
// own area descriptor says), the root-pointer range and the live C stack, read on the device
// in one command together with the mem_info(1) dump they must match and the firmware's next
// gc.collect(), then turned into a heap image (mcu-gc-heap-image/1) for `mcu-gc analyze`.
//
// The command is one lambda call. Everything it needs — the collect/stack_use/mem_info/print
// functions, the generators or uctypes views that read each region — is built as the
// lambda's arguments, before anything is printed, so the dump shows the heap the read then
// copies byte for byte (nothing allocates in between: small ints print from the C stack).
// The stack depth, micropython.stack_use() = stack_top - sp, is taken inside the lambda, the
// same frame that then calls gc.collect(): the stack bytes read are the frames that
// collection scans (its own deeper frames, registers and the helpers', excepted).

import { type GcConfig, type GcVersion, defaultConfig } from '../../emulator/config.js';
import { type HeapImage, IMAGE_FORMAT, typeLetterOf } from '../../emulator/image.js';
import { computeAreaLayout } from '../../emulator/layout.js';
import type { ParsedMemInfo } from '../memdump/index.js';
import type { LocatedState } from './locate.js';
import { type Region, regionObjects, spanOf, withM } from './memread.js';

export interface RamPlan {
  located: LocatedState;
  areas: Region[];
  roots: Region;
  /** [stack_top - stack_use, stack_top), or undefined when the stack cannot be read. */
  stack?: Region;
}

/**
 * The regions a read covers. The stack is read `stackRead` bytes deep from stack_top, at least
 * as deep as the read's own stack_use() (printed by the same command); the image then keeps
 * only [stack_top - stack_use, stack_top): what the collection from that frame scans.
 */
export function planRegions(located: LocatedState, stackRead: number | undefined): RamPlan {
  const areas = located.areas.map((a, i) => ({ start: a.atbStart, end: a.poolEnd, name: `heap area ${i}` }));
  const roots = { start: located.roots.start, end: located.roots.end, name: 'root pointers' };
  const plan: RamPlan = { located, areas, roots };
  if (located.stackTop && stackRead !== undefined) {
    const top = located.stackTop.value;
    plan.stack = { start: top - stackRead, end: top, name: 'stack' };
  }
  return plan;
}

export function planRegionList(plan: RamPlan): Region[] {
  return [...plan.areas, plan.roots, ...(plan.stack ? [plan.stack] : [])];
}

/**
 * The one command: [collect,] print stack_use, mem_info(1), -1, each region then -1,
 * collect, mem_info(1).
 */
export function ramCode(plan: RamPlan, o: { collect: boolean; stackUse: boolean }): string {
  const reader = plan.located.reader;
  const regions = planRegionList(plan);
  // The stack region always has a tail generator: a re-read with another depth keeps the shape.
  const objs = regions.map((r) => regionObjects(reader, r, r === plan.stack));
  const args: string[] = [];
  const body: string[] = [];
  if (o.collect) body.push('c()');
  body.push(o.stackUse ? 'p(u())' : 'p(0)');
  body.push('i(1)', 'p(-1)');
  let k = 0;
  for (const group of objs) {
    for (const x of group) {
      const name = `x${k++}`;
      args.push(x.expr);
      body.push(x.kind === 'print' ? `p(${name})` : `any(${name})`);
    }
    body.push('p(-1)');
  }
  // The firmware's own next collection, from the same frame: what the emulated one must free.
  body.push('c()', 'i(1)');
  const names = ['c', 'u', 'i', 'p', ...args.map((_, j) => `x${j}`)];
  const fns = ["__import__('gc').collect", o.stackUse ? "__import__('micropython').stack_use" : 'None', "__import__('micropython').mem_info", 'print'];
  const inner = `(lambda ${names.join(',')}:(${body.join(',')}))(${[...fns, ...args].join(',')})`;
  return withM(reader, inner, spanOf(regions));
}

function kindOf(c: string): number {
  return c === '.' ? 0 : c === '=' ? 2 : c === 'm' ? 3 : c === '?' ? -1 : 1;
}

/** Blocks whose ATB kind in `bytes` (from the ATB start) differs from the dump's map. */
export function tableMismatches(bytes: Uint8Array, map: string, blocks: number): number {
  let n = 0;
  for (let b = 0; b < blocks; b++) {
    const k = kindOf(map[b] ?? '?');
    if (k >= 0 && ((bytes[b >> 2]! >> ((b & 3) << 1)) & 3) !== k) n++;
  }
  return n;
}

export interface ImageBuild {
  image: HeapImage;
  notes: string[];
}

/**
 * The heap image from the regions' bytes and the dump printed with them. Type addresses are
 * learnt from the dump (a head printed as `L` starts with &mp_type_list) unless the ELF gave
 * them.
 */
export function buildHeapImage(
  dump: ParsedMemInfo,
  plan: RamPlan,
  bytes: Uint8Array[],
  profile: GcVersion,
  o: { elfTypes?: Map<number, string> } = {},
): ImageBuild {
  const bs = dump.blockSize!;
  // MICROPY_BYTES_PER_GC_BLOCK is 4 words on every port modelled; 64-bit heaps have 32-byte blocks.
  const word: 4 | 8 = bs >= 32 ? 8 : 4;
  const notes: string[] = [...plan.located.notes];
  const areas: HeapImage['areas'] = [];
  const votes = new Map<number, Map<string, number>>();
  const loc = plan.located;
  plan.areas.forEach((r, i) => {
    const a = loc.areas[i]!;
    const d = dump.areas.find((x) => x.start === a.poolStart);
    if (!d) throw new Error(`the dump printed with the read has no area at 0x${a.poolStart.toString(16)}`);
    const data = bytes[i]!;
    const c: GcConfig = { ...defaultConfig(profile, word), blockSize: bs, finaliser: a.finaliser, weakref: a.weakref };
    const l = computeAreaLayout(c, a.atbStart, a.poolEnd);
    if (l.poolStart !== a.poolStart || l.blocks !== d.blocks) {
      notes.push(`area ${i}: py/gc.c's ${profile} layout of ${a.atbStart.toString(16)}..${a.poolEnd.toString(16)} puts the pool at 0x${l.poolStart.toString(16)} (${l.blocks} blocks); the firmware says 0x${a.poolStart.toString(16)} (${d.blocks})`);
    }
    const mism = tableMismatches(data, d.map, d.blocks);
    if (mism) notes.push(`area ${i}: ${mism} block(s) of the allocation table differ from the dump printed with it`);
    areas.push({ start: a.atbStart, end: a.poolEnd, bytes: data });
    const poolOff = a.poolStart - a.atbStart;
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let b = 0; b < d.blocks; b++) {
      const ch = d.map[b]!;
      if (!'TLDSAFBM'.includes(ch)) continue;
      const at = poolOff + b * bs;
      const addr = word === 4 ? dv.getUint32(at, true) : Number(dv.getBigUint64(at, true));
      const m = votes.get(addr) ?? new Map<string, number>();
      m.set(ch, (m.get(ch) ?? 0) + 1);
      votes.set(addr, m);
    }
  });
  // The ELF names every mp_type_*; the image keeps those gc_dump_alloc_table has a letter for
  // (the rest print as 'h' either way).
  const types = new Map<number, string>([...(o.elfTypes ?? [])].filter(([, n]) => typeLetterOf(n) !== undefined));
  for (const [addr, m] of votes) if (m.size === 1 && !types.has(addr)) types.set(addr, [...m.keys()][0]!);
  const n = plan.areas.length;
  const image: HeapImage = {
    profile,
    word,
    block: bs,
    finaliser: loc.areas[0]!.finaliser,
    split: dump.areas.length > 1 || dump.gc?.maxNewSplit !== undefined,
    splitAuto: dump.gc?.maxNewSplit !== undefined,
    weakref: loc.areas[0]!.weakref,
    areas,
    roots: [{ start: plan.roots.start, bytes: bytes[n]!, name: 'root section' }],
    stack: plan.stack ? [{ start: plan.stack.start, bytes: bytes[n + 1]!, name: 'stack' }] : [],
    types,
  };
  if (dump.gc?.maxNewSplit !== undefined) image.maxNewSplit = dump.gc.maxNewSplit;
  return { image, notes };
}

export { IMAGE_FORMAT };
