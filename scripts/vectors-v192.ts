// Writes the `gc v1.9.2` conformance vectors (test/conformance/vectors/*-20xx.trace and
// .expected) from MicroPython v1.9.2's real py/gc.c, the C oracle (scripts/c-oracle), never
// from the engine: `node dist/scripts/vectors-v192.js` (needs ../shared and gcc-multilib).
// Deterministic: the same text every run. It refuses a trace on which gc.c would write
// outside the heap (FORMAT.md keeps those out of the vectors) and reports, for information,
// whether the engine already agrees.
//
// The traces aim at what the BBC micro:bit build (word 4, 16-byte blocks, no finaliser,
// gcstack 32, conservative clear on) meets: mark-stack overflow and its heap rescans, deep
// chains, exhaustion (with v1.9.x's stale free-run count and double collection), realloc,
// thresholds, and the partial vs conservative clear of new blocks.

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTrace, runTrace } from '../emulator/index.js';
import { writeFileAtomic } from '../src/io/files.js';
import { firstDifference } from './c-oracle/differ.js';
import { oracleUnavailable, runOracle } from './c-oracle/oracle.js';
import { randomTrace194 } from './trace-gen.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = join(root, 'test/conformance/vectors');

/** The micro:bit heap: gc_init(0x20000400, 0x20002be0) lays out 10048 bytes from 0x200004a0. */
const MICROBIT = ['gc v1.9.2', 'word 4', 'block 16', 'finaliser 0', 'gcstack 32', 'clear 1', 'heap 0x20000400 0x20002be0'];

function header(over: Partial<Record<'word' | 'block' | 'finaliser' | 'gcstack' | 'clear' | 'heap', string>>): string[] {
  const h = new Map(MICROBIT.map((l) => [l.split(' ')[0]!, l]));
  for (const [k, v] of Object.entries(over)) h.set(k, `${k} ${v}`);
  return [...h.values()];
}

/** A tuple node: the type word, then `fan` items pointing at its children. */
function tree(out: string[], name: string, depth: number, fan: number, word: number, garbageEvery = 0): void {
  out.push(`alloc ${name} ${(fan + 1) * word}`, `type ${name} tuple`);
  if (depth === 0) return;
  for (let i = 0; i < fan; i++) {
    const child = `${name}_${i}`;
    tree(out, child, depth - 1, fan, word, garbageEvery);
    out.push(`setp ${name} ${i + 1} ${child}`);
    if (garbageEvery && i % garbageEvery === 0) out.push(`alloc g_${child} ${word * 3}`);
  }
}

const vectors: Array<{ name: string; lines: string[] }> = [];

// 1. The micro:bit's 32-entry stack against a root with 60 children, each holding two more:
//    the 33rd push overflows, and gc_deal_with_stack_overflow rescans the heap for marked
//    heads whose children were never scanned. Garbage between them shows what is freed.
{
  const out = header({});
  out.push('alloc wide 256', 'type wide list', 'root 0 wide');
  for (let i = 1; i < 61; i++) {
    out.push(`alloc c${i} 16`, `alloc x${i} 16`, `alloc y${i} 32`, `setp wide ${i} c${i}`, `setp c${i} 1 x${i}`, `setp c${i} 2 y${i}`, `alloc junk${i} 24`);
  }
  out.push('info', 'collect', 'info', 'dump', 'root 0 0', 'collect', 'info', 'stats');
  vectors.push({ name: 'overflow-2000', lines: out });
}

// 2. A one-entry mark stack (the smallest MICROPY_ALLOC_GC_STACK_SIZE) on a 3-ary tree of
//    depth 4: nearly every push overflows, so the rescans run many times over.
{
  const out = header({ gcstack: '1', clear: '0' });
  tree(out, 't', 4, 3, 4, 2);
  out.push('root 3 t', 'collect', 'info', 'dump', 'alloc after 100', 'stack 5 t_1', 'root 3 0', 'collect', 'info', 'dump', 'stats');
  vectors.push({ name: 'overflow-2001', lines: out });
}

