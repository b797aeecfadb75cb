// Parser for `micropython.mem_info(1)` text, every version (see py/modmicropython.c
// mp_micropython_mem_info and py/gc.c gc_dump_info / gc_dump_alloc_table):
//
//   [mem: total=…, current=…, peak=…]          MICROPY_MEM_STATS builds only
//   stack: N[ out of M]                         limit with MICROPY_STACK_CHECK
//   GC: total: …, used: …, free: …[, max new split: …]    split-heap-auto (v1.21+)
//    No. of 1-blocks: …, 2-blocks: …, max blk sz: …, max free sz: …
//   GC memory layout; from ADDR:                one per heap area (several from v1.20)
//   OFFSET: <up to 64 block letters>            %05x masked to 20 bits ≤ v1.19, %08x from v1.20
//          (N lines all free)                   runs of ≥ 128 free blocks at a line boundary
//
// Pure: no Node APIs. Never throws on bad text: everything it cannot read is reported in
// `issues` with its line and byte offset (parseMemInfoStrict turns the first error into a
// ParseError for callers that want that).

import { mapStats } from './stats.js';
import { BLOCK_LETTERS, type DumpArea, type DumpIssue, type GcTotals, type ParsedMemInfo } from './types.js';

/** A typed error with the line and byte offset it is about. */
export class ParseError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'ParseError';
  }
}

/** gc_dump_alloc_table prints 64 blocks a line (DUMP_BYTES_PER_LINE, which counts blocks). */
export const BLOCKS_PER_LINE = 64;
/** No real heap has more blocks than this (a 2 GiB pool at 32 bytes a block); a guard against absurd input. */
export const MAX_BLOCKS = 1 << 26;

const RE_MEM = /^mem: total=(\d+), current=(\d+), peak=(\d+)$/;
const RE_STACK = /^stack: (\d+)(?: out of (\d+))?$/;
const RE_GC = /^GC: total: (\d+), used: (\d+), free: (\d+)(?:, max new split: (\d+))?$/;
const RE_GC2 = /^ No\. of 1-blocks: (\d+), 2-blocks: (\d+), max blk sz: (\d+), max free sz: (\d+)$/;
const RE_AREA = /^GC memory layout; from ([0-9a-fA-F]{1,16}):$/;
const RE_BLOCKS = /^([0-9a-fA-F]{5}|[0-9a-fA-F]{8}): (.*)$/;
const RE_FREE = /^ {7}\((\d+) lines all free\)$/;

type Entry =
  | { kind: 'blocks'; header: number; digits: 5 | 8; data: string; line: number; offset: number }
  | { kind: 'free'; lines: number; line: number; offset: number };

interface RawArea {
  startText: string;
  line: number;
  offset: number;
  entries: Entry[];
}

export interface ParseOptions {
  /**
   * The block size, if the caller knows it (from a board config). Otherwise it is read
   * from the step between line offsets, or total ÷ blocks.
   */
  blockSize?: number;
}

/** Byte length of a string in UTF-8, without TextEncoder allocations per line. */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/** Bytes are read as Latin-1 so that byte offsets and character offsets agree. */
function toText(input: string | Uint8Array): { text: string; bytes: boolean } {
  if (typeof input === 'string') return { text: input, bytes: false };
  let s = '';
  const CHUNK = 8192;
  for (let i = 0; i < input.length; i += CHUNK) {
    s += String.fromCharCode(...input.subarray(i, Math.min(input.length, i + CHUNK)));
  }
  return { text: s, bytes: true };
}

function num(s: string): number {
  return Number(s);
}

