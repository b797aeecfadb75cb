// A gctrace on a board. The trace states what py/gc.c is built with and where its heap
// areas are; a board states a memory map, a GC build and how the port grows its heap.
// The board supplies what the trace leaves out — the GC options its header does not set,
// the heap when it has no `heap` line, split-heap-auto growth — and the trace's header
// overrides where it speaks. What cannot both hold is a TraceBoardConflict, reported as
// one line: a 64-bit trace on a 32-bit board, a heap outside the board's RAM, options no
// py/gc.c build can combine.
//
// Pure module: no Node APIs.

import { type BoardMachine, type BoardOverrides, type BoardSpec, effectiveConfig } from './board.js';
import { type GcConfig, ConfigError, validateConfig } from './config.js';
import { THRESHOLD_OFF } from './heap.js';
import { Machine } from './machine.js';
import { hex } from './memory.js';
import { SystemHeap } from './system-heap.js';
import { ROOT_SLOTS, STACK_SLOTS, type HeapLine } from './trace/parse.js';
import { TypeTable } from './types.js';

export class TraceBoardConflict extends Error {
  constructor(
    message: string,
    /** The trace line the conflict is about (a header key or a `heap` line); 0: none in particular. */
    readonly line = 0,
    /** The header key, when the conflict is about one (to find its line). */
    readonly key?: string,
  ) {
    super(message);
    this.name = 'TraceBoardConflict';
  }
}

/** Trace header keys → GcConfig fields. */
const HEADER_FIELDS: ReadonlyArray<[string, keyof GcConfig]> = [
  ['block', 'blockSize'],
  ['finaliser', 'finaliser'],
  ['split', 'split'],
  ['weakref', 'weakref'],
  ['gcstack', 'gcStack'],
  ['clear', 'conservativeClear'],
];

/**
 * The GC build a trace runs with on a board: the board's (after `gc v…` in the header, if
 * any, resets what that version cannot have), then every header key the trace sets, then
 * the command line's what-if flags (--block-size, --gc-stack, --gc-version) last, as they
 * are the user's explicit question. Split-heap-auto comes from the board: on when the board
 * grows its heap and the result has split heaps.
 */
export function traceConfigOnBoard(
  spec: BoardSpec,
  header: { config: GcConfig; explicit: ReadonlySet<string> },
  cli: Pick<BoardOverrides, 'gcVersion' | 'blockSize' | 'gcStack'> = {},
): { config: GcConfig; notes: string[] } {
  const notes: string[] = [];
  const h = header.config;
  if (header.explicit.has('word') && h.wordSize !== spec.gc.wordSize) {
    throw new TraceBoardConflict(
      `the trace is for ${h.wordSize * 8}-bit words ('word ${h.wordSize}') but ${spec.id} is a ${spec.gc.wordSize * 8}-bit board: run it on a ${h.wordSize * 8}-bit board`,
      0,
      'word',
    );
  }
  const c: GcConfig = effectiveConfig(spec, header.explicit.has('gc') ? { gcVersion: h.version } : {});
  for (const [key, field] of HEADER_FIELDS) {
    if (header.explicit.has(key)) (c as unknown as Record<string, unknown>)[field] = h[field];
  }
  // `split 0` (or v1.9.4) means no gc_add at all, so no growth either.
  c.splitAuto = c.split && c.version !== 'v1.9.4' && spec.gc.splitAuto && spec.splitAuto !== undefined;
  const check = (g: GcConfig, who: string): GcConfig => {
    try {
      return validateConfig({ ...g });
    } catch (e) {
      if (e instanceof ConfigError) throw new TraceBoardConflict(`${who}: ${e.message}`);
      throw e;
    }
  };
  let out = check(c, `the trace's header and ${spec.id}'s build cannot be combined`);
  if (cli.gcVersion !== undefined || cli.blockSize !== undefined || cli.gcStack !== undefined) {
    const fromTrace = (k: string): boolean => header.explicit.has(k);
    if (cli.blockSize !== undefined && fromTrace('block') && cli.blockSize !== h.blockSize) notes.push(`--block-size ${cli.blockSize} overrides the trace's 'block ${h.blockSize}'`);
    if (cli.gcStack !== undefined && fromTrace('gcstack') && cli.gcStack !== h.gcStack) notes.push(`--gc-stack ${cli.gcStack} overrides the trace's 'gcstack ${h.gcStack}'`);
    if (cli.gcVersion !== undefined && fromTrace('gc') && cli.gcVersion !== h.version) notes.push(`--gc-version ${cli.gcVersion} overrides the trace's 'gc ${h.version}'`);
    try {
      out = effectiveConfig({ ...spec, gc: out }, cli);
    } catch (e) {
      throw new TraceBoardConflict(`the what-if flags cannot apply to this trace: ${(e as Error).message}`);
    }
    if (out.splitAuto && !(spec.gc.splitAuto && spec.splitAuto)) out.splitAuto = false;
    out = check(out, 'the what-if flags cannot apply to this trace');
  }
  return { config: out, notes };
}

