// gctrace parser (see test/conformance/FORMAT.md). Pure: takes text, returns a Trace or
// throws a TraceError that names the line, column and byte offset of the fault.

import { type GcConfig, GC_VERSIONS, type GcVersion, isPowerOfTwo } from '../config.js';
import { type TypeName, TYPE_NAMES, isTypeName } from '../types.js';

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

/** Operations, with NAMEs resolved to handle indexes. */
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
  | { op: 'heap'; start: number; end: number; line: number };

export interface Trace {
  config: GcConfig;
  /** [start, end) of each `heap` line that came before the first operation. */
  heaps: Array<{ start: number; end: number; line: number }>;
  ops: TraceOp[];
  /** Handle names by index; -1 in an op's `h`/`target` means the literal 0 (NULL). */
  names: string[];
  /** Header keys the trace set explicitly (board configs use the rest). */
  explicit: Set<string>;
}

export const ROOT_SLOTS = 32;
export const STACK_SLOTS = 32;

const HEADER_KEYS = new Set(['gc', 'word', 'block', 'finaliser', 'split', 'weakref', 'gcstack', 'clear', 'heap']);
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NUM_RE = /^(0[xX][0-9a-fA-F]+|[0-9]+)$/;

export interface ParseOptions {
  /** Header defaults (e.g. from a board config); FORMAT.md's defaults otherwise. */
  defaults?: Partial<GcConfig>;
}

