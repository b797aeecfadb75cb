// Runs a parsed gctrace on a Machine and produces exactly the text FORMAT.md specifies.

import type { CollectionRecord, HeapWarning } from '../heap.js';
import { HeapCrash, THRESHOLD_OFF } from '../heap.js';
import { Machine } from '../machine.js';
import type { RegionSpec } from '../memory.js';
import { dumpAllocTable } from '../dump.js';
import { TypeTable } from '../types.js';
import { OutBuf } from './out.js';
import { ROOT_SLOTS, STACK_SLOTS, type Trace, type TraceHeader, type TraceOp, TraceError, TraceReader } from './parse.js';

export interface TraceRunResult {
  /** The output text, `\n`-terminated lines. */
  output: string;
  warnings: Array<HeapWarning & { line: number }>;
  machine: Machine;
}

export interface TraceRunOptions {
  /** Build the machine yourself (a board); default: a map made around the trace's heaps. */
  machine?: Machine;
  /** Called with each chunk of output as it is produced. */
  write?: (chunk: string) => void;
  /**
   * Called with each chunk of output as bytes (ASCII), about 64 KiB at a time: a view that
   * is valid only during the call. Cheaper than `write` for a streaming CLI.
   */
  writeBytes?: (chunk: Uint8Array) => void;
  /** Keep the output in the result (default true; a streaming CLI turns it off). */
  retain?: boolean;
  /** Called after each collection (explicit or automatic). */
  onCollect?: (rec: CollectionRecord, line: number) => void;
  /** Called after each operation, with its index (for progress). */
  onOp?: (index: number, line: number) => void;
  /**
   * Asked every 16th operation whether to hand the output so far to the sinks now (a
   * terminal shows a long trace's output as it goes rather than 64 KiB at a time).
   */
  flushWhen?: () => boolean;
  /** false: gc.c's plain first-fit scan instead of the indexed one (for cross-checks). */
  useIndex?: boolean;
}

const PAD = 4096;

function alignDown(x: number, a: number): number {
  return x - (x % a);
}

function alignUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

/**
 * The memory map a bare trace runs in: one RAM region around each group of `heap`
 * ranges (padded, so that reads just past a pool's end, as v1.9.4 can make, land in
 * memory), then flash for the type objects and RAM for the root and stack slots above
 * every heap.
 */
export function traceMachine(trace: TraceHeader): Machine {
  const ws = trace.config.wordSize;
  const ranges = [...trace.heaps, ...trace.laterHeaps]
    .map((h) => [h.start, h.end] as const)
    .map(([s, e]) => [Math.max(0, alignDown(s, 64) - PAD), alignUp(e, 64) + PAD] as [number, number])
    .sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  const regions: RegionSpec[] = merged.map(([s, e], i) => ({ name: `heap${i}`, kind: 'ram', base: s, size: e - s }));
  const top = alignUp(merged[merged.length - 1]![1] + 0x10000, 0x10000);
  regions.push({ name: 'flash', kind: 'flash', base: top, size: alignUp(TypeTable.size, 0x100) });
  const rootsBase = top + 0x10000;
  const slotBytes = (ROOT_SLOTS + STACK_SLOTS) * ws;
  regions.push({ name: 'state', kind: 'ram', base: rootsBase, size: alignUp(slotBytes, 0x100) });
  return new Machine({
    config: trace.config,
    regions,
    typesBase: top,
    rootSection: { address: rootsBase, words: ROOT_SLOTS },
    stack: { address: rootsBase + ROOT_SLOTS * ws, words: STACK_SLOTS },
  });
}

const HANDLE_CHUNK_BITS = 12;
const HANDLE_CHUNK = 1 << HANDLE_CHUNK_BITS;

/**
 * Each handle's pointer (0 until it is set), by handle index: typed chunks of 4096, added as
 * handles appear and never copied. A trace can name hundreds of thousands of handles; a
 * growing JavaScript array of them was megabytes of V8 heap, and each outgrown copy stayed
 * as garbage until a full collection (one rarely comes in a replay).
 */
class HandleValues {
  private readonly chunks: Array<Uint32Array | Float64Array> = [];

  /** Word size 4: pointers fit 32 bits; 8: any address up to 2^53 (exact in a double). */
  constructor(private readonly wordSize: number) {}

  get(h: number): number {
    const c = this.chunks[h >>> HANDLE_CHUNK_BITS];
    return c === undefined ? 0 : c[h & (HANDLE_CHUNK - 1)]!;
  }

  set(h: number, v: number): void {
    const k = h >>> HANDLE_CHUNK_BITS;
    while (this.chunks.length <= k) this.chunks.push(this.wordSize === 4 ? new Uint32Array(HANDLE_CHUNK) : new Float64Array(HANDLE_CHUNK));
    this.chunks[k]![h & (HANDLE_CHUNK - 1)] = v;
  }
}

const latin1 = new TextDecoder('latin1');

