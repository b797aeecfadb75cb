// Fuzzing the mem_info parser (seeded, bounded): mutated real dumps and random bytes must
// never crash it. It returns a result (with issues) — or, in strict mode, throws only a
// ParseError that says where.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_BLOCKS, ParseError, type ParsedMemInfo, parseMemInfo, parseMemInfoStrict } from '../../src/memdump/index.js';

const dir = join(new URL('.', import.meta.url).pathname, 'fixtures');
const seeds = readdirSync(dir)
  .filter((f) => f.endsWith('.txt'))
  .map((f) => readFileSync(join(dir, f), 'latin1'));

/** Structural promises every result keeps, whatever the input. */
function invariants(r: ParsedMemInfo, input: string | Uint8Array): void {
  const byteLen = typeof input === 'string' ? Buffer.byteLength(input) : input.length;
  const lineCount = (typeof input === 'string' ? input : Buffer.from(input).toString('latin1')).split('\n').length;
  let total = 0;
  for (const a of r.areas) {
    expect(a.blocks).toBe(a.map.length);
    expect(/^[.=mhTLDSAFBM?]*$/.test(a.map)).toBe(true);
    expect(Number.isFinite(a.start)).toBe(true);
    total += a.blocks;
  }
  expect(total).toBeLessThanOrEqual(MAX_BLOCKS);
  for (const i of r.issues) {
    expect(i.line).toBeGreaterThanOrEqual(0);
    expect(i.line).toBeLessThanOrEqual(lineCount);
    expect(i.offset).toBeGreaterThanOrEqual(0);
    expect(i.offset).toBeLessThanOrEqual(byteLen);
    expect(typeof i.message).toBe('string');
  }
  if (r.complete) expect(r.areas.every((a) => !a.map.includes('?'))).toBe(true);
}

function strictOk(input: string | Uint8Array): void {
  try {
    parseMemInfoStrict(input);
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    expect(e.line).toBeGreaterThanOrEqual(0);
    expect(e.offset).toBeGreaterThanOrEqual(0);
  }
}

/** One edit to a text: the ways serial captures and hand edits damage dumps. */
const mutation = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), s: fc.string({ unit: 'binary', maxLength: 20 }) }),
  fc.record({ op: fc.constant('insertAscii' as const), at: fc.nat(), s: fc.string({ unit: fc.constantFrom(...'.=hTLDSAFBMm:0123456789abcdef \r\n()x?#'), maxLength: 30 }) }),
  fc.record({ op: fc.constant('dupLine' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('dropLine' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('swapLines' as const), at: fc.nat(), to: fc.nat() }),
  fc.record({ op: fc.constant('number' as const), at: fc.nat(), n: fc.oneof(fc.nat(), fc.constantFrom('0', '99999999999999999999', '4294967296', '18446744073709551616', '1e400')) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('lf' as const) }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function apply(text: string, m: Mutation): string {
  const at = (n: number): number => (text.length ? n % (text.length + 1) : 0);
  const ls = text.split('\n');
  const li = (n: number): number => n % ls.length;
  switch (m.op) {
    case 'delete':
      return text.slice(0, at(m.at)) + text.slice(at(m.at) + m.len);
    case 'insert':
    case 'insertAscii':
      return text.slice(0, at(m.at)) + m.s + text.slice(at(m.at));
    case 'dupLine':
      ls.splice(li(m.at), 0, ls[li(m.at)]!);
      return ls.join('\n');
    case 'dropLine':
      ls.splice(li(m.at), 1);
      return ls.join('\n');
    case 'swapLines': {
      const [a, b] = [li(m.at), li(m.to)];
      [ls[a], ls[b]] = [ls[b]!, ls[a]!];
      return ls.join('\n');
    }
    case 'number': {
      // Replace the k-th run of digits with another number.
      const runs = [...text.matchAll(/\d+/g)];
      if (!runs.length) return text;
      const r = runs[m.at % runs.length]!;
      return text.slice(0, r.index) + String(m.n) + text.slice(r.index! + r[0].length);
    }
    case 'truncate':
      return text.slice(0, at(m.at));
    case 'lf':
      return text.replace(/\r\n/g, '\n');
  }
}

describe('parser fuzzing (seeded, bounded)', () => {
  it('mutated real dumps: never crashes, results stay well-formed', () => {
    fc.assert(
      fc.property(fc.nat(seeds.length - 1), fc.array(mutation, { minLength: 1, maxLength: 6 }), (k, ms) => {
        const text = ms.reduce(apply, seeds[k]!);
        invariants(parseMemInfo(text), text);
        strictOk(text);
      }),
      { seed: 42, numRuns: 2500 },
    );
  });

  it('mutated dumps as raw bytes (Latin-1, offsets in bytes)', () => {
    fc.assert(
      fc.property(fc.nat(seeds.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 }), (k, ms) => {
        const bytes = Buffer.from(ms.reduce(apply, seeds[k]!), 'latin1');
        invariants(parseMemInfo(bytes), bytes);
        strictOk(bytes);
      }),
      { seed: 4242, numRuns: 800 },
    );
  });

  it('random bytes and random unicode text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4000 }), (b) => {
        invariants(parseMemInfo(b), b);
        strictOk(b);
      }),
      { seed: 1, numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 2000 }), (s) => {
        invariants(parseMemInfo(s), s);
        strictOk(s);
      }),
      { seed: 2, numRuns: 500 },
    );
  });

  it('mutations do get noticed: most damaged dumps carry issues', () => {
    // Guards the fuzz itself: if mutations stopped reaching the parser, this would drop.
    let flagged = 0;
    const runs = 300;
    fc.assert(
      fc.property(fc.nat(seeds.length - 1), fc.array(mutation, { minLength: 2, maxLength: 6 }), (k, ms) => {
        const text = ms.reduce(apply, seeds[k]!);
        if (text !== seeds[k] && parseMemInfo(text).issues.length > 0) flagged++;
      }),
      { seed: 9, numRuns: runs },
    );
    expect(flagged).toBeGreaterThan(runs * 0.5);
  });
});