type Range = [number, number];

const overlaps = (a: Range, b: Range): boolean => a[0] < b[1] && b[0] < a[1];

/** [start, end) minus the given ranges, as a list of pieces. */
function cut(r: Range, holes: readonly Range[]): Range[] {
  let pieces: Range[] = [r];
  for (const h of holes) {
    pieces = pieces.flatMap(([s, e]): Range[] => {
      if (!overlaps([s, e], h)) return [[s, e]];
      const out: Range[] = [];
      if (s < h[0]) out.push([s, h[0]]);
      if (h[1] < e) out.push([h[1], e]);
      return out;
    });
  }
  return pieces;
}

/**
 * The board's machine with the trace's heap areas in place of its own. The trace's
 * 32 root slots and 32 stack slots are the first words of the board's root section and
 * of its scanned C stack; where these (or the type objects) would overlap the trace's heap
 * they move to free memory of the same kind, with a note. On a split-heap-auto board the
 * trace's own gc_add areas count as system-heap blocks, so the sweep can give an empty one
 * back (gc.c frees every empty area but the first) and growth can reuse it.
 * The heap itself is not initialised: runTrace does gc_init/gc_add as the trace says.
 */
export function boardMachineForTrace(spec: BoardSpec, config: GcConfig, heaps: readonly HeapLine[], notes: string[] = []): BoardMachine {
  const ws = config.wordSize;
  const ramRegions = spec.regions.filter((r) => r.kind === 'ram' || r.kind === 'psram');
  const ramText = ramRegions.map((r) => `${r.name} ${hex(r.base)}..${hex(r.base + r.size)}`).join(', ');
  const heapRanges: Range[] = [];
  for (const h of heaps) {
    const inRam = ramRegions.some((r) => h.start >= r.base && h.end <= r.base + r.size);
    if (!inRam) {
      throw new TraceBoardConflict(`the trace's heap [${hex(h.start)}, ${hex(h.end)}) does not fit in ${spec.id}'s RAM (${ramText})`, h.line);
    }
    heapRanges.push([h.start, h.end]);
  }
  const taken: Range[] = [...heapRanges];
  const place = (what: string, want: number, bytes: number, kinds: readonly string[]): number => {
    const fits = (a: number): boolean =>
      spec.regions.some((r) => kinds.includes(r.kind) && a >= r.base && a + bytes <= r.base + r.size) && !taken.some((t) => overlaps(t, [a, a + bytes]));
    let at = want;
    if (!fits(at)) {
      const found = spec.regions
        .filter((r) => kinds.includes(r.kind))
        .flatMap((r) => cut([r.base, r.base + r.size], taken))
        .map(([s, e]): Range => [Math.ceil(s / 64) * 64, e])
        .find(([s, e]) => e - s >= bytes);
      if (!found) throw new TraceBoardConflict(`${spec.id} has no memory left for the ${what} beside the trace's heap`);
      at = found[0];
      notes.push(`the ${what} moved from ${hex(want)} to ${hex(at)}: the board's own place is inside the trace's heap`);
    }
    taken.push([at, at + bytes]);
    return at;
  };
  const rootWords = Math.max(spec.rootSection.words, ROOT_SLOTS);
  const rootAt = place('root section', spec.rootSection.address, rootWords * ws, ['ram', 'psram']);
  const stackWords = Math.max(Math.floor(spec.stack.used / ws), STACK_SLOTS);
  const stackAt = place('scanned C stack', spec.stack.top - stackWords * ws, stackWords * ws, ['ram', 'psram']);
  const typesAt = place('type objects', spec.typesBase, TypeTable.size, ['flash', 'rom', 'ram', 'psram']);
  const machine = new Machine({
    config,
    regions: spec.regions.map(({ name, kind, base, size }) => ({ name, kind, base, size })),
    typesBase: typesAt,
    rootSection: { address: rootAt, words: rootWords },
    stack: { address: stackAt, words: stackWords },
  });
  let systemHeap: SystemHeap | undefined;
  if (config.splitAuto && spec.splitAuto) {
    const segments = spec.splitAuto.segments.flatMap((s) => cut([s.start, s.end], taken).map(([start, end]) => ({ start, end })));
    systemHeap = new SystemHeap({ ...spec.splitAuto, segments });
    for (const h of heaps.slice(1)) systemHeap.adopt(h.start, h.end);
    machine.heap.splitAutoHost = systemHeap;
  }
  return {
    spec,
    config,
    machine,
    areas: [],
    ...(systemHeap ? { systemHeap } : {}),
    thresholdBlocks: THRESHOLD_OFF,
    stackLine: { used: spec.stack.used, limit: spec.stack.check ? spec.stack.size - spec.stack.margin : null },
    heapStart: heaps[0]?.start ?? 0,
    heapEnd: heaps[0]?.end ?? 0,
    notes,
  };
}
