// Handle names in the trace reader: PREFIX + number names are kept as a prefix index and a
// number (their text made again for the output), others interned as bytes. Every form must
// come back as written and resolve to its own handle.
import { describe, expect, it } from 'vitest';
import { TraceReader, parseTrace, runTrace } from '../../emulator/index.js';

describe('trace handle names', () => {
  const names: string[] = [];
  // Numbered names across several 4096-entry chunks, and far apart.
  for (let i = 1; i <= 9000; i += 2 + (i % 3)) names.push(`o${i}`);
  for (const n of ['o9999999', 'o1234567', 'o4095', 'o4096', 'o8192']) if (!names.includes(n)) names.push(n);
  // Not of the numbered form: leading zero, zero, 8 digits, 4-letter prefix, no digits,
  // letters after digits, long names, case.
  names.push('o01', 'o0', 'o12345678', 'abcd1', 'abc12', 'abc', 'o1x', 'x1y2', 'a_very_long_handle_name_42', 'another_long_name', 'A1', 'a1', '_1', '__', 'Zz9');
  // More prefixes than get a number table of their own (128): the rest are interned.
  for (let i = 0; i < 140; i++) names.push(`${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}${i}`);
  expect(new Set(names).size).toBe(names.length);
  const sizeOf = (i: number): number => 16 * (1 + (i % 5));
  const text =
    ['gc v1.27', 'heap 0x20000000 0x20200000', ...names.map((n, i) => `alloc ${n} ${sizeOf(i)}`), ...names.map((n) => `nbytes ${n}`).reverse()].join('\n') + '\n';

  it('come back as written, in order of appearance', () => {
    expect(parseTrace(text).names).toEqual(names);
    const r = new TraceReader(text);
    for (let o = r.next(); o; o = r.next());
    expect(r.handleCount).toBe(names.length);
    expect(names.map((_, h) => r.nameOf(h))).toEqual(names);
  });

  it('are printed as written and each resolves to its own handle', () => {
    const lines = runTrace(new TraceReader(text)).output.trimEnd().split('\n');
    expect(lines).toHaveLength(2 * names.length);
    names.forEach((n, i) => expect(lines[i]).toMatch(new RegExp(`^alloc ${n} = 0x[0-9a-f]+$`)));
    const nbytes = lines.slice(names.length).reverse();
    names.forEach((n, i) => expect(nbytes[i]).toBe(`nbytes ${n} = ${sizeOf(i)}`));
  });
});
