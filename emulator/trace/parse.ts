// gctrace parser (see test/conformance/FORMAT.md). Pure: takes text, yields operations,
// or throws a TraceError that names the line, column and byte offset of the fault.
//
// TraceReader parses the header eagerly and the operations one at a time, so a run
// of a multi-megabyte trace never holds an array of every operation (peak memory stays
// near the trace text plus the emulated heap). parseTrace() collects them all, for tests.

import { type GcConfig, GC_VERSIONS, type GcVersion, isPowerOfTwo } from '../config.js';
import { type TypeName, TYPE_NAMES, isTypeName } from '../types.js';
import { heapRangeProblem } from './heap-range.js';

export class TraceError extends Error {
  /** Set when the trace was valid but the emulated firmware would crash here. */
  crash = false;
  /** What the run printed before the fault. */
  partialOutput = '';

  constructor(
    message: string,
    readonly line: number,
    /** 1-based column, or 0 when the whole line is meant. */
    readonly column: number,
    /** Byte offset of the fault in the file, or -1 when the whole line is meant. */
    readonly offset: number,
  ) {
    super(message);
    this.name = 'TraceError';
  }
}

export type Value = number | bigint;

/** Operations, with NAMEs resolved to handle indexes (-1: the literal 0, NULL). */
export type TraceOp =
  | { op: 'alloc'; h: number; size: number; fin: boolean; line: number }
  | { op: 'free'; h: number; line: number }
  | { op: 'realloc'; h: number; size: number; move: boolean; line: number }
  | { op: 'setp'; h: number; index: number; target: number; off: number; line: number }
  | { op: 'setw'; h: number; index: number; value: Value; line: number }
  | { op: 'type'; h: number; type: TypeName; line: number }
  | { op: 'root' | 'stack'; slot: number; h: number; line: number }
  | { op: 'rootw' | 'stackw'; slot: number; value: Value; line: number }
  | { op: 'collect' | 'lock' | 'unlock' | 'info' | 'dump' | 'stats'; line: number }
  | { op: 'threshold'; blocks: number | null; line: number }
  | { op: 'auto'; on: boolean; line: number }
  | { op: 'nbytes' | 'weak'; h: number; line: number }
  | { op: 'heap'; start: number; end: number; line: number }
  | RecordedOp;

/**
 * Format 2 (`gctrace 2`): what a recording of real firmware needs (FORMAT.md, "Recorded
 * traces"). `xroot K NAME|0` is extra root slot K (any number of them: a device's roots and
 * stack hold more pointers than the 32 + 32 slots); `snapshot` ends a recorded pointer state.
 */
export type RecordedOp = { op: 'xroot'; slot: number; h: number; line: number } | { op: 'snapshot'; line: number };

/**
 * The one operation object TraceReader.next() refills on every call: a long trace has
 * millions of lines, and an object per line was most of what a replay allocated (garbage
 * that made V8 grow its young generation by megabytes). It has the fields of every TraceOp
 * variant; those of its current `op` are set, the others hold whatever earlier lines left.
 */
class OpSlot {
  op: TraceOp['op'] = 'collect';
  line = 0;
  h = 0;
  size = 0;
  fin = false;
  move = false;
  index = 0;
  target = 0;
  off = 0;
  value: Value = 0;
  type: TypeName = TYPE_NAMES[0]!;
  slot = 0;
  blocks: number | null = null;
  on = false;
  start = 0;
  end = 0;
}

/** The slot's current operation as a TraceOp of its own (parseTrace keeps them all). */
function copyOp(o: OpSlot): TraceOp {
  const line = o.line;
  switch (o.op) {
    case 'alloc':
      return { op: o.op, h: o.h, size: o.size, fin: o.fin, line };
    case 'free':
      return { op: o.op, h: o.h, line };
    case 'realloc':
      return { op: o.op, h: o.h, size: o.size, move: o.move, line };
    case 'setp':
      return { op: o.op, h: o.h, index: o.index, target: o.target, off: o.off, line };
    case 'setw':
      return { op: o.op, h: o.h, index: o.index, value: o.value, line };
    case 'type':
      return { op: o.op, h: o.h, type: o.type, line };
    case 'root':
    case 'stack':
    case 'xroot':
      return { op: o.op, slot: o.slot, h: o.h, line };
    case 'rootw':
    case 'stackw':
      return { op: o.op, slot: o.slot, value: o.value, line };
    case 'threshold':
      return { op: o.op, blocks: o.blocks, line };
    case 'auto':
      return { op: o.op, on: o.on, line };
    case 'nbytes':
    case 'weak':
      return { op: o.op, h: o.h, line };
    case 'heap':
      return { op: o.op, start: o.start, end: o.end, line };
    default:
      return { op: o.op, line };
  }
}

/** Extra root slots a format-2 trace may use (xroot 0 .. XROOT_SLOTS-1). */
export const XROOT_SLOTS = 65536;

export interface HeapLine {
  start: number;
  end: number;
  line: number;
}

export interface TraceHeader {
  config: GcConfig;
  /** [start, end) of each `heap` line before the first operation: gc_init, then gc_add. */
  heaps: HeapLine[];
  /** `heap` lines among the operations (gc_add at that point), found by a pre-scan. */
  laterHeaps: HeapLine[];
  /** Header keys the trace set explicitly (a board config supplies the rest). */
  explicit: Set<string>;
  /** The name of handle index h. */
  nameOf(h: number): string;
  /** `gctrace N` (1 when absent). */
  formatVersion?: number;
  /** The `source` line's text (who recorded the trace, from what), or undefined. */
  sourceLine?: string;
}

