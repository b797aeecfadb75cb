// The parser on real mem_info(1) output of several versions and ports, and on the ways
// real captures go wrong (lost lines, interleaved prints, stray characters).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ParseError, parseMemInfo, parseMemInfoStrict } from '../../src/memdump/index.js';

const dir = join(new URL('.', import.meta.url).pathname, 'fixtures');
const fixture = (f: string): string => readFileSync(join(dir, f), 'latin1');

describe('real dumps', () => {
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.txt'))) {
    it(`${f}: parses without issues and its map adds up to the GC line`, () => {
      const r = parseMemInfo(fixture(f));
      expect(r.issues).toEqual([]);
      expect(r.complete).toBe(true);
      const bs = r.blockSize!;
      const all = r.areas.map((a) => a.map).join('');
      // Independent of the parser's own check: count letters here.
      expect(all.length * bs).toBe(r.gc!.total);
      expect([...all].filter((c) => c === '.').length * bs).toBe(r.gc!.free);
      expect([...all].filter((c) => c !== '.').length * bs).toBe(r.gc!.used);
      for (const a of r.areas) expect(a.blocks % 4).toBe(0);
    });
  }

  it('v1.9.4: 5-digit offsets, one area, OK prefix and EOT markers stripped', () => {
    const r = parseMemInfo(fixture('v1.9.4-minimal-raw-repl.txt'));
    expect(r.offsetDigits).toBe(5);
    expect(r.stack).toEqual({ used: 720, limit: 64512 });
    expect(r.areas).toHaveLength(1);
    expect(r.areas[0]!.startText).toBe('5664c3c0');
    expect(r.areas[0]!.start).toBe(0x5664c3c0);
    expect(r.after).toEqual(['\x04\x04>']);
  });

  it('split heap: three areas, 32-byte blocks, mem: line', () => {
    const r = parseMemInfo(fixture('v1.27-unix-split3.txt'));
    expect(r.blockSize).toBe(32);
    expect(r.mem).toEqual({ total: 3933, current: 1368, peak: 2681 });
    expect(r.areas.map((a) => a.blocks)).toEqual([1580, 1576, 1576]);
    expect(r.areas[2]!.start).toBe(0x55b54722e5e0);
  });

  it('webassembly: max new split, user output before and after', () => {
    const r = parseMemInfo(fixture('wasm-v1.27-pyscript-64k.txt'));
    expect(r.gc!.maxNewSplit).toBe(134217728);
    expect(r.before).toEqual(['user output before']);
    expect(r.after).toEqual(['after']);
  });
});

const base = fixture('v1.27-minimal-raw-repl.txt');
const lines = base.split('\r\n');

describe('damaged dumps are reported, with line numbers', () => {
  it('a lost table line leaves unknown blocks and an error on the next line', () => {
    const t = [...lines.slice(0, 5), ...lines.slice(6)].join('\r\n'); // drop "00000400: …" (line 6)
    const r = parseMemInfo(t);
    expect(r.complete).toBe(false);
    expect(r.areas[0]!.map.slice(64, 128)).toBe('?'.repeat(64));
    expect(r.areas[0]!.blocks).toBe(1572);
    const e = r.issues.find((i) => i.severity === 'error')!;
    expect(e.line).toBe(6);
    expect(e.message).toMatch(/skips 1 line/);
    // Byte offset of line 6 = the bytes of lines 1-5 with their CRLFs.
    expect(e.offset).toBe(lines.slice(0, 5).reduce((n, l) => n + l.length + 2, 0));
  });

  it('a line printed by someone else in the middle is a warning and the map stays whole', () => {
    const t = [...lines.slice(0, 6), 'irq fired', ...lines.slice(6)].join('\r\n');
    const r = parseMemInfo(t);
    expect(r.complete).toBe(true);
    expect(r.issues).toEqual([expect.objectContaining({ severity: 'warning', line: 7, message: expect.stringContaining('irq fired') })]);
  });

  it('an unknown block character is counted as a head and located', () => {
    const t = base.replace('00000400: ========h', '00000400: ========#');
    const r = parseMemInfo(t);
    const e = r.issues.find((i) => i.message.includes('unexpected character'))!;
    expect(e.line).toBe(6);
    expect(e.message).toContain('column 19');
    expect(r.areas[0]!.map[64 + 8]).toBe('h');
  });

  it('a GC line that disagrees with the table is an error on the GC line', () => {
    const r = parseMemInfo(base.replace('used: 3424', 'used: 3440'));
    expect(r.issues).toEqual([expect.objectContaining({ severity: 'error', line: 2, message: expect.stringContaining('used 3440') })]);
  });

  it('a wrong offset is reported against the block it should have been', () => {
    const r = parseMemInfo(base.replace('00000800:', '00000900:'));
    expect(r.issues[0]).toMatchObject({ line: 7, message: expect.stringContaining('should be 00000800') });
  });

  it('an absurd free-run count is refused quickly, without building the map', () => {
    const t = base.replace('(18 lines all free)', '(99999999999999 lines all free)');
    const t0 = Date.now();
    const r = parseMemInfo(t);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(r.issues.some((i) => i.line === 11 && /more than \d+ blocks/.test(i.message))).toBe(true);
  });

  it('byte offsets count UTF-8 bytes of what came before', () => {
    const t = 'héllo ✓\n' + base.replace('used: 3424', 'used: 1');
    const r = parseMemInfo(t);
    const e = r.issues.find((i) => i.severity === 'error')!;
    expect(e.line).toBe(3);
    expect(e.offset).toBe(Buffer.byteLength('héllo ✓\n') + lines[0]!.length + 2);
    expect(r.before).toEqual(['héllo ✓']);
  });

  it('mem_info() without the table gives totals only', () => {
    const r = parseMemInfo('stack: 528 out of 64512\nGC: total: 25152, used: 3424, free: 21728\n No. of 1-blocks: 49, 2-blocks: 7, max blk sz: 32, max free sz: 1226\n');
    expect(r.gc!.used).toBe(3424);
    expect(r.areas).toEqual([]);
    expect(r.complete).toBe(false);
    expect(r.issues).toEqual([]);
  });

  it('text without mem_info is not found; strict parsing throws a located ParseError', () => {
    expect(parseMemInfo('hello\nworld').found).toBe(false);
    expect(() => parseMemInfoStrict('hello\nworld')).toThrow(ParseError);
    try {
      parseMemInfoStrict(base.replace('used: 3424', 'used: 1'));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ParseError);
      expect((e as ParseError).line).toBe(2);
      expect((e as ParseError).offset).toBe(lines[0]!.length + 2);
    }
  });
});
