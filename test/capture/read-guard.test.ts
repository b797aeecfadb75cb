// Every memory-reading command mcu-gc sends, with any one byte lost on the way in (chunked raw
// mode has no flow control and no check: seen on the micro:bit under a loaded QEMU), reads
// nothing outside what it was built to read. Each damaged variant runs in the real MicroPython
// (WebAssembly build) with the readers replaced by recorders, so the parser and the semantics
// are MicroPython's own; a variant that no longer names a reader cannot read at all.
import { loadMicroPython } from '@micropython/micropython-webassembly-pyscript';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LocatedState } from '../../src/capture/locate.js';
import { searchCode } from '../../src/capture/locate.js';
import { type Reader, type Region, readStatements, spanOf } from '../../src/capture/memread.js';
import { planRegions, ramCode } from '../../src/capture/ram.js';

const READERS: Record<Reader, string> = { mem16: "__import__('machine').mem16", uctypes: "__import__('uctypes').bytearray_at" };

// Records (address, bytes) for each read; a read outside [lo, hi) is what must never happen.
const HARNESS = `
R = []
class FM:
    def __getitem__(self, x):
        R.append((x, 2))
        return 0
def FU(s, n):
    R.append((s, n))
    return bytearray(n)
def strays(variants, lo, hi):
    bad = []
    for i, v in enumerate(variants):
        R.clear()
        try:
            exec(v, {'FM': FM(), 'FU': FU, 'print': lambda *a: None})
        except Exception:
            pass
        for a, n in R:
            if not (lo <= a and a + n <= hi):
                bad.append(i)
                break
    return bad
`;

let mp: Awaited<ReturnType<typeof loadMicroPython>>;
let out = '';

beforeAll(async () => {
  mp = await loadMicroPython({ heapsize: 256 * 1024, stdout: (s: string | Uint8Array) => (out += typeof s === 'string' ? s + '\n' : new TextDecoder().decode(s)) });
  mp.runPython(HARNESS);
});

/** Indexes of the one-byte-lost variants of `code` that read outside `span`. */
function strays(code: string, reader: Reader, span: { start: number; end: number }, o: { unguarded?: boolean } = {}): { bad: number[]; variants: number } {
  let src = code;
  if (o.unguarded) {
    // The same command with the reader bound directly (the shape before the guard).
    src = src.replace(/lambda x:m\[x\] if \d+<=x<\d+ else 1\/0/, 'lambda x:m[x]').replace(/lambda s,n:u\(s,n\) if \d+<=s and s\+n<=\d+ else 1\/0/, 'lambda s,n:u(s,n)');
    expect(src).not.toBe(code);
  }
  const variants: string[] = [];
  for (let i = 0; i < src.length; i++) {
    const v = src.slice(0, i) + src.slice(i + 1);
    // A lost byte inside the reader's own name leaves no reader: that variant reads nothing.
    if (!v.includes(READERS[reader])) continue;
    variants.push(v.replace(READERS[reader], reader === 'mem16' ? 'FM' : 'FU'));
  }
  out = '';
  mp.runPython(`print('BAD', strays(${JSON.stringify(variants)}, ${span.start}, ${span.end}))`);
  const m = /^BAD \[(.*)\]$/m.exec(out);
  expect(m, out.slice(-500)).not.toBeNull();
  return { bad: m![1]!.trim() === '' ? [] : m![1]!.split(',').map(Number), variants: variants.length };
}

const heap: Region = { start: 0x200003e0, end: 0x200003e0 + 96, name: 'heap area 0' };
const roots: Region = { start: 0x2000014c, end: 0x200001e8, name: 'root pointers' };

describe.each(['mem16', 'uctypes'] as const)('one lost byte in a %s read never reads outside it', (reader) => {
  it('the read of one region (the interpreter state)', () => {
    const r = strays(readStatements(reader, [roots]), reader, spanOf([roots]));
    expect(r.variants).toBeGreaterThan(100);
    expect(r.bad).toEqual([]);
  });

  it('the search for a word pair below id(globals())', () => {
    const g = 0x20000198;
    const code = searchCode(reader, g - 4, g - 4096, -4, g, g, 4);
    const r = strays(code, reader, { start: g - 4096 + 1, end: g - 4 + 8 });
    expect(r.variants).toBeGreaterThan(100);
    expect(r.bad).toEqual([]);
  });

  it('the --ram read (heap area, roots and stack in one command)', () => {
    const located = {
      reader,
      areas: [{ atbStart: heap.start, atbLen: 4, poolStart: heap.start + 16, poolEnd: heap.end, finaliser: false, weakref: false }],
      roots: { start: roots.start, end: roots.end, from: 'test' },
      stackUse: false,
      notes: [],
    } satisfies LocatedState;
    const plan = planRegions(located, undefined);
    const code = ramCode(plan, { collect: false, stackUse: false });
    const r = strays(code, reader, spanOf([plan.roots, ...plan.areas]));
    expect(r.variants).toBeGreaterThan(200);
    expect(r.bad).toEqual([]);
  });

  it('without the guard the same losses do read elsewhere (the check has teeth)', () => {
    const r = strays(readStatements(reader, [roots]), reader, spanOf([roots]), { unguarded: true });
    expect(r.bad.length).toBeGreaterThan(0);
  });
});