export interface Trace extends TraceHeader {
  ops: TraceOp[];
  /** Handle names by index. */
  names: string[];
}

export const ROOT_SLOTS = 32;
export const STACK_SLOTS = 32;

/** A sequential byte source (a file read in chunks); read() returns 0 at the end. */
export interface TraceSource {
  read(buf: Uint8Array, offset: number, length: number): number;
}

/**
 * Trace text: a string, its bytes, or a factory of sources (called twice: once to find
 * `heap` lines among the operations, once to read). A factory lets a CLI stream a large
 * file in chunks instead of holding it whole.
 */
export type TraceInput = string | Uint8Array | (() => TraceSource);

function bytesSource(bytes: Uint8Array): () => TraceSource {
  return () => {
    let pos = 0;
    return {
      read(buf, offset, length) {
        const n = Math.min(length, bytes.length - pos);
        buf.set(bytes.subarray(pos, pos + n), offset);
        pos += n;
        return n;
      },
    };
  };
}

const utf8 = new TextDecoder('utf-8');

export interface ParseOptions {
  /** Header defaults (e.g. from a board config); FORMAT.md's defaults otherwise. */
  defaults?: Partial<GcConfig>;
}

const HEADER_KEYS = new Set(['gc', 'word', 'block', 'finaliser', 'split', 'weakref', 'gcstack', 'clear', 'heap', 'gctrace', 'source']);
const OP_KEYS = ['alloc', 'free', 'realloc', 'setp', 'setw', 'type', 'root', 'rootw', 'stack', 'stackw', 'collect', 'lock',
  'unlock', 'threshold', 'auto', 'info', 'dump', 'nbytes', 'stats', 'weak', 'xroot', 'snapshot'];
// Keywords by (first byte, length) in a flat table (an array read, not a Map lookup, on
// every line): the first token of a line is matched against these bytes directly, without
// decoding it to a string.
const KW_MAX_LEN = 15;
const KEYWORDS: Array<string[] | undefined> = new Array(256 * (KW_MAX_LEN + 1)).fill(undefined);
for (const k of [...HEADER_KEYS, ...OP_KEYS]) {
  const id = k.charCodeAt(0) | (k.length << 8);
  KEYWORDS[id] = [...(KEYWORDS[id] ?? []), k];
}
// Header keywords other than `heap` (which may also come after the first operation).
const HEADER_ONLY = new Set([...HEADER_KEYS].filter((k) => k !== 'heap'));
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

const C_SPACE = 32;
const C_TAB = 9;
const C_CR = 13;
const C_HASH = 35;
const C_NL = 10;

function isNameStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

const NAME_CHUNK_BITS = 12;
const NAME_CHUNK = 1 << NAME_CHUNK_BITS;
/** Numbers of PREFIX + number names have at most 7 digits: below 2^24. */
const NUM_MASK = 0xffffff;
const MAX_PREFIXES = 128;

/** A prefix's index (in nameInfo) and its ids by number, id + 1, in chunks made as needed. */
interface NumTable {
  index: number;
  chunks: Array<Int32Array | undefined>;
}

/** Where copyName writes a name (the runner's output buffer). */
export interface NameSink {
  byte(c: number): void;
  bytes(src: Uint8Array, start: number, end: number): void;
  dec(v: number): void;
}

export class TraceReader implements TraceHeader {
  readonly config: GcConfig;
  readonly heaps: HeapLine[] = [];
  readonly laterHeaps: HeapLine[] = [];
  /** Bytes of the heap lines read so far (their total is capped: heap-range.ts). */
  private heapBytesRead = 0;
  readonly explicit = new Set<string>();
  formatVersion = 1;
  sourceLine: string | undefined = undefined;

  private readonly open: () => TraceSource;
  private readonly source: TraceSource;
  // The read window: buf[0, bufLen) holds file bytes from absolute offset bufStart.
  private buf = new Uint8Array(1 << 16);
  private bufLen = 0;
  private bufStart = 0;
  private eof = false;
  // Handle names. Most traces name handles PREFIX + decimal number (o17, n3): their ids
  // come straight from a table per prefix indexed by the number, dense and cache-friendly,
  // and such a name is kept as its prefix's index and its number (the text is made again
  // for the output). Other names are interned as bytes in an arena, found through an
  // open-addressing table. A trace can name hundreds of thousands of handles: strings in a
  // Map would cost more memory than the emulated heap. Tables that grow with the names are
  // chunks (NAME_CHUNK entries) that are added, never copied: an outgrown copy would stay
  // garbage for the whole replay (a full collection rarely comes).
  //
  // Per id: (prefix index << 24) | number for a PREFIX + number name, ~k for the k-th
  // interned one.
  private readonly nameInfo: Int32Array[] = [];
  private nNames = 0;
  // Per prefix (its 1-3 bytes packed little-endian): id + 1 by number (0: not seen yet).
  private readonly numTables = new Map<number, NumTable>();
  private readonly prefixes: number[] = [];
  private lastPrefix = -1;
  private lastTable: NumTable | null = null;
  private arena = new Uint8Array(1 << 12);
  private arenaLen = 0;
  private internStart = new Int32Array(256);
  private internLen = new Int32Array(256);
  private nHashed = 0;
  // Each slot is 4 int32s: [hash, id << 4 | len (or -1: empty), bytes 0-3, bytes 4-7]. A
  // name of up to 8 bytes is compared inside the slot itself, so a lookup usually touches
  // one cache line (it runs for every handle of every line, next to a megabytes-large heap).
  private slots = new Int32Array(4 * 256).fill(-1);
  private pos = 0;
  private lineNo = 0;
  // The current line's tokens: [start, end) indexes into buf.
  private readonly ts = new Int32Array(16);
  private readonly te = new Int32Array(16);
  private nt = 0;
  private lineStart = 0;
  private readonly cur = new OpSlot();
  /** The first operation was parsed with the header: next() hands it out first. */
  private pending = false;
  private bigValue: bigint | null = null;

