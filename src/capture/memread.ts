// Reading device memory from Python without disturbing the heap, and decoding what it prints.
//
// Two readers, whichever the firmware has:
//  - uctypes.bytearray_at(addr, n): a by-reference view (one 1-block header); printing it
//    writes `bytearray(b'…')` straight to stdout (py/objarray.c array_print), no allocation;
//  - machine.mem16[addr]: every value fits a small int, so reading and printing allocate
//    nothing (machine.mem32 would make a long int for words ≥ 2**30, a heap allocation in the
//    middle of the read). The micro:bit firmware (v1.9.2) has only machine.mem8/16/32.
// Regions are separated by a `-1` line (print of a small int: no allocation; a table line of
// mem_info or a decimal halfword can never be `-1`).

import { BytesReprDecoder, BytesReprError } from './bytes-repr.js';

export type Reader = 'uctypes' | 'mem16';

export interface Region {
  start: number;
  end: number;
  /** What it is, for messages: "heap area 0", "root pointers", "stack". */
  name: string;
}

export const SEPARATOR = '-1';

/** The addresses one command may read: [start, end). */
export interface Span {
  start: number;
  end: number;
}

/** The smallest span holding every region. */
export function spanOf(regions: Region[]): Span {
  return { start: Math.min(...regions.map((r) => r.start)), end: Math.max(...regions.map((r) => r.end)) };
}

/** A halfword read expression at address expression `a` (through the guarded reader M). */
export function halfwordExpr(reader: Reader, a: string): string {
  return reader === 'mem16' ? `M(${a})` : `int.from_bytes(M(${a},2),'little')`;
}

/**
 * `expr` evaluated with M bound to a reader that refuses addresses outside `span`:
 * M(addr) is machine.mem16[addr], M(addr, n) is uctypes.bytearray_at(addr, n). Chunked raw
 * mode (firmware without raw-paste) has no flow control and no check, and a byte lost on the
 * way in is silent: one lost digit of an address is an address a tenth as large, which the
 * firmware may not own (a bus fault on an MCU). The bounds are literals too, so one lost byte
 * either breaks the command, leaves the addresses as they were, or moves an address outside
 * the span, where M raises (1/0) before reading it. M is a lambda parameter, so no global is
 * bound and the source stays short: on the micro:bit every byte of a command's source and
 * bytecode is heap the read competes with.
 */
export function withM(reader: Reader, expr: string, span: Span): string {
  const m =
    reader === 'mem16'
      ? `(lambda m:lambda x:m[x] if ${span.start}<=x<${span.end - 1} else 1/0)(__import__('machine').mem16)`
      : `(lambda u:lambda s,n:u(s,n) if ${span.start}<=s and s+n<=${span.end} else 1/0)(__import__('uctypes').bytearray_at)`;
  return `(lambda M:${expr})(${m})`;
}

/**
 * Python objects that, iterated (mem16: generators) or printed (uctypes: views), print the
 * region. They are built before anything is printed, so a capture holding them has allocated
 * everything it needs before its mem_info(1) dump. They read through `M`, the guarded reader
 * withM binds (a closure variable: short source, which matters in chunked raw mode, where the
 * REPL's line buffer holds the whole command on the heap).
 * A mem16 region prints 8 halfwords a line; a tail generator prints the rest one a line when
 * the length is not a multiple of 16 (or always, with `alwaysTail`, to keep a command's shape).
 */