export function parseTrace(text: string, opts: ParseOptions = {}): Trace {
  const cfg: GcConfig = {
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
  const explicit = new Set<string>();
  const heaps: Trace['heaps'] = [];
  const ops: TraceOp[] = [];
  const names: string[] = [];
  const handleIds = new Map<string, number>();
  let sawOp = false;

  let lineNo = 0;
  let pos = 0;
  const n = text.length;
  while (pos < n) {
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = n;
    lineNo++;
    const lineStart = pos;
    let raw = text.slice(pos, eol);
    pos = eol + 1;
    const hash = raw.indexOf('#');
    if (hash >= 0) raw = raw.slice(0, hash);
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    const toks = raw.split(/[ \t]+/).filter((t) => t.length > 0);
    if (toks.length === 0) continue;

    // Where each token starts, for error positions.
    const tokCol = (k: number): number => {
      let idx = 0;
      for (let j = 0; j <= k && j < toks.length; j++) {
        idx = raw.indexOf(toks[j]!, j === 0 ? 0 : idx + toks[j - 1]!.length);
      }
      return idx;
    };
    const fail = (msg: string, k = 0): never => {
      const col = tokCol(Math.min(k, toks.length - 1));
      throw new TraceError(msg, lineNo, col + 1, byteOffset(text, lineStart + col));
    };
    const arity = (min: number, max: number, usage: string): void => {
      if (toks.length - 1 < min) fail(`'${toks[0]}' is missing an argument (usage: ${usage})`, toks.length - 1);
      if (toks.length - 1 > max) fail(`'${toks[0]}' has too many arguments (usage: ${usage})`, max + 1);
    };
    const num = (k: number, what: string, max: bigint): bigint => {
      const t = toks[k]!;
      if (!NUM_RE.test(t)) fail(`${what} '${t}' is not a number (decimal or 0x hex)`, k);
      const v = BigInt(t);
      if (v > max) fail(`${what} ${t} is out of range (0..${max})`, k);
      return v;
    };
    const small = (k: number, what: string, max: number): number => Number(num(k, what, BigInt(max)));
    const maxWord = (1n << BigInt(8 * cfg.wordSize)) - 1n;
    const maxSize = cfg.wordSize === 4 ? maxWord : BigInt(Number.MAX_SAFE_INTEGER);
    const value = (k: number, what: string): Value => {
      const v = num(k, what, maxWord);
      return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    };
    const flag = (k: number, what: string): boolean => {
      const t = toks[k]!;
      if (t !== '0' && t !== '1') fail(`${what} must be 0 or 1, not '${t}'`, k);
      return t === '1';
    };
    const handle = (k: number): number => {
      const t = toks[k]!;
      if (!NAME_RE.test(t)) fail(`'${t}' is not a handle name`, k);
      let id = handleIds.get(t);
      if (id === undefined) {
        id = names.length;
        names.push(t);
        handleIds.set(t, id);
      }
      return id;
    };
    /** NAME or the literal 0 (NULL), as `root K 0` and `setp X I 0` allow. */
    const handleOrNull = (k: number): number => (toks[k] === '0' ? -1 : handle(k));
    const addr = (k: number, what: string): number => {
      const v = num(k, what, BigInt(Number.MAX_SAFE_INTEGER));
      return Number(v);
    };

    const key = toks[0]!;
    if (HEADER_KEYS.has(key) && !(key === 'heap' && sawOp)) {
      if (sawOp) fail(`header line '${key}' after the first operation`);
      if (key !== 'heap') explicit.add(key);
      switch (key) {
        case 'gc': {
          arity(1, 1, 'gc v1.9.4|v1.27|v1.28');
          const v = toks[1]!;
          if (!(GC_VERSIONS as readonly string[]).includes(v)) fail(`unknown GC version '${v}' (known: ${GC_VERSIONS.join(', ')})`, 1);
          cfg.version = v as GcVersion;
          break;
        }
        case 'word': {
          arity(1, 1, 'word 4|8');
          const w = toks[1];
          if (w !== '4' && w !== '8') fail(`word must be 4 or 8, not '${w}'`, 1);
          cfg.wordSize = w === '4' ? 4 : 8;
          if (!explicit.has('block')) cfg.blockSize = 4 * cfg.wordSize;
          break;
        }
        case 'block': {
          arity(1, 1, 'block N');
          const b = small(1, 'block size', 1 << 20);
          if (!isPowerOfTwo(b) || b < 4) fail(`block size ${b} is not a power of two of at least 4`, 1);
          cfg.blockSize = b;
          break;
        }
        case 'finaliser':
          arity(1, 1, 'finaliser 0|1');
          cfg.finaliser = flag(1, 'finaliser');
          break;
        case 'split':
          arity(1, 1, 'split 0|1');
          cfg.split = flag(1, 'split');
          break;
        case 'weakref':
          arity(1, 1, 'weakref 0|1');
          cfg.weakref = flag(1, 'weakref');
          break;
        case 'gcstack':
          arity(1, 1, 'gcstack N');
          cfg.gcStack = small(1, 'gcstack', 1 << 20);
          if (cfg.gcStack < 1) fail('gcstack must be at least 1', 1);
          break;
        case 'clear':
          arity(1, 1, 'clear 0|1');
          cfg.conservativeClear = flag(1, 'clear');
          break;
        case 'heap': {
          arity(2, 2, 'heap START END');
          const start = addr(1, 'heap start');
          const end = addr(2, 'heap end');
          if (end <= start) fail(`heap end ${toks[2]} is not above its start ${toks[1]}`, 2);
          if (heaps.length > 0 && !cfg.split) fail(`a second 'heap' line is gc_add(), which needs 'split 1'`, 0);
          heaps.push({ start, end, line: lineNo });
          break;
        }
      }
      continue;
    }

    if (!sawOp) {
      sawOp = true;
      checkHeader(cfg, heaps, fail);
    }
    const line = lineNo;
    switch (key) {
      case 'alloc': {
        arity(2, 3, 'alloc NAME SIZE [fin]');
        const h = handle(1);
        const size = Number(num(2, 'size', maxSize));
        if (toks.length === 4 && toks[3] !== 'fin') fail(`expected 'fin' or nothing after the size, not '${toks[3]}'`, 3);
        ops.push({ op: 'alloc', h, size, fin: toks.length === 4, line });
        break;
      }
      case 'free':
        arity(1, 1, 'free NAME');
        ops.push({ op: 'free', h: handle(1), line });
        break;
      case 'realloc': {
        arity(2, 3, 'realloc NAME SIZE [nomove]');
        const h = handle(1);
        const size = Number(num(2, 'size', maxSize));
        if (toks.length === 4 && toks[3] !== 'nomove') fail(`expected 'nomove' or nothing after the size, not '${toks[3]}'`, 3);
        ops.push({ op: 'realloc', h, size, move: toks.length !== 4, line });
        break;
      }
      case 'setp': {
        arity(3, 4, 'setp NAME I TARGET [OFF]');
        const h = handle(1);
        const index = small(2, 'word index', 0xffffffff);
        const target = handleOrNull(3);
        const off = toks.length === 5 ? small(4, 'offset', 0xffffffff) : 0;
        ops.push({ op: 'setp', h, index, target, off, line });
        break;
      }
      case 'setw':
        arity(3, 3, 'setw NAME I VALUE');
        ops.push({ op: 'setw', h: handle(1), index: small(2, 'word index', 0xffffffff), value: value(3, 'value'), line });
        break;
      case 'type': {
        arity(2, 2, 'type NAME T');
        const h = handle(1);
        const t = toks[2]!;
        if (!isTypeName(t)) fail(`unknown type '${t}' (known: ${TYPE_NAMES.join(' ')})`, 2);
        ops.push({ op: 'type', h, type: t as TypeName, line });
        break;
      }
      case 'root':
      case 'stack': {
        arity(2, 2, `${key} K NAME|0`);
        const slot = small(1, `${key} slot`, (key === 'root' ? ROOT_SLOTS : STACK_SLOTS) - 1);
        ops.push({ op: key, slot, h: handleOrNull(2), line });
        break;
      }
      case 'rootw':
      case 'stackw': {
        arity(2, 2, `${key} K VALUE`);
        const slot = small(1, `${key} slot`, (key === 'rootw' ? ROOT_SLOTS : STACK_SLOTS) - 1);
        ops.push({ op: key, slot, value: value(2, 'value'), line });
        break;
      }
      case 'collect':
      case 'lock':
      case 'unlock':
      case 'info':
      case 'dump':
      case 'stats':
        arity(0, 0, key);
        ops.push({ op: key, line });
        break;
      case 'threshold': {
        arity(1, 1, 'threshold N|off');
        const blocks = toks[1] === 'off' ? null : Number(num(1, 'threshold', maxSize));
        ops.push({ op: 'threshold', blocks, line });
        break;
      }
      case 'auto':
        arity(1, 1, 'auto 0|1');
        ops.push({ op: 'auto', on: flag(1, 'auto'), line });
        break;
      case 'nbytes':
        arity(1, 1, 'nbytes NAME');
        ops.push({ op: 'nbytes', h: handle(1), line });
        break;
      case 'weak':
        arity(1, 1, 'weak NAME');
        if (!cfg.weakref) fail(`'weak' needs 'weakref 1' in the header`);
        ops.push({ op: 'weak', h: handle(1), line });
        break;
      case 'heap': {
        // A `heap` line after operations: gc_add() at that point.
        arity(2, 2, 'heap START END');
        if (!cfg.split) fail(`a later 'heap' line is gc_add(), which needs 'split 1'`);
        const start = addr(1, 'heap start');
        const end = addr(2, 'heap end');
        if (end <= start) fail(`heap end ${toks[2]} is not above its start ${toks[1]}`, 2);
        ops.push({ op: 'heap', start, end, line });
        break;
      }
      default:
        fail(`unknown operation '${key}'`);
    }
  }
  if (!sawOp) {
    checkHeader(cfg, heaps, (msg: string) => {
      throw new TraceError(msg, Math.max(lineNo, 1), 1, byteOffset(text, text.length));
    });
  }
  return { config: cfg, heaps, ops, names, explicit };
}

function checkHeader(cfg: GcConfig, heaps: Trace['heaps'], fail: (msg: string) => never): void {
  if (heaps.length === 0) fail(`no 'heap START END' line before the first operation`);
  if (cfg.version === 'v1.9.4' && cfg.split) fail('split heaps need v1.20 or later; v1.9.4 has none');
  if (cfg.weakref && cfg.version !== 'v1.28') fail(`'weakref 1' needs 'gc v1.28' (the WTB first appears in v1.28)`);
  if (cfg.weakref && !cfg.finaliser) fail(`'weakref 1' needs 'finaliser 1'`);
  if (cfg.blockSize < cfg.wordSize) fail(`block size ${cfg.blockSize} is smaller than a word (${cfg.wordSize})`);
}

/** UTF-8 byte offset of a string index (traces are ASCII, but be exact anyway). */
function byteOffset(text: string, index: number): number {
  let bytes = 0;
  for (let i = 0; i < index && i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