  constructor(input: TraceInput, opts: ParseOptions = {}, scanOnly = false) {
    this.open =
      typeof input === 'string' ? bytesSource(new TextEncoder().encode(input)) : input instanceof Uint8Array ? bytesSource(input) : input;
    this.source = this.open();
    this.config = {
      version: 'v1.27',
      wordSize: 4,
      blockSize: 16,
      finaliser: true,
      split: false,
      splitAuto: false,
      weakref: false,
      gcStack: 64,
      conservativeClear: false,
      ...opts.defaults,
    };
    if (scanOnly) return;
    // Header: every line up to the first operation.
    while (this.readLine()) {
      const key = this.keyword();
      if (!HEADER_KEYS.has(key)) {
        if (!OP_KEYS.includes(key)) this.fail(`unknown operation '${key}'`, 0);
        this.checkHeader();
        this.parseOp(key);
        this.pending = true;
        break;
      }
      this.parseHeaderLine(key);
    }
    if (!this.pending) this.checkHeader();
    this.prescanLaterHeaps();
  }

  /**
   * The next operation, or null at the end of the trace. The same object every time
   * (see OpSlot): valid until the next call.
   */
  next(): TraceOp | null {
    if (this.pending) {
      this.pending = false;
      return this.cur as unknown as TraceOp;
    }
    while (this.readLine()) {
      // A header line here is refused by parseOp (its switch has no case for one).
      this.parseOp(this.keyword());
      return this.cur as unknown as TraceOp;
    }
    return null;
  }

  // ------------------------------------------------------------------ lines and tokens