/** Runs every operation; a fault in the trace (or a v1.9.4 crash) throws TraceError. */
export function runTrace(trace: Trace | TraceReader, opts: TraceRunOptions = {}): TraceRunResult {
  const m = opts.machine ?? traceMachine(trace);
  const { heap, mem, types } = m;
  if (opts.useIndex !== undefined) heap.useIndex = opts.useIndex;
  const ws = trace.config.wordSize;
  const out: string[] = [];
  const retain = opts.retain ?? true;
  const write = opts.write;
  const writeBytes = opts.writeBytes;
  const flushWhen = opts.flushWhen;
  const ob = new OutBuf((chunk) => {
    if (writeBytes) writeBytes(chunk);
    if (retain || write) {
      const s = latin1.decode(chunk);
      if (retain) out.push(s);
      if (write) write(s);
    }
  });
  const emit = (s: string): void => ob.ascii(s);
  /** All output so far (flushed to the sinks first). */
  const outputText = (): string => {
    ob.flush();
    return out.join('');
  };
  const warnings: TraceRunResult['warnings'] = [];
  let line = 0;
  heap.onWarning = (w) => warnings.push({ ...w, line });
  if (opts.onCollect) heap.onCollect = (rec) => opts.onCollect!(rec, line);

  const fault = (e: unknown, lineNo: number): TraceError => {
    if (e instanceof TraceError) return e;
    const err = new TraceError(e instanceof Error ? e.message : String(e), lineNo, 0, -1);
    err.crash = e instanceof HeapCrash;
    err.partialOutput = outputText();
    return err;
  };
  const wrap = <T>(lineNo: number, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      throw fault(e, lineNo);
    }
  };

  // Heap ranges [start, end) as written: stores must stay inside the one holding the handle.
  const heapRanges: Array<[number, number]> = [];
  for (const h of trace.heaps) {
    line = h.line;
    wrap(h.line, () => (heapRanges.length === 0 ? heap.init(h.start, h.end) : heap.add(h.start, h.end)));
    heapRanges.push([h.start, h.end]);
  }
  const rangeOf = (p: number): [number, number] | undefined => {
    for (let i = 0; i < heapRanges.length; i++) {
      const r = heapRanges[i]!;
      if (p >= r[0] && p < r[1]) return r;
    }
    return undefined;
  };
  const store = (p: number, index: number, value: number | bigint): void => {
    if (p === 0) return;
    const r = rangeOf(p);
    if (!r) return;
    const a = p + index * ws;
    if (a < r[0] || a + ws > r[1]) return;
    mem.writeWord(a, value);
  };

  // Handle values by index; names are discovered as the reader goes, so this grows.
  const handles = new HandleValues(ws);
  const val = (h: number): number => (h < 0 ? 0 : handles.get(h));
  const setHandle = (h: number, v: number): void => handles.set(h, v);
  // `OP NAME = `: the name copied as bytes when the reader holds it so.
  const reader = trace instanceof TraceReader ? trace : null;
  const opName = (op: string, h: number): void => {
    ob.ascii(op);
    ob.byte(32);
    if (reader) reader.copyName(h, ob);
    else ob.ascii(trace.nameOf(h));
    ob.ascii(' = ');
  };
  const ptrLine = (p: number): void => {
    if (p === 0) ob.ascii('NULL');
    else ob.hex(p);
    ob.byte(10);
  };
  const list = (xs: number[]): void => {
    if (xs.length === 0) ob.byte(45);
    for (let i = 0; i < xs.length; i++) {
      if (i > 0) ob.byte(44);
      ob.hex(xs[i]!);
    }
  };

  // gc_free / gc_realloc of a pointer that is not a block's head (gc.c asserts): `OP NAME = invalid`.
  const notHead = (op: string, h: number, p: number): boolean => {
    if (p === 0 || heap.isHead(p)) return false;
    opName(op, h);
    emit('invalid\n');
    return true;
  };

  const recorded = recordedRoots(heap, (h) => val(h), trace.formatVersion ?? 1);

  // The operations a replay meets seldom (a collection is one per hundreds of operations),
  // out of the loop below: V8 optimises the loop (by on-stack replacement: the function runs
  // once) only after a number of profiler ticks that grows with its bytecode, restarted at
  // each inline cache that changes in it; with every case inline that took a twentieth of a
  // churn replay.
  const rare = (o: TraceOp): void => {
    switch (o.op) {
      case 'collect': {
        const rec = heap.collect('explicit');
        emit('collect freed=');
        ob.dec(rec.freed);
        emit(' finalised=');
        list(rec.finalised);
        if (trace.config.weakref) {
          emit(' weak=');
          list(rec.weak);
        }
        ob.byte(10);
        break;
      }
      case 'realloc': {
        const p = val(o.h);
        if (notHead('realloc', o.h, p)) break;
        const r = heap.realloc(p, o.size, o.move);
        if (r !== 0 || o.size === 0) setHandle(o.h, r);
        if (r !== p) recorded?.born(o.h);
        opName('realloc', o.h);
        ptrLine(r);
        break;
      }
      case 'lock':
        heap.lock();
        break;
      case 'unlock':
        heap.unlock();
        break;
      case 'threshold':
        heap.threshold = o.blocks === null ? THRESHOLD_OFF : o.blocks;
        break;
      case 'auto':
        heap.autoCollect = o.on;
        break;
      case 'info': {
        const f = heap.info();
        emit(
          `info total=${f.total} used=${f.used} free=${f.free} max_free=${f.maxFree} n1=${f.num1block} n2=${f.num2block} max_block=${f.maxBlock}\n`,
        );
        break;
      }
      case 'dump':
        emit(dumpAllocTable(heap, types));
        break;
      case 'nbytes':
        opName('nbytes', o.h);
        ob.dec(heap.nbytes(val(o.h)));
        ob.byte(10);
        break;
      case 'stats':
        emit(`stats collections=${heap.counters.collections}\n`);
        break;
      case 'weak': {
        const p = val(o.h);
        if (p === 0 || !heap.isHead(p)) {
          opName('weak', o.h);
          emit('invalid\n');
        }
        else heap.weakrefMark(p);
        break;
      }
      case 'heap':
        heap.add(o.start, o.end);
        heapRanges.push([o.start, o.end]);
        break;
      case 'xroot':
        recorded!.xroot(o.slot, val(o.h));
        break;
      case 'snapshot':
        recorded!.snapshot();
        break;
    }
  };

  const ops = trace instanceof TraceReader ? null : trace.ops;
  for (let i = 0; ; i++) {
    let o: TraceOp | null | undefined;
    try {
      o = ops ? ops[i] : reader!.next();
    } catch (e) {
      if (e instanceof TraceError) e.partialOutput = outputText();
      throw e;
    }
    if (!o) break;
    line = o.line;
    try {
      switch (o.op) {
        case 'alloc': {
          const p = heap.alloc(o.size, o.fin);
          setHandle(o.h, p);
          recorded?.born(o.h);
          opName('alloc', o.h);
          ptrLine(p);
          break;
        }
        case 'free': {
          const p = val(o.h);
          if (!notHead('free', o.h, p)) heap.free(p);
          recorded?.died(o.h);
          break;
        }
        case 'setp': {
          const t = val(o.target);
          store(val(o.h), o.index, t === 0 ? 0 : t + o.off);
          break;
        }
        case 'setw':
          store(val(o.h), o.index, o.value);
          break;
        case 'type':
          store(val(o.h), 0, types.address(o.type));
          break;
        case 'root':
          mem.writeWord(m.rootSlot(o.slot), val(o.h));
          break;
        case 'rootw':
          mem.writeWord(m.rootSlot(o.slot), o.value);
          break;
        case 'stack':
          mem.writeWord(m.stackSlot(o.slot), val(o.h));
          break;
        case 'stackw':
          mem.writeWord(m.stackSlot(o.slot), o.value);
          break;
        default:
          rare(o);
      }
    } catch (e) {
      throw fault(e, o.line);
    }
    opts.onOp?.(i, o.line);
    if (flushWhen !== undefined && (i & 15) === 0 && flushWhen()) ob.flush();
  }
  return { output: outputText(), warnings, machine: m };
}