// 3. Overflow with the finaliser on (word 8, gcstack 2): objects with __del__ reached only
//    after a rescan must not be finalised; the unreachable ones are, in sweep order.
{
  const out = header({ word: '8', block: '32', finaliser: '1', gcstack: '2', clear: '0', heap: '0x555500000010 0x555500004010' });
  out.push('alloc hub 64', 'type hub list', 'root 1 hub');
  for (let i = 1; i < 8; i++) {
    out.push(`alloc f${i} 24 fin`, `type f${i} fin`, `setp hub ${i} f${i}`, `alloc d${i} 24 fin`, `type d${i} fin`, `alloc leaf${i} 8 fin`, `type leaf${i} fin`, `setp f${i} 1 leaf${i}`);
  }
  out.push('collect', 'info', 'dump', 'setp hub 3 0', 'setp hub 5 0', 'collect', 'dump', 'root 1 0', 'collect', 'info', 'stats');
  vectors.push({ name: 'overflow-2002', lines: out });
}

// 4. Deep chains both ways (each node pointing to the next-allocated, and a second chain
//    pointing back), gcstack 4: depth costs no stack in gc_drain_stack, fan-out does.
{
  const out = header({ gcstack: '4' });
  for (let i = 0; i < 150; i++) {
    out.push(`alloc n${i} 16`);
    if (i > 0) out.push(`setp n${i - 1} 1 n${i}`);
    out.push(`alloc b${i} 16`);
    if (i > 0) out.push(`setp b${i} 2 b${i - 1}`);
  }
  out.push('root 0 n0', 'stack 0 b149', 'collect', 'info', 'setp n75 1 0', 'collect', 'info', 'dump', 'setp b100 2 0', 'collect', 'info', 'dump', 'stats');
  vectors.push({ name: 'deep-2003', lines: out });
}

// 5. Exhaustion on the micro:bit heap: fill it, keep block 0 and a scattering alive, ask for
//    more than fits (gc_alloc collects, then fails), then for what fits after the collection.
{
  const out = header({});
  out.push('alloc keep 16', 'root 31 keep');
  for (let i = 0; i < 200; i++) {
    out.push(`alloc e${i} ${16 + (i % 5) * 16}`);
    if (i % 7 === 0) out.push(`root ${(i / 7) % 30} e${i}`);
  }
  out.push('alloc huge 9000', 'info', 'alloc big 4000', 'alloc big2 4000', 'alloc big3 4000', 'info', 'dump', 'stats');
  vectors.push({ name: 'exhaust-2004', lines: out });
}

// 6. realloc: shrink in place, grow in place, grow by moving (a collection inside keeps the
//    block), nomove refusal, realloc to 0, and a non-head pointer (`invalid`).
{
  const out = header({ clear: '0' });
  out.push('alloc a 64', 'alloc b 16', 'alloc c 48', 'root 0 a', 'root 1 c', 'setw a 1 0x20000810', 'realloc a 20', 'nbytes a', 'realloc a 40', 'nbytes a', 'realloc a 200 nomove', 'realloc a 200', 'nbytes a', 'free b', 'realloc c 64', 'realloc c 8', 'info', 'dump');
  out.push('alloc d 32', 'realloc d 0', 'free c', 'realloc c 16', 'alloc e 16', 'auto 0');
  for (let i = 0; i < 20; i++) out.push(`alloc z${i} 400`);
  out.push('realloc a 3000', 'realloc a 3000 nomove', 'auto 1', 'realloc a 3000', 'info', 'dump', 'stats');
  vectors.push({ name: 'realloc-2005', lines: out });
}

// 7. Thresholds: a collection every N blocks allocated, and v1.9.x's second collection when
//    the threshold collection still leaves no room (it does not count as "collected").
{
  const out = header({});
  out.push('threshold 20');
  for (let i = 0; i < 120; i++) {
    out.push(`alloc t${i} ${16 * (1 + (i % 3))}`);
    if (i % 10 === 0) out.push(`root ${i / 10} t${i}`);
  }
  out.push('stats', 'threshold 5', 'alloc t200 10040', 'stats', 'threshold off', 'alloc t201 16', 'stats', 'info', 'dump');
  vectors.push({ name: 'threshold-2006', lines: out });
}