  /** Keeps the unread part of the window (from pos), moved to its start, and reads more after it. */
  private refill(): void {
    if (this.pos > 0) {
      this.buf.copyWithin(0, this.pos, this.bufLen);
      this.bufStart += this.pos;
      this.bufLen -= this.pos;
      this.pos = 0;
    }
    if (this.bufLen === this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    const n = this.source.read(this.buf, this.bufLen, this.buf.length - this.bufLen);
    if (n === 0) this.eof = true;
    this.bufLen += n;
  }

  /**
   * Advances to the next non-empty line (comment stripped) and tokenizes it, in one pass
   * over its bytes (the tokens' ends are found on the way to the newline).
   */
  private readLine(): boolean {
    const ts = this.ts;
    const te = this.te;
    for (;;) {
      // (An empty window takes the same refill path as a window ending inside a line: a
      // separate branch for it first runs thousands of lines in, after V8 has optimised the
      // reader, and undoes that optimisation.)
      const buf = this.buf;
      const end = this.bufLen;
      const start = this.pos;
      let i = start;
      let nt = 0;
      let eol = -1;
      while (i < end) {
        let c = buf[i]!;
        if (c === C_NL) {
          eol = i;
          break;
        }
        if (c === C_SPACE || c === C_TAB || c === C_CR) {
          i++;
          continue;
        }
        if (c === C_HASH) {
          // A comment: the rest of the line.
          const j = buf.indexOf(C_NL, i);
          if (j >= 0 && j < end) eol = j;
          else i = end;
          break;
        }
        const s = i;
        while (i < end) {
          c = buf[i]!;
          // Every separator is at most '#' (35): names, numbers and keywords go on at one test.
          if (c <= C_HASH && (c === C_SPACE || c === C_TAB || c === C_CR || c === C_HASH || c === C_NL)) break;
          i++;
        }
        if (nt < 16) {
          ts[nt] = s;
          te[nt] = i;
        }
        nt++;
      }
      if (eol < 0) {
        // The window ends inside this line: read more and tokenize it again (once a window).
        if (!this.eof) {
          this.refill();
          continue;
        }
        // The end of the file: what is left is the last line, or nothing.
        if (start >= end) return false;
        eol = end;
      }
      this.pos = eol + 1;
      this.lineNo++;
      this.lineStart = start;
      if (nt > 0) {
        this.nt = nt;
        return true;
      }
    }
  }

  /** The line's first token as a known keyword (a shared constant string), or its text. */
  private keyword(): string {
    const s = this.ts[0]!;
    const len = this.te[0]! - s;
    const cands = len <= KW_MAX_LEN ? KEYWORDS[this.buf[s]! | (len << 8)] : undefined;
    if (cands) {
      // Indexed loops here and in the runner's per-line paths: until V8 optimizes them, a
      // for-of allocates an iterator (and a result object per step) on every line.
      for (let c = 0; c < cands.length; c++) {
        const k = cands[c]!;
        let i = 1;
        while (i < len && this.buf[s + i] === k.charCodeAt(i)) i++;
        if (i === len) return k;
      }
    }
    return this.tok(0);
  }

  /** Token k as text for messages: control and invalid bytes shown escaped. */
  private tok(k: number): string {
    return utf8
      .decode(this.buf.subarray(this.ts[k]!, this.te[k]!))
      .replace(/[\u0000-\u001f\u007f\ufffd]/g, (c) => (c === '\ufffd' ? '\\x??' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
  }

  private tokIs(k: number, s: string): boolean {
    const a = this.ts[k]!;
    if (this.te[k]! - a !== s.length) return false;
    for (let i = 0; i < s.length; i++) if (this.buf[a + i] !== s.charCodeAt(i)) return false;
    return true;
  }

  private fail(msg: string, k: number): never {
    const kk = Math.min(k, Math.min(this.nt, 16) - 1);
    const at = kk >= 0 ? this.ts[kk]! : this.lineStart;
    // Column in characters, offset in bytes from the start of the file.
    const col = utf8.decode(this.buf.subarray(this.lineStart, at)).length + 1;
    throw new TraceError(msg, this.lineNo, col, this.bufStart + at);
  }

  private arity(min: number, max: number, usage: string): void {
    const args = this.nt - 1;
    if (args < min) this.fail(`'${this.tok(0)}' is missing an argument (usage: ${usage})`, this.nt - 1);
    if (args > max) this.fail(`'${this.tok(0)}' has too many arguments (usage: ${usage})`, max + 1);
  }

  /**
   * Token k as a number (decimal or 0x hex) no larger than max. Values above 2^53 come
   * back as -1 with the exact value in this.bigValue.
   */
  private num(k: number, what: string, max: number | bigint): number {
    const buf = this.buf;
    const s = this.ts[k]!;
    const e = this.te[k]!;
    let v = 0;
    let ok = e > s;
    let big = false;
    if (e - s > 2 && buf[s] === 48 && (buf[s + 1]! | 32) === 120) {
      for (let i = s + 2; i < e && ok; i++) {
        const d = hexDigit(buf[i]!);
        if (d < 0) ok = false;
        else v = v * 16 + d;
      }
    } else {
      for (let i = s; i < e && ok; i++) {
        const c = buf[i]!;
        if (c < 48 || c > 57) ok = false;
        else v = v * 10 + (c - 48);
      }
    }
    if (!ok) this.fail(`${what} '${this.tok(k)}' is not a number (decimal or 0x hex)`, k);
    if (v > MAX_SAFE) big = true;
    if (big) {
      const b = BigInt(this.tok(k));
      if (b > BigInt(max)) this.fail(`${what} ${this.tok(k)} is out of range (0..${max})`, k);
      this.bigValue = b;
      return -1;
    }
    if (v > max) this.fail(`${what} ${this.tok(k)} is out of range (0..${max})`, k);
    return v;
  }

  private flag(k: number, what: string): boolean {
    if (this.tokIs(k, '1')) return true;
    if (this.tokIs(k, '0')) return false;
    return this.fail(`${what} must be 0 or 1, not '${this.tok(k)}'`, k);
  }

  /** Number of distinct handle names seen so far. */
  get handleCount(): number {
    return this.nNames;
  }

  /** Writes the name of handle h, as bytes, to `out` (no string made). */
  copyName(h: number, out: NameSink): void {
    const v = this.info(h);
    if (v >= 0) {
      for (let p = this.prefixes[v >>> 24]!; p !== 0; p >>>= 8) out.byte(p & 255);
      out.dec(v & NUM_MASK);
    } else {
      const at = this.internStart[~v]!;
      out.bytes(this.arena, at, at + this.internLen[~v]!);
    }
  }

  nameOf(h: number): string {
    // Names are ASCII (they are checked when interned): no decoder needed.
    let s = '';
    this.copyName(h, {
      byte: (c) => (s += String.fromCharCode(c)),
      bytes: (src, start, end) => {
        for (let i = start; i < end; i++) s += String.fromCharCode(src[i]!);
      },
      dec: (v) => (s += String(v)),
    });
    return s;
  }

  private info(h: number): number {
    return this.nameInfo[h >>> NAME_CHUNK_BITS]![h & (NAME_CHUNK - 1)]!;
  }

  /** A new handle id, its name kept as `info` (see nameInfo). */
  private newId(info: number): number {
    const id = this.nNames++;
    const k = id >>> NAME_CHUNK_BITS;
    if (k === this.nameInfo.length) this.nameInfo.push(new Int32Array(NAME_CHUNK));
    this.nameInfo[k]![id & (NAME_CHUNK - 1)] = info;
    return id;
  }

  private handle(k: number): number {
    const buf = this.buf;
    const s = this.ts[k]!;
    const len = this.te[k]! - s;
    // PREFIX (1-3 letters or _) then digits without a leading zero. Most lines name a handle
    // of the prefix the last one had (o17 after o12): a one-letter prefix equal to it, then a
    // digit, is taken as it is, without the letter loop.
    let p = 0;
    let prefix = 0;
    const c1 = len > 1 ? buf[s + 1]! : 0;
    if (this.lastPrefix < 256 && buf[s] === this.lastPrefix && c1 >= 48 && c1 <= 57) {
      p = 1;
      prefix = this.lastPrefix;
    } else {
      while (p < len && p < 4 && isNameStart(buf[s + p]!)) {
        prefix |= buf[s + p]! << (8 * p);
        p++;
      }
    }
    if (p > 0 && p < 4 && p < len && buf[s + p] !== 48 && len - p <= 7) {
      let num = 0;
      let q = p;
      for (; q < len; q++) {
        const c = buf[s + q]!;
        if (c < 48 || c > 57) break;
        num = num * 10 + (c - 48);
      }
      let table = this.lastTable;
      if (q === len && prefix !== this.lastPrefix) {
        table = this.numTables.get(prefix) ?? this.newNumTable(prefix);
        this.lastPrefix = prefix;
        this.lastTable = table;
      }
      if (q === len && table !== null) {
        const chunks = table.chunks;
        const c = chunks[num >>> NAME_CHUNK_BITS];
        if (c !== undefined) {
          const id = c[num & (NAME_CHUNK - 1)]!;
          if (id > 0) return id - 1;
        }
        // A name of this form is only ever looked up here, so it needs no hash entry.
        const id = this.newId((table.index << 24) | num);
        if (c !== undefined) c[num & (NAME_CHUNK - 1)] = id + 1;
        else {
          // Filled up to the chunk, so that the array stays a plain one (a far index into
          // an empty array would make it a slow dictionary).
          while (chunks.length <= num >>> NAME_CHUNK_BITS) chunks.push(undefined);
          (chunks[num >>> NAME_CHUNK_BITS] = new Int32Array(NAME_CHUNK))[num & (NAME_CHUNK - 1)] = id + 1;
        }
        return id;
      }
    }
    return this.hashedHandle(k, s, len);
  }

  /**
   * The number table of a prefix seen for the first time, or null past MAX_PREFIXES (the
   * index must fit nameInfo's top 7 bits): that prefix's names are interned instead.
   */
  private newNumTable(prefix: number): NumTable | null {
    if (this.prefixes.length === MAX_PREFIXES) return null;
    const t: NumTable = { index: this.prefixes.length, chunks: [] };
    this.prefixes.push(prefix);
    this.numTables.set(prefix, t);
    return t;
  }

  private hashedHandle(k: number, s: number, len: number): number {
    const buf = this.buf;
    let hash = 0x811c9dc5;
    let w0 = 0;
    let w1 = 0;
    for (let i = 0; i < len; i++) {
      const c = buf[s + i]!;
      hash = Math.imul(hash ^ c, 0x01000193);
      if (i < 4) w0 |= c << (8 * i);
      else if (i < 8) w1 |= c << (8 * (i - 4));
    }
    const slots = this.slots;
    const mask = (slots.length >> 2) - 1;
    const short = len <= 8;
    let slot = hash & mask;
    for (;;) {
      const e = slot << 2;
      const idLen = slots[e + 1]!;
      if (idLen < 0) break;
      if (slots[e] === hash && (idLen & 15) === (short ? len : 15)) {
        if (short) {
          if (slots[e + 2] === w0 && slots[e + 3] === w1) return idLen >> 4;
        } else if (this.sameName(idLen >> 4, s, len)) return idLen >> 4;
      }
      slot = (slot + 1) & mask;
    }
    let okName = isNameStart(buf[s]!);
    for (let i = 1; okName && i < len; i++) okName = isNameChar(buf[s + i]!);
    if (!okName) this.fail(`'${this.tok(k)}' is not a handle name`, k);
    const id = this.newName(s, len);
    const e = slot << 2;
    slots[e] = hash;
    slots[e + 1] = (id << 4) | (short ? len : 15);
    slots[e + 2] = short ? w0 : 0;
    slots[e + 3] = short ? w1 : 0;
    if (++this.nHashed * 2 > mask + 1) this.rehash();
    return id;
  }

  /** A new handle id for the name at buf[s, s+len), its bytes kept in the arena. */
  private newName(s: number, len: number): number {
    const buf = this.buf;
    // Its index among the interned names (hashedHandle counts it in nHashed afterwards).
    const k = this.nHashed;
    if (k === this.internStart.length) {
      this.internStart = grow(this.internStart);
      this.internLen = grow(this.internLen);
    }
    while (this.arenaLen + len > this.arena.length) {
      const bigger = new Uint8Array(this.arena.length * 2);
      bigger.set(this.arena);
      this.arena = bigger;
    }
    const arena = this.arena;
    for (let i = 0; i < len; i++) arena[this.arenaLen + i] = buf[s + i]!;
    this.internStart[k] = this.arenaLen;
    this.internLen[k] = len;
    this.arenaLen += len;
    return this.newId(~k);
  }

  private sameName(id: number, s: number, len: number): boolean {
    const k = ~this.info(id);
    if (this.internLen[k] !== len) return false;
    const at = this.internStart[k]!;
    for (let i = 0; i < len; i++) if (this.arena[at + i] !== this.buf[s + i]) return false;
    return true;
  }

  private rehash(): void {
    const old = this.slots;
    const cap = (old.length >> 2) * 2;
    const slots = new Int32Array(4 * cap).fill(-1);
    const mask = cap - 1;
    for (let e = 0; e < old.length; e += 4) {
      if (old[e + 1]! < 0) continue;
      let slot = old[e]! & mask;
      while (slots[(slot << 2) + 1]! >= 0) slot = (slot + 1) & mask;
      slots.set(old.subarray(e, e + 4), slot << 2);
    }
    this.slots = slots;
  }

  /** NAME or the literal 0 (NULL), as `root K 0` and `setp X I 0` allow. */
  private handleOrNull(k: number): number {
    return this.tokIs(k, '0') ? -1 : this.handle(k);
  }

  private get maxWord(): bigint {
    return (1n << BigInt(8 * this.config.wordSize)) - 1n;
  }

  /** size_t range; on 64-bit, sizes past 2^53 are beyond what the emulator models. */
  private get maxSize(): number {
    return this.config.wordSize === 4 ? 0xffffffff : MAX_SAFE;
  }

  private value(k: number, what: string): Value {
    const v = this.num(k, what, this.maxWord);
    return v < 0 ? this.bigValue! : v;
  }

  private address(k: number, what: string): number {
    return this.num(k, what, MAX_SAFE);
  }

  // ------------------------------------------------------------------ header

  private parseHeaderLine(key: string): void {
    const cfg = this.config;
    if (key === 'gctrace' || key === 'source') return this.parseFormat2Header(key);
    if (key !== 'heap') this.explicit.add(key);
    switch (key) {
      case 'gc': {
        this.arity(1, 1, `gc ${GC_VERSIONS.join('|')}`);
        const v = this.tok(1);
        if (!(GC_VERSIONS as readonly string[]).includes(v)) this.fail(`unknown GC version '${v}' (known: ${GC_VERSIONS.join(', ')})`, 1);
        cfg.version = v as GcVersion;
        break;
      }
      case 'word':
        this.arity(1, 1, 'word 4|8');
        if (this.tokIs(1, '4')) cfg.wordSize = 4;
        else if (this.tokIs(1, '8')) cfg.wordSize = 8;
        else this.fail(`word must be 4 or 8, not '${this.tok(1)}'`, 1);
        if (!this.explicit.has('block')) cfg.blockSize = 4 * cfg.wordSize;
        break;
      case 'block': {
        this.arity(1, 1, 'block N');
        const b = this.num(1, 'block size', 1 << 20);
        if (!isPowerOfTwo(b) || b < 4) this.fail(`block size ${b} is not a power of two of at least 4`, 1);
        cfg.blockSize = b;
        break;
      }
      case 'finaliser':
        this.arity(1, 1, 'finaliser 0|1');
        cfg.finaliser = this.flag(1, 'finaliser');
        break;
      case 'split':
        this.arity(1, 1, 'split 0|1');
        cfg.split = this.flag(1, 'split');
        break;
      case 'weakref':
        this.arity(1, 1, 'weakref 0|1');
        cfg.weakref = this.flag(1, 'weakref');
        break;
      case 'gcstack':
        this.arity(1, 1, 'gcstack N');
        cfg.gcStack = this.num(1, 'gcstack', 1 << 20);
        if (cfg.gcStack < 1) this.fail('gcstack must be at least 1', 1);
        break;
      case 'clear':
        this.arity(1, 1, 'clear 0|1');
        cfg.conservativeClear = this.flag(1, 'clear');
        break;
      case 'heap': {
        const h = this.heapLine();
        if (this.heaps.length > 0 && !cfg.split) this.fail(`a second 'heap' line is gc_add(), which needs 'split 1'`, 0);
        this.heaps.push(h);
        break;
      }
    }
  }

  /** `gctrace N` (the format version) and `source TEXT` (what a recorded trace came from). */
  private parseFormat2Header(key: 'gctrace' | 'source'): void {
    if (key === 'gctrace') {
      this.arity(1, 1, 'gctrace 1|2');
      if (this.explicit.size > 0 || this.sourceLine !== undefined) this.fail(`'gctrace' must come before the other header lines`, 0);
      const v = this.num(1, 'format version', 2);
      if (v < 1) this.fail(`format version must be 1 or 2, not ${v}`, 1);
      this.formatVersion = v;
      return;
    }
    if (this.formatVersion < 2) this.fail(`'source' needs 'gctrace 2' as the first line`, 0);
    this.arity(1, 1 << 30, 'source TEXT');
    const last = Math.min(this.nt, 16) - 1;
    this.sourceLine = utf8.decode(this.buf.subarray(this.ts[1]!, this.te[last]!));
  }

  /** The format-2 operations (see RecordedOp), into the slot. */
  private parseRecordedOp(key: 'xroot' | 'snapshot', o: OpSlot): void {
    if (this.formatVersion < 2) this.fail(`'${key}' needs 'gctrace 2' as the first line`, 0);
    o.op = key;
    if (key === 'snapshot') {
      this.arity(0, 0, 'snapshot');
      return;
    }
    this.arity(2, 2, 'xroot K NAME|0');
    o.slot = this.num(1, 'xroot slot', XROOT_SLOTS - 1);
    o.h = this.handleOrNull(2);
  }

  private heapLine(): HeapLine {
    this.arity(2, 2, 'heap START END');
    const start = this.address(1, 'heap start');
    const end = this.address(2, 'heap end');
    if (end <= start) this.fail(`heap end ${this.tok(2)} is not above its start ${this.tok(1)}`, 2);
    const problem = heapRangeProblem(start, end, this.config.wordSize, this.heapBytesRead);
    if (problem) this.fail(problem, 2);
    this.heapBytesRead += end - start;
    return { start, end, line: this.lineNo };
  }

  private checkHeader(): void {
    const cfg = this.config;
    const fail = (msg: string): never => {
      throw new TraceError(msg, Math.max(this.lineNo, 1), 0, -1);
    };
    if (this.heaps.length === 0) fail(`no 'heap START END' line before the first operation`);
    if ((cfg.version === 'v1.9.2' || cfg.version === 'v1.9.4') && cfg.split) fail(`split heaps need v1.20 or later; ${cfg.version} has none`);
    if (cfg.weakref && cfg.version !== 'v1.28') fail(`'weakref 1' needs 'gc v1.28' (the WTB first appears in v1.28)`);
    if (cfg.weakref && !cfg.finaliser) fail(`'weakref 1' needs 'finaliser 1'`);
    if (cfg.blockSize < cfg.wordSize) fail(`block size ${cfg.blockSize} is smaller than a word (${cfg.wordSize})`);
    // Heap lines were checked as read; a 'word' line after them may have changed the word size.
    for (const h of this.heaps) {
      const problem = heapRangeProblem(h.start, h.end, cfg.wordSize);
      if (problem) throw new TraceError(problem, h.line, 0, -1);
    }
  }

  /**
   * `heap` lines among the operations are gc_add() calls at that point; the memory map
   * must hold them from the start, so find them now (a malformed one is reported when
   * the reader reaches it).
   */
  private prescanLaterHeaps(): void {
    // A second pass over a fresh source, looking only at lines that start with `heap`
    // (cheap byte test; the full tokenizer runs only on those lines). Lines are not counted
    // on the way: only if some are found, a third pass finds their line numbers.
    // Without `split 1` a later `heap` line is refused where it stands (parseOp), before any
    // gc_add, so none is ever in the map: no pass (it reads the whole file once more).
    if (!this.config.split) return;
    const scan = new TraceReader(this.open, { defaults: { ...this.config, split: true } }, true);
    // Byte offset of the first operation's line: `heap` lines after it are gc_add calls.
    const bodyOffset = this.pending ? this.bufStart + this.lineStart : Number.POSITIVE_INFINITY;
    const found: Array<{ start: number; end: number; offset: number }> = [];
    let before = this.heapBytesRead;
    while (scan.skipToHeapLine()) {
      const offset = scan.bufStart + scan.lineStart;
      if (offset <= bodyOffset || !scan.tokIs(0, 'heap') || scan.nt !== 3) continue;
      const start = scan.quietNumber(1);
      const end = scan.quietNumber(2);
      // An out-of-range one is left out of the map; the reader reports it on reaching it.
      if (start >= 0 && end > start && !heapRangeProblem(start, end, this.config.wordSize, before)) {
        found.push({ start, end, offset });
        before += end - start;
      }
    }
    if (found.length === 0) return;
    const lines = new TraceReader(this.open, {}, true).lineNumbersAt(found.map((f) => f.offset));
    found.forEach((f, i) => this.laterHeaps.push({ start: f.start, end: f.end, line: lines[i]! }));
  }

  /** The 1-based line numbers of the lines starting at the given byte offsets (ascending). */
  private lineNumbersAt(offsets: number[]): number[] {
    const out: number[] = [];
    let line = 1;
    while (out.length < offsets.length) {
      if (this.pos >= this.bufLen) {
        if (this.eof) break;
        this.refill();
        continue;
      }
      const end = this.bufLen;
      const j = this.buf.indexOf(C_NL, this.pos);
      if (j >= 0 && j < end && this.bufStart + j < offsets[out.length]!) {
        line++;
        this.pos = j + 1;
      } else if (j >= 0 && j < end) {
        out.push(line);
      } else {
        this.pos = end;
      }
    }
    while (out.length < offsets.length) out.push(line);
    return out;
  }

  /**
   * Advances to the next line whose first non-blank bytes are `heap`, tokenized. Looks for
   * the letter h (rare in traces) rather than walking every line.
   */
  private skipToHeapLine(): boolean {
    for (;;) {
      if (this.pos >= this.bufLen) {
        if (this.eof) return false;
        this.refill();
        continue;
      }
      const buf = this.buf;
      const end = this.bufLen;
      // (Searched within the window only: past it the buffer holds stale bytes.)
      let h = (end === buf.length ? buf : buf.subarray(0, end)).indexOf(104 /* h */, this.pos);
      // Up to the last newline before h (or before the window's end) no line can matter.
      let ls = h;
      if (h >= 0) {
        while (ls > this.pos && (buf[ls - 1] === C_SPACE || buf[ls - 1] === C_TAB)) ls--;
        if (h + 4 <= end && (ls === this.pos || buf[ls - 1] === C_NL)) {
          if (buf[h + 1] === 101 && buf[h + 2] === 97 && buf[h + 3] === 112) {
            this.pos = ls;
            return this.readLine();
          }
        }
        if (h + 4 <= end) {
          // Not a `heap` line: go on after this h.
          const nl = buf.indexOf(C_NL, h);
          if (nl >= 0 && nl < end) {
            this.pos = nl + 1;
            continue;
          }
        }
      } else {
        const nl = buf.lastIndexOf(C_NL, end - 1);
        if (nl >= this.pos) {
          this.pos = nl + 1;
          continue;
        }
      }
      // The window ends inside the line that matters: read more (keeping that line only).
      if (this.eof) {
        this.pos = end;
        continue;
      }
      if (h >= 0) {
        const nl = buf.lastIndexOf(C_NL, h);
        if (nl >= this.pos) this.pos = nl + 1;
      }
      this.refill();
    }
  }

  /** A token as a safe integer, or -1 (no errors: the real parse reports them). */
  private quietNumber(k: number): number {
    try {
      return this.num(k, '', MAX_SAFE);
    } catch {
      return -1;
    }
  }

  // ------------------------------------------------------------------ operations

  /** The current line's operation, into this.cur. */
  private parseOp(key: string): void {
    const o = this.cur;
    o.line = this.lineNo;
    switch (key) {
      case 'alloc': {
        this.arity(2, 3, 'alloc NAME SIZE [fin]');
        o.op = key;
        o.h = this.handle(1);
        o.size = this.num(2, 'size', this.maxSize);
        if (this.nt === 4 && !this.tokIs(3, 'fin')) this.fail(`expected 'fin' or nothing after the size, not '${this.tok(3)}'`, 3);
        o.fin = this.nt === 4;
        return;
      }
      case 'free':
        this.arity(1, 1, 'free NAME');
        o.op = key;
        o.h = this.handle(1);
        return;
      case 'realloc': {
        this.arity(2, 3, 'realloc NAME SIZE [nomove]');
        o.op = key;
        o.h = this.handle(1);
        o.size = this.num(2, 'size', this.maxSize);
        if (this.nt === 4 && !this.tokIs(3, 'nomove')) this.fail(`expected 'nomove' or nothing after the size, not '${this.tok(3)}'`, 3);
        o.move = this.nt !== 4;
        return;
      }
      case 'setp': {
        this.arity(3, 4, 'setp NAME I TARGET [OFF]');
        o.op = key;
        o.h = this.handle(1);
        o.index = this.num(2, 'word index', 0xffffffff);
        o.target = this.handleOrNull(3);
        o.off = this.nt === 5 ? this.num(4, 'offset', 0xffffffff) : 0;
        return;
      }
      case 'setw': {
        this.arity(3, 3, 'setw NAME I VALUE');
        o.op = key;
        o.h = this.handle(1);
        o.index = this.num(2, 'word index', 0xffffffff);
        o.value = this.value(3, 'value');
        return;
      }
      case 'type': {
        this.arity(2, 2, 'type NAME T');
        o.op = key;
        o.h = this.handle(1);
        // Matched as bytes: a type line is about one line in six of a long trace.
        for (let i = 0; i < TYPE_NAMES.length; i++) {
          if (this.tokIs(2, TYPE_NAMES[i]!)) {
            o.type = TYPE_NAMES[i]!;
            return;
          }
        }
        return this.fail(`unknown type '${this.tok(2)}' (known: ${TYPE_NAMES.join(' ')})`, 2);
      }
      case 'root':
      case 'stack': {
        // Constant strings, not templates: a template would make two strings per line.
        const root = key === 'root';
        this.arity(2, 2, root ? 'root K NAME|0' : 'stack K NAME|0');
        o.op = key;
        o.slot = this.num(1, root ? 'root slot' : 'stack slot', (root ? ROOT_SLOTS : STACK_SLOTS) - 1);
        o.h = this.handleOrNull(2);
        return;
      }
      case 'rootw':
      case 'stackw': {
        const root = key === 'rootw';
        this.arity(2, 2, root ? 'rootw K VALUE' : 'stackw K VALUE');
        o.op = key;
        o.slot = this.num(1, root ? 'rootw slot' : 'stackw slot', (root ? ROOT_SLOTS : STACK_SLOTS) - 1);
        o.value = this.value(2, 'value');
        return;
      }
      case 'collect':
      case 'lock':
      case 'unlock':
      case 'info':
      case 'dump':
      case 'stats':
        this.arity(0, 0, key);
        o.op = key;
        return;
      case 'threshold': {
        this.arity(1, 1, 'threshold N|off');
        o.op = key;
        o.blocks = this.tokIs(1, 'off') ? null : this.num(1, 'threshold', this.maxSize);
        return;
      }
      case 'auto':
        this.arity(1, 1, 'auto 0|1');
        o.op = key;
        o.on = this.flag(1, 'auto');
        return;
      case 'nbytes':
        this.arity(1, 1, 'nbytes NAME');
        o.op = key;
        o.h = this.handle(1);
        return;
      case 'weak':
        this.arity(1, 1, 'weak NAME');
        if (!this.config.weakref) this.fail(`'weak' needs 'weakref 1' in the header`, 0);
        o.op = key;
        o.h = this.handle(1);
        return;
      case 'xroot':
      case 'snapshot':
        return this.parseRecordedOp(key, o);
      case 'heap': {
        if (!this.config.split) this.fail(`a later 'heap' line is gc_add(), which needs 'split 1'`, 0);
        const h = this.heapLine();
        o.op = key;
        o.start = h.start;
        o.end = h.end;
        return;
      }
      default:
        if (HEADER_ONLY.has(key)) this.fail(`header line '${key}' after the first operation`, 0);
        return this.fail(`unknown operation '${key}'`, 0);
    }
  }
}

/** Parses a whole trace (header and every operation) up front. */
export function parseTrace(input: TraceInput, opts: ParseOptions = {}): Trace {
  const r = new TraceReader(input, opts);
  const ops: TraceOp[] = [];
  for (let o = r.next(); o; o = r.next()) ops.push(copyOp(o as unknown as OpSlot));
  const names = Array.from({ length: r.handleCount }, (_, h) => r.nameOf(h));
  return {
    config: r.config,
    heaps: r.heaps,
    laterHeaps: r.laterHeaps,
    explicit: r.explicit,
    formatVersion: r.formatVersion,
    ...(r.sourceLine !== undefined ? { sourceLine: r.sourceLine } : {}),
    names,
    nameOf: (h) => names[h]!,
    ops,
  };
}

function grow(a: Int32Array): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}