/**
 * Format 2's roots (FORMAT.md, "Recorded traces"): the xroot slots, and every object
 * allocated since the last `snapshot`. A recording knows the device's pointers only at its
 * snapshots (each device collection and each --snapshot-every point); an object born after
 * the last one may be referenced by anything, so a replay that collects at another moment
 * (another board, block size, threshold) keeps it alive, as the device did until its next
 * snapshot. On the recorded board and config every collection directly follows a snapshot,
 * so the young set is empty whenever the replay collects and the marking is the device's.
 */
function recordedRoots(heap: Machine['heap'], val: (h: number) => number, version: number) {
  if (version < 2) return null;
  // A board's root section or scanned stack that lies inside the recorded heap (a board
  // config that does not match the firmware's link map) would read heap words as roots; the
  // recording carries the device's own roots, so such ranges are not scanned.
  heap.roots = heap.roots.filter((r) => !heap.areas.some((a) => r.address < a.layout.end && r.address + r.words * heap.config.wordSize > a.layout.start));
  const slots: number[] = [];
  const young = new Set<number>();
  heap.traceRoots = function* () {
    for (const p of slots) if (p) yield p;
    for (const h of young) yield val(h);
  };
  return {
    xroot(slot: number, p: number): void {
      while (slots.length <= slot) slots.push(0);
      slots[slot] = p;
    },
    born(h: number): void {
      young.add(h);
    },
    died(h: number): void {
      young.delete(h);
    },
    snapshot(): void {
      young.clear();
    },
  };
}
