// The typed form of `micropython.mem_info(1)` output (py/modmicropython.c mem_info →
// gc_dump_info + gc_dump_alloc_table in py/gc.c), for every format MicroPython has printed.

/**
 * One character per GC block, as gc_dump_alloc_table prints it:
 * `.` free, `=` tail, `m` marked head (only seen mid-collection), and heads by type:
 * `h` other, `T` tuple, `L` list, `D` dict, `S` str/bytes, `A` bytearray/array, `F` float,
 * `B` bytecode function, `M` module. `?` is ours, not MicroPython's: a block the text did not
 * cover (lost lines, a capture cut short).
 */
export type BlockLetter = '.' | '=' | 'm' | 'h' | 'T' | 'L' | 'D' | 'S' | 'A' | 'F' | 'B' | 'M' | '?';

export const HEAD_LETTERS = 'hTLDSAFBM';
export const BLOCK_LETTERS = '.=m' + HEAD_LETTERS;

/** Is this one of the letters py/gc.c prints for an allocated head block? */
export function isHeadLetter(c: string): boolean {
  return c.length === 1 && HEAD_LETTERS.includes(c);
}

/** `mem: total=…, current=…, peak=…` (MICROPY_MEM_STATS builds only). */
export interface MemStats {
  total: number;
  current: number;
  peak: number;
}

/** `stack: N` or `stack: N out of M` (the limit only with MICROPY_STACK_CHECK). */
export interface StackUse {
  used: number;
  limit?: number;
}

/** gc_dump_info's two lines. Sizes in bytes; maxBlock / maxFree in blocks, as gc.c prints them. */
export interface GcTotals {
  total: number;
  used: number;
  free: number;
  num1block: number;
  num2block: number;
  maxBlock: number;
  maxFree: number;
  /** `, max new split: N` (v1.21+ with MICROPY_GC_SPLIT_HEAP_AUTO). */
  maxNewSplit?: number;
}

/** One `GC memory layout; from ADDR:` section: a heap area. */
export interface DumpArea {
  /** gc_pool_start of the area (first block), as printed by `%p`. */
  start: number;
  /** The address exactly as printed (lower-case hex, no 0x). */
  startText: string;
  /** Blocks in the area (ATB length × 4), as reconstructed from the lines. */
  blocks: number;
  /** One BlockLetter per block. */
  map: string;
  /** 1-based line of the section header. */
  line: number;
}

export type IssueSeverity = 'error' | 'warning';

/** Something in the text that is not what MicroPython prints, with where it is. */
export interface DumpIssue {
  severity: IssueSeverity;
  /** 1-based line number. */
  line: number;
  /** Byte offset (UTF-8) of the start of that line in the input. */
  offset: number;
  message: string;
}

export interface ParsedMemInfo {
  mem?: MemStats;
  stack?: StackUse;
  gc?: GcTotals;
  areas: DumpArea[];
  /** MICROPY_BYTES_PER_GC_BLOCK, from the line offsets or total ÷ blocks; undefined if neither tells. */
  blockSize?: number;
  /** Digits of the line offsets: 5 up to v1.19.1 (`%05x`, wraps every MiB), 8 from v1.20. */
  offsetDigits?: 5 | 8;
  /** Lines before the first mem_info line (the user's own output). */
  before: string[];
  /** Lines after the last mem_info line. */
  after: string[];
  issues: DumpIssue[];
  /** True when the text held any mem_info line at all. */
  found: boolean;
  /** True when the block map covers every block (no `?`) and the totals line was seen. */
  complete: boolean;
}