// 8–9. Partial vs conservative clear: a block reused with fewer bytes keeps its old first
//    words when clear is 0 (gc_alloc zeroes only past n_bytes), so a stale pointer there
//    keeps `victim` alive; with clear 1 (mpconfig.h's default) the whole block is zeroed.
for (const [name, clear] of [
  ['conservative-2007', '0'],
  ['conservative-2008', '1'],
] as const) {
  const out = header({ clear });
  out.push('alloc victim 32', 'type victim str', 'alloc a 64', 'setp a 0 victim', 'setp a 3 victim', 'setp a 6 victim', 'free a', 'alloc c 8', 'root 0 c', 'collect', 'info', 'alloc d 24', 'root 1 d', 'collect', 'info', 'dump', 'stats');
  vectors.push({ name, lines: out });
}

// 10–14. Seeded random v1.9.2 traces (scripts/trace-gen.ts, 400 ops): for each corner, the
//    first seed from 1 that reaches it (and that gc.c runs to the end).
const corners: Array<[string, (text: string, out: string, overflows: number) => boolean]> = [
  ['a mark-stack overflow at gcstack 1', (t, _o, n) => n > 0 && /^gcstack 1$/m.test(t)],
  ['a threshold collection and an exhaustion', (t, o) => /^threshold \d+$/m.test(t) && /= NULL$/m.test(o)],
  ['exhaustion with conservative clear on', (t, o) => /^clear 1$/m.test(t) && /= NULL$/m.test(o)],
  ['word 8 with the finaliser', (t, o) => /^word 8$/m.test(t) && /^finaliser 1$/m.test(t) && /finalised=0x/.test(o)],
  ['realloc moving and refused (nomove)', (t, o) => /nomove/.test(t) && /^realloc \S+ = NULL$/m.test(o) && /^realloc /m.test(o)],
];
function random192(seed: number): string {
  return randomTrace194(seed, { version: 'v1.9.2', ops: 400 });
}
const why = oracleUnavailable('v1.9.2');
if (why) {
  console.error(`vectors-v192: cannot run the v1.9.2 C oracle: ${why}`);
  process.exit(2);
}
const used = new Set<number>();
for (const [what, test] of corners) {
  for (let seed = 1; seed < 2000; seed++) {
    if (used.has(seed)) continue;
    const text = random192(seed);
    const c = runOracle(text);
    if (c.crashed) continue;
    let overflows = 0;
    try {
      runTrace(parseTrace(text), { onCollect: (rec) => (overflows += rec.overflowRescans) });
    } catch {
      continue;
    }
    if (!test(text, c.output, overflows)) continue;
    used.add(seed);
    vectors.push({ name: `churn-${2010 + seed}`, lines: [`# random: ${what} (scripts/trace-gen.ts randomTrace194 seed ${seed}, version v1.9.2, 400 ops)`, ...text.trimEnd().split('\n')] });
    break;
  }
}
let agree = 0;
for (const v of vectors) {
  const text = [`# scenario ${v.name} (gc v1.9.2, expected output from MicroPython v1.9.2's py/gc.c)`, ...v.lines].join('\n') + '\n';
  const r = runOracle(text);
  if (r.crashed) {
    console.error(`vectors-v192: ${v.name}: gc.c would write outside the heap: not a vector`);
    process.exit(1);
  }
  writeFileAtomic(join(dir, `${v.name}.trace`), text, { force: true });
  writeFileAtomic(join(dir, `${v.name}.expected`), r.output, { force: true });
  let engine: string;
  try {
    engine = runTrace(parseTrace(text)).output;
  } catch (e) {
    engine = `error: ${e instanceof Error ? e.message : String(e)}`;
  }
  const d = firstDifference(r.output, engine);
  if (!d) agree++;
  console.log(`${v.name}: ${r.output.split('\n').length - 1} lines${d ? `; engine differs at output line ${d.outputLine}` : ''}`);
}
console.log(`vectors-v192: ${vectors.length} vectors written to ${dir}; the engine agrees on ${agree}`);
