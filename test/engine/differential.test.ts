// The free-run index is an emulator speed-up; gc.c scans the ATB byte by byte. Over many
// random traces (every profile, split heaps, reallocs, locks, thresholds) both must
// print the same thing.
import { describe, expect, it } from 'vitest';
import { parseTrace, runTrace, TraceError, type TraceRunOptions, traceMachine } from '../../emulator/index.js';
import { collectKernelOf, useCollectKernel } from '../../emulator/kernel/collect-kernel.js';
import { deepChainTrace, rng } from '../../scripts/bench-gen.js';

function randomTrace(seed: number): string {
  const r = rng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const version = pick(['v1.9.4', 'v1.27', 'v1.28']);
  const word = r() < 0.2 ? 8 : 4;
  const block = pick([word * 4, word * 4, word * 8]);
  const split = version !== 'v1.9.4' && r() < 0.4;
  const weakref = version === 'v1.28' && r() < 0.5;
  const base = word === 8 ? 0x5555_0000_0000 : 0x2000_0000;
  const out = [`gc ${version}`, `word ${word}`, `block ${block}`, `finaliser ${weakref || r() < 0.7 ? 1 : 0}`, `gcstack ${pick([2, 8, 64])}`, `clear ${r() < 0.5 ? 1 : 0}`];
  if (split) out.push('split 1');
  if (weakref) out.push('weakref 1');
  const size = pick([4096, 16384, 65536]);
  out.push(`heap 0x${(base + 0x40).toString(16)} 0x${(base + 0x40 + size).toString(16)}`);
  if (split) out.push(`heap 0x${(base + 0x100000).toString(16)} 0x${(base + 0x100000 + size / 2).toString(16)}`);
  const names: string[] = [];
  for (let i = 0; i < 1500; i++) {
    const x = r();
    const n = names.length ? pick(names) : 'o0';
    if (x < 0.4 || names.length < 4) {
      const name = `o${names.length}`;
      names.push(name);
      const sz = r() < 0.8 ? 1 + Math.floor(r() * 64) : Math.floor(r() * size * 0.3);
      out.push(`alloc ${name} ${sz}${r() < 0.2 ? ' fin' : ''}`);
    } else if (x < 0.6) out.push(`setp ${n} ${Math.floor(r() * 6)} ${pick(names)}`);
    else if (x < 0.65) out.push(`setw ${n} ${Math.floor(r() * 6)} ${Math.floor(r() * 1000) * 2 + 1}`);
    else if (x < 0.7) out.push(`type ${n} ${pick(['str', 'list', 'fin', 'dict', 'other'])}`);
    else if (x < 0.76) out.push(`${pick(['root', 'stack'])} ${Math.floor(r() * 32)} ${n}`);
    else if (x < 0.82) out.push(`free ${n}`);
    else if (x < 0.9) out.push(`realloc ${n} ${Math.floor(r() * 200)}${r() < 0.2 ? ' nomove' : ''}`);
    else if (x < 0.93) out.push('collect');
    else if (x < 0.95) out.push(pick(['threshold 8', 'threshold off', 'auto 0', 'auto 1']));
    else if (x < 0.96) out.push(pick(['lock', 'unlock']));
    else if (x < 0.97 && weakref) out.push(`weak ${n}`);
    else if (x < 0.98) out.push('info');
    else out.push(pick(['dump', 'stats', `nbytes ${n}`]));
  }
  out.push('unlock', 'unlock', 'collect', 'info', 'dump', 'stats');
  return out.join('\n') + '\n';
}

/** The output, or the output up to an emulated crash and where it happened. */
function outcome(text: string, opts: TraceRunOptions): string {
  try {
    return runTrace(parseTrace(text), opts).output;
  } catch (e) {
    if (e instanceof TraceError && e.crash) return `${e.partialOutput}CRASH at ${e.line}`;
    throw e;
  }
}

describe('indexed first-fit search = gc.c plain scan', () => {
  it('over 60 random traces', () => {
    let compared = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const t = randomTrace(seed);
      const a = outcome(t, { useIndex: true });
      const b = outcome(t, { useIndex: false });
      expect(a, `seed ${seed}`).toBe(b);
      expect(a.length).toBeGreaterThan(100);
      compared++;
    }
    expect(compared).toBe(60);
  });
});

// The WebAssembly collection kernel (emulator/kernel/) against the JS loops it replaces on
// one-area 32-bit heaps: the same output, and the same work counters for every collection
// (marks, words scanned and counted again in overflow rescans, rescans, blocks swept).
describe('WebAssembly mark kernel = JS mark loop', () => {
  function run(text: string, kernel: boolean): { out: string; recs: number[][] } {
    useCollectKernel(kernel);
    try {
      const recs: number[][] = [];
      const out = outcome(text, { onCollect: (r) => recs.push([r.marked, r.scannedWords, r.overflowRescans, r.sweptBlocks, r.freed]) });
      return { out, recs };
    } finally {
      useCollectKernel(true);
    }
  }

  it('over 80 random traces (every profile; gcstack 2, 8, 64)', () => {
    let viaKernel = 0;
    for (let seed = 1; seed <= 80; seed++) {
      const t = randomTrace(seed);
      const js = run(t, false);
      const k = run(t, true);
      expect(k.out, `seed ${seed}`).toBe(js.out);
      expect(k.recs, `seed ${seed}`).toEqual(js.recs);
      if (/^word 4/m.test(t) && !/^split 1/m.test(t)) viaKernel++;
    }
    expect(viaKernel).toBeGreaterThan(30);
  });

  it('deep chains that overflow the stack, blocks of 16, 32 and 64 bytes', () => {
    for (const block of [16, 32, 64]) {
      const t = deepChainTrace(3000, 2, 5).replace(/^block \d+/m, `block ${block}`);
      const js = run(t, false);
      const k = run(t, true);
      expect(k.recs.some((r) => r[2]! > 0)).toBe(true);
      expect(k.out).toBe(js.out);
      expect(k.recs).toEqual(js.recs);
    }
  });

  it('the kernel is what marks a one-area 32-bit heap', () => {
    const m = traceMachine(parseTrace(deepChainTrace(10, 2, 5)));
    m.heap.init(0x2000_0000, 0x2001_0000);
    expect(m.heap.first!.bytes.buffer).toBe(collectKernelOf(m.heap.first!.region)?.buffer);
  });
});