function isPow2(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

/** Parses mem_info / mem_info(1) text (a string, or raw bytes as received). Never throws. */
export function parseMemInfo(input: string | Uint8Array, opts: ParseOptions = {}): ParsedMemInfo {
  const { text, bytes } = toText(input);
  const issues: DumpIssue[] = [];
  const out: ParsedMemInfo = { areas: [], before: [], after: [], issues, found: false, complete: false };
  const issue = (severity: DumpIssue['severity'], line: number, offset: number, message: string): void => {
    // A pathological input could report an issue per line; keep the report readable.
    if (issues.length < 1000) issues.push({ severity, line, offset, message });
    else if (issues.length === 1000) issues.push({ severity: 'error', line, offset, message: 'too many problems; stopped listing them' });
  };

  const raw: RawArea[] = [];
  let cur: RawArea | null = null;
  /** Lines after the last mem_info line seen so far: user output, unless more mem_info follows. */
  let pending: { text: string; line: number; offset: number }[] = [];
  // Held in an object: the line matcher below assigns these from a closure.
  const st: { gcPart: Partial<GcTotals> | null; gcLine: number; gcOffset: number; gc2Seen: boolean } = {
    gcPart: null,
    gcLine: 0,
    gcOffset: 0,
    gc2Seen: false,
  };

  let lineNo = 0;
  let pos = 0;
  let byteOffset = 0;
  while (pos <= text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    const rawLine = text.slice(pos, nl);
    const lineStart = byteOffset;
    byteOffset += (bytes ? rawLine.length : utf8Length(rawLine)) + 1;
    pos = nl + 1;
    lineNo++;
    if (nl === text.length && rawLine === '' && lineNo > 1) break; // text ended with a newline
    // Bare-metal ports cook \n into \r\n; unix prints \n. Copy-pasted text may carry trailing blanks.
    let line = rawLine.replace(/[\r \t]+$/, '');
    // Over the raw REPL the reply starts with `OK` and no newline (`OKstack: …`).
    if (!out.found && line.startsWith('OK') && /^OK(?:mem|stack|GC):? /.test(line)) line = line.slice(2);

    const recognised = ((): boolean => {
      let m: RegExpExecArray | null;
      if ((m = RE_MEM.exec(line))) {
        if (out.mem) issue('warning', lineNo, lineStart, 'a second mem: line; keeping the first');
        else out.mem = { total: num(m[1]!), current: num(m[2]!), peak: num(m[3]!) };
        return true;
      }
      if ((m = RE_STACK.exec(line))) {
        if (out.stack) issue('warning', lineNo, lineStart, 'a second stack: line; keeping the first');
        else out.stack = m[2] === undefined ? { used: num(m[1]!) } : { used: num(m[1]!), limit: num(m[2]) };
        return true;
      }
      if ((m = RE_GC.exec(line))) {
        if (st.gcPart) issue('warning', lineNo, lineStart, 'a second GC: line; keeping the first');
        else {
          st.gcPart = { total: num(m[1]!), used: num(m[2]!), free: num(m[3]!) };
          if (m[4] !== undefined) st.gcPart.maxNewSplit = num(m[4]);
          st.gcLine = lineNo;
          st.gcOffset = lineStart;
        }
        return true;
      }
      if ((m = RE_GC2.exec(line))) {
        if (st.gc2Seen) issue('warning', lineNo, lineStart, 'a second "No. of 1-blocks" line; keeping the first');
        else {
          st.gc2Seen = true;
          if (!st.gcPart) {
            issue('error', lineNo, lineStart, '"No. of 1-blocks" line without the GC: line before it');
            st.gcPart = {};
            st.gcLine = lineNo;
            st.gcOffset = lineStart;
          } else if (st.gcLine !== lineNo - 1) {
            issue('warning', lineNo, lineStart, `"No. of 1-blocks" line is not right after the GC: line (line ${st.gcLine})`);
          }
          st.gcPart.num1block = num(m[1]!);
          st.gcPart.num2block = num(m[2]!);
          st.gcPart.maxBlock = num(m[3]!);
          st.gcPart.maxFree = num(m[4]!);
        }
        return true;
      }
      if ((m = RE_AREA.exec(line))) {
        cur = { startText: m[1]!.toLowerCase(), line: lineNo, offset: lineStart, entries: [] };
        raw.push(cur);
        return true;
      }
      if ((m = RE_FREE.exec(line))) {
        if (!cur) {
          issue('error', lineNo, lineStart, '"lines all free" before any "GC memory layout; from" line');
          return true;
        }
        const n = num(m[1]!);
        if (n < 2) issue('warning', lineNo, lineStart, `(${n} lines all free): gc.c abbreviates only runs of 2 or more lines`);
        cur.entries.push({ kind: 'free', lines: n, line: lineNo, offset: lineStart });
        return true;
      }
      if ((m = RE_BLOCKS.exec(line))) {
        // Only inside an area; a hex-looking line elsewhere is someone's output.
        if (!cur) return false;
        cur.entries.push({
          kind: 'blocks',
          header: parseInt(m[1]!, 16),
          digits: m[1]!.length === 5 ? 5 : 8,
          data: m[2]!,
          line: lineNo,
          offset: lineStart,
        });
        return true;
      }
      return false;
    })();

    if (recognised) {
      if (!out.found) out.found = true;
      // Lines between two mem_info lines: something printed in the middle (another thread, an IRQ).
      for (const p of pending) issue('warning', p.line, p.offset, `not part of mem_info output: ${preview(p.text)}`);
      pending = [];
    } else if (!out.found) {
      out.before.push(rawLine.replace(/\r$/, ''));
    } else {
      pending.push({ text: rawLine.replace(/\r$/, ''), line: lineNo, offset: lineStart });
    }
  }
  out.after = pending.map((p) => p.text);
  // Lines between the last area's lines and user output after it cannot be told apart; an
  // interleaved line inside an area was already reported above.

  if (st.gcPart) {
    const g = st.gcPart;
    if (!st.gc2Seen) issue('error', st.gcLine, st.gcOffset, 'GC: line without the " No. of 1-blocks" line after it');
    // `gc` needs both lines; with only one, its numbers are left out (and the issue says why).
    if (g.total !== undefined && st.gc2Seen) out.gc = g as GcTotals;
  }

  // ---- block size: from the step between line offsets, else total ÷ blocks.
  const digits = new Set<number>();
  for (const a of raw) for (const e of a.entries) if (e.kind === 'blocks') digits.add(e.digits);
  if (digits.size === 1) out.offsetDigits = digits.has(5) ? 5 : 8;
  else if (digits.size > 1) {
    const first = raw.flatMap((a) => a.entries).find((e) => e.kind === 'blocks' && e.digits === 5);
    issue('warning', first?.line ?? 0, first?.offset ?? 0, 'mixed 5- and 8-digit line offsets (one dump prints only one kind)');
  }
  const fromSteps = stepBlockSize(raw);
  let blockSize = opts.blockSize;
  if (blockSize === undefined && fromSteps !== undefined) blockSize = fromSteps;
  if (blockSize === undefined && out.gc) {
    const blocks = raw.reduce((n, a) => n + countBlocks(a), 0);
    if (blocks > 0 && out.gc.total % blocks === 0 && isPow2(out.gc.total / blocks)) blockSize = out.gc.total / blocks;
  }
  if (blockSize !== undefined) out.blockSize = blockSize;
  if (opts.blockSize !== undefined && fromSteps !== undefined && fromSteps !== opts.blockSize) {
    issue('warning', raw[0]?.line ?? 0, raw[0]?.offset ?? 0, `the line offsets step by ${fromSteps}-byte blocks, not the ${opts.blockSize} given`);
  }

  // ---- rebuild each area's block map.
  let totalBlocks = 0;
  for (const a of raw) {
    const area = rebuildArea(a, blockSize, issue, MAX_BLOCKS - totalBlocks);
    totalBlocks += area.blocks;
    out.areas.push(area);
  }

  // ---- check the map against the totals printed with it (gc_info and the table come from
  // the same heap state: mem_info allocates nothing between them).
  const s = mapStats(out.areas);
  out.complete = out.gc !== undefined && s.unknownBlocks === 0 && out.areas.length > 0;
  if (out.gc && out.areas.length > 0 && blockSize === undefined) {
    // No offset step to read and total ÷ blocks is no block size: the table is cut short.
    issue('error', st.gcLine, st.gcOffset, `the GC line says total ${out.gc.total} but the table's ${s.blocks} blocks give no power-of-two block size (the table is incomplete?)`);
    out.complete = false;
  }
  if (out.gc && out.areas.length > 0 && s.unknownBlocks === 0 && blockSize !== undefined) {
    const g = out.gc;
    const checks: [string, number, number][] = [
      ['total', g.total, s.blocks * blockSize],
      ['used', g.used, s.usedBlocks * blockSize],
      ['free', g.free, s.freeBlocks * blockSize],
      ['1-blocks', g.num1block, s.num1block],
      ['2-blocks', g.num2block, s.num2block],
      ['max blk sz', g.maxBlock, s.maxBlock],
      ['max free sz', g.maxFree, s.maxFree],
    ];
    for (const [name, printed, counted] of checks) {
      // %u prints 32 bits; compare modulo 2^32 so a >4 GiB 64-bit heap does not trip this.
      if (printed !== counted % 4294967296) {
        issue('error', st.gcLine, st.gcOffset, `the GC line says ${name} ${printed} but the block map gives ${counted}`);
        // A table that covers fewer blocks than the total is not the whole heap.
        if (name === 'total') out.complete = false;
      }
    }
  }
  if (out.found && !out.stack) issue('warning', 1, 0, 'no "stack:" line (mem_info always prints one)');
  return out;
}

function preview(s: string): string {
  const t = s.length > 60 ? s.slice(0, 57) + '...' : s;
  return JSON.stringify(t);
}

function countBlocks(a: RawArea): number {
  let n = 0;
  for (const e of a.entries) n += e.kind === 'blocks' ? e.data.length : e.lines * BLOCKS_PER_LINE;
  return n;
}

/**
 * The block size from consecutive line offsets within an area: offset step ÷ blocks in
 * between (mod 2^20 for 5-digit offsets). The most common power-of-two answer wins.
 */
function stepBlockSize(raw: RawArea[]): number | undefined {
  const votes = new Map<number, number>();
  for (const a of raw) {
    let cursor = 0;
    let prev: { header: number; cursor: number; digits: number } | null = null;
    for (const e of a.entries) {
      if (e.kind === 'free') {
        cursor += e.lines * BLOCKS_PER_LINE;
        continue;
      }
      if (prev && prev.digits === e.digits) {
        const db = cursor - prev.cursor;
        let dh = e.header - prev.header;
        if (e.digits === 5) dh = ((dh % 0x100000) + 0x100000) % 0x100000;
        if (db > 0 && dh > 0 && dh % db === 0) {
          const bs = dh / db;
          if (isPow2(bs) && bs >= 4 && bs <= 1024) votes.set(bs, (votes.get(bs) ?? 0) + 1);
        }
      }
      prev = { header: e.header, cursor, digits: e.digits };
      cursor += e.data.length;
      if (votes.size === 1 && [...votes.values()][0]! >= 8) return [...votes.keys()][0];
    }
  }
  let best: number | undefined;
  let bestN = 0;
  for (const [bs, n] of votes) if (n > bestN) [best, bestN] = [bs, n];
  return best;
}

function rebuildArea(
  a: RawArea,
  blockSize: number | undefined,
  issue: (s: DumpIssue['severity'], line: number, offset: number, m: string) => void,
  budget: number,
): DumpArea {
  const parts: string[] = [];
  let cursor = 0;
  let overBudget = false;
  const add = (s: string | { run: string; n: number }, line: number, offset: number): void => {
    if (overBudget) return;
    const n = typeof s === 'string' ? s.length : s.n;
    if (cursor + n > budget) {
      issue('error', line, offset, `more than ${MAX_BLOCKS} blocks in the dump; the rest is ignored`);
      overBudget = true;
      return;
    }
    parts.push(typeof s === 'string' ? s : s.run.repeat(s.n));
    cursor += n;
  };
  const start = parseInt(a.startText, 16);
  if (!Number.isSafeInteger(start)) {
    issue('warning', a.line, a.offset, `area address ${a.startText} is beyond what a double holds exactly; block addresses are approximate`);
  }
  let prevFree = false;
  for (let i = 0; i < a.entries.length && !overBudget; i++) {
    const e = a.entries[i]!;
    const last = i === a.entries.length - 1;
    if (e.kind === 'free') {
      if (cursor % BLOCKS_PER_LINE !== 0) {
        issue('error', e.line, e.offset, '"lines all free" after a short line (gc.c abbreviates only at a line boundary)');
      }
      add({ run: '.', n: e.lines * BLOCKS_PER_LINE }, e.line, e.offset);
      prevFree = true;
      continue;
    }
    // Offsets count bytes from this area's pool start: cursor × block size (mod 1 MiB for %05x).
    if (blockSize !== undefined) {
      const expected = e.digits === 5 ? (cursor * blockSize) % 0x100000 : cursor * blockSize;
      if (e.header !== expected) {
        const gap = e.header - expected;
        const lineBytes = BLOCKS_PER_LINE * blockSize;
        if (e.digits === 8 && gap > 0 && gap % lineBytes === 0 && cursor % BLOCKS_PER_LINE === 0) {
          const missing = gap / blockSize;
          issue('error', e.line, e.offset, `offset ${hexPad(e.header, 8)} skips ${missing / BLOCKS_PER_LINE} line(s) of the table (lost output?); those blocks are marked unknown (?)`);
          add({ run: '?', n: missing }, e.line, e.offset);
        } else {
          issue('error', e.line, e.offset, `offset ${hexPad(e.header, e.digits)} should be ${hexPad(expected, e.digits)} (block ${cursor} of this area)`);
        }
      }
    }
    if (prevFree && e.data.length > 0 && e.data[0] !== '.') {
      // After an abbreviated run gc.c restarts at the run's end rounded down, which is
      // still free; a non-free first block means the count was wrong.
      issue('warning', e.line, e.offset, 'the line after "lines all free" should start with a free block');
    }
    prevFree = false;
    if (e.data.length === 0) issue('error', e.line, e.offset, 'a table line with no blocks');
    if (e.data.length > BLOCKS_PER_LINE) {
      issue('error', e.line, e.offset, `${e.data.length} blocks on one line (gc.c prints ${BLOCKS_PER_LINE}); lines may have run together`);
    } else if (!last && e.data.length < BLOCKS_PER_LINE) {
      issue('error', e.line, e.offset, `only ${e.data.length} blocks on a line that is not the area's last (lost output?)`);
    }
    let data = e.data;
    for (let k = 0; k < data.length; k++) {
      const c = data[k]!;
      if (!BLOCK_LETTERS.includes(c)) {
        // Unknown letter: count it as an allocated head (protocol notes §5) and say where.
        issue('error', e.line, e.offset, `unexpected character ${JSON.stringify(c)} at column ${e.digits + 3 + k} in the block table; counted as a head (h)`);
        data = data.replace(/[^.=mhTLDSAFBM]/g, 'h');
        break;
      }
    }
    add(data, e.line, e.offset);
  }
  if (a.entries.length === 0) issue('error', a.line, a.offset, 'a "GC memory layout" section with no blocks');
  const map = parts.join('');
  if (map.length % 4 !== 0 && !overBudget) {
    issue('warning', a.line, a.offset, `the area has ${map.length} blocks; gc.c areas have a multiple of 4 (cut short?)`);
  }
  return { start: Number.isFinite(start) ? start : 0, startText: a.startText, blocks: map.length, map, line: a.line };
}

function hexPad(n: number, digits: number): string {
  return n.toString(16).padStart(digits, '0');
}

/** As parseMemInfo, but the first error (or text without mem_info) throws a ParseError. */
export function parseMemInfoStrict(input: string | Uint8Array, opts: ParseOptions = {}): ParsedMemInfo {
  const r = parseMemInfo(input, opts);
  const err = r.issues.find((i) => i.severity === 'error');
  if (err) throw new ParseError(err.message, err.line, err.offset);
  if (!r.found) throw new ParseError('no micropython.mem_info() output found', 1, 0);
  return r;
}