export function regionObjects(reader: Reader, r: Region, alwaysTail = false): Array<{ expr: string; kind: 'iterate' | 'print' }> {
  const len = r.end - r.start;
  if (reader === 'uctypes') return [{ expr: `M(${r.start},${len})`, kind: 'print' }];
  // The loops count negative offsets from the region's end: a range iterator keeps its
  // counter as a raw C integer, which the collector scans conservatively, and a counter equal
  // to an address inside the heap being read would keep that block alive for the emulator
  // (the image holds the counter mid-read) but not for the firmware's collection after it.
  // A negative counter is never a heap address; the small ints on the VM stack are tagged
  // (odd), never block-aligned.
  const tail = len % 16;
  const e = r.end;
  const h = (base: number, k: number): string => `M(${base}+a${k ? `+${k}` : ''})`;
  const out: Array<{ expr: string; kind: 'iterate' | 'print' }> = [
    { expr: `(print(${[0, 2, 4, 6, 8, 10, 12, 14].map((k) => h(e - tail, k)).join(',')})for a in range(${-(len - tail)},0,16))`, kind: 'iterate' },
  ];
  if (alwaysTail || tail) out.push({ expr: `(print(${h(e, 0)})for a in range(${-tail},0,2))`, kind: 'iterate' });
  return out;
}

/** Statements that print each region, separated by -1 lines (for small reads). */
export function readStatements(reader: Reader, regions: Region[]): string {
  const parts: string[] = [];
  for (const r of regions) {
    parts.push('print(-1)');
    for (const o of regionObjects(reader, r)) parts.push(o.kind === 'print' ? `print(${o.expr})` : `any(${o.expr})`);
  }
  parts.push('print(-1)');
  return withM(reader, `(${parts.join(',')})`, spanOf(regions));
}

/**
 * The message for a read command whose last sending still raised the guard's ZeroDivisionError
 * (see withM): it arrived damaged every time. Undefined for any other exception.
 */
export function damagedReadMessage(lastTracebackLine: string): string | undefined {
  if (!/^ZeroDivisionError\b/.test(lastTracebackLine)) return undefined;
  return 'the command arrived damaged every time it was sent (an address outside what it reads, refused on the board before reading it): bytes lost on the way in? try a smaller --chunk-size';
}

export class MemReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MemReadError';
  }
}

/** Decodes one region's printed text (between two -1 lines) into its bytes. */
export function decodeRegion(reader: Reader, text: string, r: Region): Uint8Array {
  const len = r.end - r.start;
  let out: Uint8Array;
  if (reader === 'uctypes') {
    const d = new BytesReprDecoder(len);
    try {
      d.feed(text.trim());
    } catch (e) {
      if (e instanceof BytesReprError) throw new MemReadError(`${r.name}: the printed bytes do not decode (${e.message})`);
      throw e;
    }
    if (!d.done) throw new MemReadError(`${r.name}: the printed bytes end early`);
    out = d.bytes();
  } else {
    const nums = text.trim() === '' ? [] : text.trim().split(/\s+/);
    out = new Uint8Array(nums.length * 2);
    nums.forEach((s, i) => {
      if (!/^\d{1,5}$/.test(s) || Number(s) > 0xffff) throw new MemReadError(`${r.name}: "${s.slice(0, 40)}" is not a halfword`);
      out[2 * i] = Number(s) & 0xff;
      out[2 * i + 1] = Number(s) >> 8;
    });
  }
  if (out.length !== len) throw new MemReadError(`${r.name}: got ${out.length} bytes, asked for ${len}`);
  return out;
}

/** Splits text at lines that are exactly -1. */
export function splitSections(text: string): string[] {
  return text.replace(/\r\n/g, '\n').split(/^-1\n/m);
}

/** Decodes the output of readStatements. */
export function decodeRead(reader: Reader, text: string, regions: Region[]): Uint8Array[] {
  const parts = splitSections(text);
  // parts[0] is before the first -1 (nothing), then one per region, then after the last.
  if (parts.length < regions.length + 2) throw new MemReadError(`only ${Math.max(0, parts.length - 2)} of ${regions.length} region(s) arrived`);
  return regions.map((r, i) => decodeRegion(reader, parts[i + 1]!, r));
}

export function word(bytes: Uint8Array, off: number, ws: 4 | 8): number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return ws === 4 ? dv.getUint32(off, true) : Number(dv.getBigUint64(off, true));
}

export function words(bytes: Uint8Array, ws: 4 | 8): number[] {
  const out: number[] = [];
  for (let o = 0; o + ws <= bytes.length; o += ws) out.push(word(bytes, o, ws));
  return out;
}
