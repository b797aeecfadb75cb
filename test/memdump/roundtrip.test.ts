// Text printed by the engine's gc_dump_info / gc_dump_alloc_table for random heaps must
// parse back to exactly the engine's block map (read from its ATB, not from the text) and
// its gc_info numbers.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AT_FREE,
  AT_HEAD,
  AT_TAIL,
  type GcConfig,
  type GcVersion,
  Machine,
  TYPE_NAMES,
  defaultConfig,
  dumpAllocTable,
  dumpInfo,
} from '../../emulator/index.js';
import { parseMemInfo } from '../../src/memdump/index.js';

interface HeapCase {
  version: GcVersion;
  wordSize: 4 | 8;
  finaliser: boolean;
  areas: number[]; // bytes per area
  ops: { alloc: boolean; size: number; type: number; victim: number }[];
}

function build(c: HeapCase): Machine {
  const cfg: GcConfig = {
    ...defaultConfig(c.version, c.wordSize),
    finaliser: c.finaliser,
    split: c.areas.length > 1,
  };
  // Areas one after another with a 4 KiB hole between; types and roots above them.
  const starts: number[] = [];
  let at = 0x20000000;
  for (const size of c.areas) {
    starts.push(at);
    at += Math.ceil((size + 4096) / 4096) * 4096;
  }
  const ramSize = at - 0x20000000;
  const m = new Machine({
    config: cfg,
    regions: [
      { name: 'ram', kind: 'ram', base: 0x20000000, size: ramSize },
      { name: 'flash', kind: 'flash', base: 0x08000000, size: 0x1000 },
      { name: 'state', kind: 'ram', base: 0x30000000, size: 0x1000 },
    ],
    typesBase: 0x08000000,
    rootSection: { address: 0x30000000, words: 16 },
    stack: { address: 0x30000800, words: 16 },
  });
  m.heap.init(starts[0]!, starts[0]! + c.areas[0]!);
  for (let i = 1; i < c.areas.length; i++) m.heap.add(starts[i]!, starts[i]! + c.areas[i]!);
  m.heap.autoCollect = false;
  const live: number[] = [];
  for (const op of c.ops) {
    if (op.alloc || live.length === 0) {
      const p = m.heap.alloc(op.size);
      if (p === 0) continue;
      const name = TYPE_NAMES[op.type % TYPE_NAMES.length]!;
      // A head's letter is decided by its first word, as gc_dump_alloc_table does.
      if (op.type < TYPE_NAMES.length * 2) m.mem.writeWord(p, m.types.address(name));
      live.push(p);
    } else {
      const k = op.victim % live.length;
      m.heap.free(live[k]!);
      live.splice(k, 1);
    }
  }
  return m;
}

/** The block map straight from the engine's ATB. */
function engineMaps(m: Machine): { start: number; map: string }[] {
  return m.heap.areas.map((a) => {
    let s = '';
    for (let b = 0; b < a.blocks; b++) {
      const k = a.kind(b);
      s += k === AT_FREE ? '.' : k === AT_TAIL ? '=' : k === AT_HEAD ? m.types.letter(m.mem.readWord(a.addr(b))) : 'm';
    }
    return { start: a.poolStart, map: s };
  });
}

const heapCase = fc.record({
  version: fc.constantFrom<GcVersion>('v1.9.4', 'v1.27', 'v1.28'),
  wordSize: fc.constantFrom<4 | 8>(4, 8),
  finaliser: fc.boolean(),
  areas: fc.array(fc.integer({ min: 600, max: 40_000 }), { minLength: 1, maxLength: 3 }),
  ops: fc.array(
    fc.record({
      alloc: fc.boolean(),
      // Mostly small objects, some big buffers (long tails across lines).
      size: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 65, max: 3000 })),
      type: fc.nat(40),
      victim: fc.nat(),
    }),
    { maxLength: 250 },
  ),
});

/** What the random cases covered, so the test fails if the generator stops exercising the parser. */
const seen = new Set<string>();

function check(c: HeapCase, raw = false): void {
  if (c.version === 'v1.9.4') c = { ...c, areas: c.areas.slice(0, 1) };
  const m = build(c);
  const splitAuto = false;
  let text = `stack: 528 out of 64512\n${dumpInfo(m.heap.info(), splitAuto)}${dumpAllocTable(m.heap, m.types)}`;
  if (raw) text = 'OK' + text.replace(/\n/g, '\r\n') + '\x04\x04>';
  const r = parseMemInfo(text);
  if (r.areas.length > 1) seen.add('split');
  if (c.wordSize === 8) seen.add('64-bit');
  if (text.includes('lines all free)')) seen.add('free-run');
  for (const ch of new Set(r.areas.map((a) => a.map).join(''))) seen.add(ch);
  expect(r.issues).toEqual([]);
  expect(r.complete).toBe(true);
  expect(r.blockSize).toBe(m.config.blockSize);
  // An all-free area of whole lines prints no offset at all, so only then is it unknown.
  const hasOffsets = /\n[0-9a-f]{5,8}: /.test(text.replace(/\r/g, ''));
  expect(r.offsetDigits).toBe(hasOffsets ? (c.version === 'v1.9.4' ? 5 : 8) : undefined);
  expect(r.areas.map((a) => ({ start: a.start, map: a.map }))).toEqual(engineMaps(m));
  const info = m.heap.info();
  expect(r.gc).toEqual({
    total: info.total,
    used: info.used,
    free: info.free,
    num1block: info.num1block,
    num2block: info.num2block,
    maxBlock: info.maxBlock,
    maxFree: info.maxFree,
  });
}

describe('round trip: engine dump text → parser → engine block map', () => {
  it('random heaps, every profile, 32- and 64-bit, split heaps', () => {
    fc.assert(
      fc.property(heapCase, (c) => check(c)),
      { seed: 20240601, numRuns: 150 },
    );
    for (const k of ['split', '64-bit', 'free-run', '.', '=', 'h', 'T', 'L', 'D', 'S', 'A', 'F', 'B', 'M']) expect(seen).toContain(k);
  });

  it('the same text as it arrives over the raw REPL (OK prefix, CRLF, EOT markers)', () => {
    fc.assert(
      fc.property(heapCase, (c) => check(c, true)),
      { seed: 7, numRuns: 40 },
    );
  });

  it('a v1.9.4 heap over 1 MiB, whose 5-digit offsets wrap', () => {
    const c: HeapCase = {
      version: 'v1.9.4',
      wordSize: 4,
      finaliser: true,
      areas: [1_300_000],
      ops: Array.from({ length: 400 }, (_, i) => ({ alloc: i % 5 !== 4, size: 40 + ((i * 7919) % 9000), type: i, victim: i * 31 })),
    };
    const m = build(c);
    const table = dumpAllocTable(m.heap, m.types);
    expect(table).toMatch(/\n0[0-9a-f]{4}: /); // a wrapped header exists past 1 MiB
    expect(m.heap.areas[0]!.blocks * 16).toBeGreaterThan(0x100000);
    check(c);
  });

  it('the split-heap-auto totals line (max new split) is read', () => {
    const info = { total: 64000, used: 832, free: 63168, maxFree: 3890, num1block: 15, num2block: 5, maxBlock: 11, maxNewSplit: 134217728 };
    const r = parseMemInfo(`stack: 1\n${dumpInfo(info, true)}`);
    expect(r.gc?.maxNewSplit).toBe(134217728);
    expect(r.gc?.maxFree).toBe(3890);
    expect(r.areas).toEqual([]);
  });
});
