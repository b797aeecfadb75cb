// MicroPython firmware facts from a firmware ELF: where gc_init()'s heap is, where the
// interpreter state (mp_state_ctx) and the root-pointer range gc_collect_start() scans are,
// the C stack's top, every mp_type_* address, and the MicroPython version in the banner.
// Each fact says which symbol it came from and, when part of it rests on an assumption the
// symbol table cannot settle (a build option), says so.
//
// The root range follows py/mpstate.h of the firmware's version:
//  - v1.9.x: gc_collect_start() scans from the start of mp_state_ctx (thread.dict_locals is
//    its first field) up to vm.qstr_last_chunk;
//  - v1.10+ (v1.27, v1.28): from thread.dict_locals (after stack_top, stack_limit, the
//    pystack pointers and gc_lock_depth) up to vm.qstr_last_chunk.
// The fields after qstr_last_chunk (the rest of mp_state_vm_t) and the whole mp_state_mem_t
// have sizes fixed by build options; the fields before it include every port's registered root
// pointers, which no table can know. So the end is found from the other side: the end of
// mp_state_ctx (its symbol size) minus mp_state_mem_t minus vm's tail.

import type { BoardSpec } from '../../emulator/board.js';
import type { TypeName } from '../../emulator/types.js';
import { UserError } from '../errors.js';
import { type ElfImage, readElf, typeObjects } from './read.js';

/** A value read from the ELF, with where it came from. */
export interface ElfFact<T> {
  value: T;
  /** e.g. "symbol gc_heap (.bss, 143360 B)". */
  from: string;
  /** Set when part of the value rests on an assumption the ELF cannot settle. */
  inferred?: string;
}

export interface RootRange {
  start: number;
  end: number;
  words: number;
}

/** The build options mp_state_ctx's layout depends on, as detected (or assumed). */
export interface StateOptions {
  stackCheck: boolean;
  pystack: boolean;
  memStats: boolean;
  finaliser: boolean;
  split: boolean;
  weakref: boolean;
  allocThreshold: boolean;
  gcStack: number;
  /** sizeof(MICROPY_GC_STACK_ENTRY_TYPE): size_t by default. */
  gcStackEntry: number;
  collectRetval: boolean;
  compiler: boolean;
  emitNative: boolean;
  emergencyBufDynamic: boolean;
  scheduler: boolean;
  schedulerStaticNodes: boolean;
  vmAbort: boolean;
  mapLookupCache: number;
  thread: boolean;
}

export interface FirmwareFacts {
  file: string;
  bits: 32 | 64;
  wordSize: 4 | 8;
  machine: string;
  /** "1.27.0" from the banner string (MicroPython vX.Y.Z[-…] on …) in the image. */
  version?: ElfFact<string>;
  /** gc_init(start, end) of the first area. */
  heap?: ElfFact<{ start: number; end: number }>;
  /** mp_state_ctx. */
  state?: ElfFact<{ address: number; size: number }>;
  /** What gc_collect_start() scans inside mp_state_ctx. */
  roots?: ElfFact<RootRange>;
  /** Address of mp_state_ctx.mem.area (v1.10+) or of the first heap field (v1.9): its first word is gc_alloc_table_start. */
  heapAreaFields?: ElfFact<number>;
  /**
   * Address of MP_STATE_THREAD(stack_top) (the main thread's, in mp_state_ctx): read it on the
   * device for the C stack's top as the firmware recorded it; stack_limit follows it when
   * MICROPY_STACK_CHECK is on.
   */
  stackTopField?: ElfFact<number>;
  /** The layout options used for roots/heapAreaFields. */
  stateOptions?: StateOptions;
  /** The C stack's top as the linker script gives it (_estack, __StackTop, …). */
  stackTop?: ElfFact<number>;
  /** Every mp_type_* object: address → name without the prefix. */
  types: Map<number, string>;
  /** [lowest, highest+1) over the mp_type_* objects. */
  typesRange?: { start: number; end: number };
  typeAddress(name: string): number | undefined;
}

/** What the board config tells the ELF reader about the build (the symbol table cannot). */
export interface FirmwareHints {
  /** The board's GC profile ('v1.9.2', 'v1.9.4', 'v1.27', 'v1.28'); the banner's version wins when present. */
  gcVersion: string;
  gcStack: number;
  finaliser: boolean;
  split: boolean;
  weakref: boolean;
  memStats?: boolean;
}

const STATIC_HEAPS = ['gc_heap', 'mp_heap', 'heap', '_heap', 'gc_heap_buf', 'mp_gc_heap'];
const HEAP_BOUNDS: Array<[string, string]> = [
  ['__GcHeapStart', '__GcHeapEnd'],
  ['_heap_start', '_heap_end'],
  ['__heap_start', '__heap_end'],
  ['_gc_heap_start', '_gc_heap_end'],
  ['_sheap', '_eheap'],
  ['__HeapBase', '__HeapLimit'],
];
const STACK_TOPS = ['_estack', '__StackTop', '_stack_top', '__stack_top', '_stack_end', '__stack'];

/** The type objects the engine models (mp_type_<name>). */
const ENGINE_TYPES: TypeName[] = ['tuple', 'list', 'dict', 'str', 'bytes', 'bytearray', 'array', 'float', 'fun_bc', 'module'];

const hex = (n: number): string => `0x${n.toString(16)}`;

function sectionOf(elf: ElfImage, address: number): string | undefined {
  return elf.sections.find((s) => s.loaded && address >= s.address && address < s.address + Math.max(1, s.size))?.name;
}

/** "1.27.0" (or "1.9.2-34-gd64154c73") from the banner text compiled into the image. */
export function bannerVersion(elf: ElfImage): ElfFact<string> | undefined {
  for (const s of elf.sections) {
    if (!s.loaded || !s.hasData || s.size === 0 || s.size > 64 << 20) continue;
    const bytes = elf.read(s.address, s.size);
    if (!bytes) continue;
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    const m = /MicroPython v(\d+\.\d+\.\d+)([-+][0-9A-Za-z.+-]*)? on /.exec(text);
    if (m) return { value: m[1]!, from: `banner string "MicroPython v${m[1]}${m[2] ?? ''} on …" in ${s.name}` };
  }
  return undefined;
}

/** MICROPY_HW_BOARD_NAME and MICROPY_HW_MCU_NAME from the banner ("MicroPython v1.27.0 on 2025-…; mps2-an385 with Cortex-M3"). */
export function bannerBoardName(elf: ElfImage): { board: string; mcu: string } | undefined {
  for (const s of elf.sections) {
    if (!s.loaded || !s.hasData || s.size === 0 || s.size > 64 << 20) continue;
    const bytes = elf.read(s.address, s.size);
    if (!bytes) continue;
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    // The whole banner (v1.9–v1.2x), or its "; BOARD with MCU" tail kept as its own string (v1.27).
    const m = /(?:MicroPython v\d+\.\d+\.\d+[^\0]*? on [^\0;]*|\0); ([^\0;]+?) with ([^\0]+)\0/.exec(text);
    if (m) return { board: m[1]!, mcu: m[2]! };
  }
  return undefined;
}

/** gc_init()'s [start, end): a static heap array, or the linker's start/end symbols. */
export function heapFromElf(elf: ElfImage): ElfFact<{ start: number; end: number }> | undefined {
  for (const name of STATIC_HEAPS) {
    const s = elf.symbols.get(name);
    if (s && s.kind === 'object' && s.size > 0) {
      // A static array: the ports call gc_init(heap, heap + sizeof(heap)).
      return { value: { start: s.address, end: s.address + s.size }, from: `symbol ${name} (${sectionOf(elf, s.address) ?? 'no section'}, ${s.size} B)` };
    }
  }
  for (const [a, b] of HEAP_BOUNDS) {
    const start = elf.address(a);
    const end = elf.address(b);
    if (start !== undefined && end !== undefined && end > start) return { value: { start, end }, from: `symbols ${a} .. ${b}` };
  }
  return undefined;
}

function has(elf: ElfImage, ...names: string[]): boolean {
  return names.some((n) => elf.symbols.has(n));
}

/** Build options detected from the symbols that exist only when the option is on; the rest from the board's hints. */
export function detectStateOptions(elf: ElfImage, hints: FirmwareHints): { options: StateOptions; assumed: string[] } {
  const ws = elf.bits === 64 ? 8 : 4;
  const assumed: string[] = [];
  const v19 = hints.gcVersion.startsWith('v1.9') || hints.gcVersion.startsWith('1.9');
  const options: StateOptions = {
    // mp_stack_check (v1.9–v1.22) / mp_cstack_check (v1.23+) exist only with MICROPY_STACK_CHECK.
    stackCheck: has(elf, 'mp_stack_check', 'mp_cstack_check'),
    pystack: has(elf, 'mp_pystack_init'),
    // m_get_total_bytes_allocated is compiled only with MICROPY_MEM_STATS.
    memStats: hints.memStats ?? has(elf, 'm_get_total_bytes_allocated'),
    finaliser: hints.finaliser,
    split: has(elf, 'gc_add') || hints.split,
    weakref: hints.weakref,
    // gc.threshold() (gc_threshold_obj) exists only with MICROPY_GC_ALLOC_THRESHOLD.
    allocThreshold: has(elf, 'gc_threshold_obj', 'gc_threshold'),
    gcStack: hints.gcStack,
    gcStackEntry: ws,
    collectRetval: false,
    compiler: has(elf, 'mp_compile'),
    emitNative: [...elf.symbols.keys()].some((n) => n.startsWith('emit_native_')),
    // micropython.alloc_emergency_exception_buf exists only when the buffer is allocated at run time.
    emergencyBufDynamic: has(elf, 'mp_alloc_emergency_exception_buf', 'mp_init_emergency_exception_buf'),
    scheduler: has(elf, 'mp_sched_schedule'),
    schedulerStaticNodes: has(elf, 'mp_sched_schedule_node'),
    vmAbort: has(elf, 'mp_sched_vm_abort'),
    mapLookupCache: 0,
    thread: has(elf, 'mp_thread_init'),
  };
  assumed.push(`MICROPY_ALLOC_GC_STACK_SIZE ${hints.gcStack} and MICROPY_ENABLE_FINALISER ${hints.finaliser ? 'on' : 'off'} from the board config`);
  assumed.push('MICROPY_GC_STACK_ENTRY_TYPE size_t (the default)');
  assumed.push('MICROPY_PY_GC_COLLECT_RETVAL off (on only at ROM level EVERYTHING)');
  if (!v19) {
    // On by default from ROM level EXTRA_FEATURES (every port with a REPL worth measuring);
    // no symbol shows it.
    options.mapLookupCache = 128;
    assumed.push('MICROPY_OPT_MAP_LOOKUP_CACHE on with 128 entries (the default from ROM level EXTRA_FEATURES)');
  }
  const minor = /^v?1\.(\d+)/.exec(hints.gcVersion);
  if (!v19 && minor && Number(minor[1]) < 20) {
    // The table follows v1.27's py/mpstate.h (checked on a v1.27.0 build); v1.10–v1.19 moved fields.
    assumed.push(`v1.27's mp_state_ctx layout for ${hints.gcVersion} (older releases order some fields differently)`);
  }
  if (options.thread) throw new UserError(`${elf.path}: a threaded build (mp_thread_init): the root range of each thread's state is not modelled`);
  return { options, assumed };
}

const align = (n: number, a: number): number => Math.ceil(n / a) * a;

/** sizeof(mp_state_mem_t) and the offset of its heap-area fields, as py/mpstate.h of the version lays it out. */
export function memStateLayout(version: string, o: StateOptions, ws: number): { size: number; areaOffset: number } {
  let off = 0;
  if (o.memStats) off += 3 * ws;
  const areaOffset = off;
  if (version.startsWith('v1.9') || version.startsWith('1.9')) {
    // v1.9: the area fields sit directly in mp_state_mem_t.
    off += 2 * ws + (o.finaliser ? ws : 0) + 2 * ws; // atb start, atb len, [ftb], pool start, pool end
    off += 4; // gc_stack_overflow (int)
    off = align(off, ws) + o.gcStack * ws; // size_t gc_stack[]
    off += ws; // gc_sp
    off += 2 + 2; // gc_lock_depth, gc_auto_collect_enabled (uint16_t)
    off = align(off, ws);
    if (o.allocThreshold) off += 2 * ws;
    off += ws; // gc_last_free_atb_index
    if (o.collectRetval) off += ws;
    return { size: align(off, ws), areaOffset };
  }
  // v1.10+: mp_state_mem_area_t area.
  let area = (o.split ? ws : 0) + 2 * ws + (o.finaliser ? ws : 0) + (o.weakref ? ws : 0) + 2 * ws + 2 * ws;
  area = align(area, ws);
  off += area;
  const areaStart = o.split ? areaOffset + ws : areaOffset;
  off += 4; // gc_stack_overflow
  off = align(off, o.gcStackEntry) + o.gcStack * o.gcStackEntry;
  if (o.split) off = align(off, ws) + o.gcStack * ws;
  off = align(off, 2) + 2; // gc_auto_collect_enabled
  off = align(off, ws);
  if (o.allocThreshold) off += 2 * ws;
  if (o.split) off += ws; // gc_last_free_area
  if (o.collectRetval) off += ws;
  return { size: align(off, ws), areaOffset: areaStart };
}

/** Bytes of mp_state_vm_t from qstr_last_chunk to its end. */
export function vmTailSize(version: string, o: StateOptions, ws: number): number {
  let off = 3 * ws; // qstr_last_chunk, qstr_last_alloc, qstr_last_used
  if (version.startsWith('v1.9') || version.startsWith('1.9')) {
    off += ws; // mp_optimise_value
    if (o.emergencyBufDynamic) off += ws;
    return align(off, ws);
  }
  if (o.compiler) {
    off += ws; // mp_optimise_value
    if (o.emitNative) off += 1; // default_emit_opt
  }
  if (o.emergencyBufDynamic) off = align(off, ws) + ws;
  if (o.scheduler) {
    off = align(off, 2) + 2; // sched_state
    if (o.schedulerStaticNodes) off = align(off, ws) + 2 * ws;
    off += 2; // sched_len, sched_idx
  }
  if (o.vmAbort) off = align(off, ws) + 2 * ws;
  off += o.mapLookupCache;
  return align(off, ws);
}

/** Offset of thread.dict_locals in mp_state_ctx: where gc_collect_start() starts scanning. */
export function rootStartOffset(version: string, o: StateOptions, ws: number): number {
  if (version.startsWith('v1.9') || version.startsWith('1.9')) return 0;
  let off = ws; // stack_top
  if (o.stackCheck) off += ws;
  if (o.pystack) off += 3 * ws;
  off += 2; // gc_lock_depth
  return align(off, ws);
}

/** Every MicroPython fact the ELF's symbols give. */
export function firmwareFacts(elf: ElfImage, hints: FirmwareHints): FirmwareFacts {
  const ws: 4 | 8 = elf.bits === 64 ? 8 : 4;
  const types = typeObjects(elf);
  const byName = new Map<string, number>();
  for (const [a, n] of types) byName.set(n, a);
  const facts: FirmwareFacts = {
    file: elf.path,
    bits: elf.bits,
    wordSize: ws,
    machine: elf.machine,
    types,
    typeAddress: (n) => byName.get(n),
  };
  if (types.size) {
    const addrs = [...types.keys()];
    const last = Math.max(...addrs);
    const lastSize = elf.symbols.get(`mp_type_${types.get(last)!}`)?.size ?? ws;
    facts.typesRange = { start: Math.min(...addrs), end: last + Math.max(lastSize, ws) };
  }
  const version = bannerVersion(elf);
  if (version) facts.version = version;
  const heap = heapFromElf(elf);
  if (heap) facts.heap = heap;
  for (const name of STACK_TOPS) {
    const a = elf.address(name);
    if (a !== undefined) {
      facts.stackTop = { value: a, from: `symbol ${name}` };
      break;
    }
  }
  const ctx = elf.symbols.get('mp_state_ctx');
  if (ctx && ctx.size > 0) {
    facts.state = { value: { address: ctx.address, size: ctx.size }, from: `symbol mp_state_ctx (${sectionOf(elf, ctx.address) ?? 'no section'}, ${ctx.size} B)` };
    const layoutVersion = version ? `v${version.value}` : hints.gcVersion;
    const { options, assumed } = detectStateOptions(elf, { ...hints, gcVersion: layoutVersion });
    facts.stateOptions = options;
    const mem = memStateLayout(layoutVersion, options, ws);
    const tail = vmTailSize(layoutVersion, options, ws);
    const start = ctx.address + rootStartOffset(layoutVersion, options, ws);
    const end = ctx.address + ctx.size - mem.size - tail;
    const layoutName = layoutVersion.startsWith('v1.9') || layoutVersion.startsWith('1.9') ? 'v1.9' : 'v1.10+';
    if (end > start && (end - start) % ws === 0) {
      facts.roots = {
        value: { start, end, words: (end - start) / ws },
        from: `mp_state_ctx with py/mpstate.h's ${layoutName} layout (thread.dict_locals .. vm.qstr_last_chunk)`,
        inferred: `assumes ${assumed.join('; ')}`,
      };
      // v1.9: thread = {dict_locals, dict_globals, nlr_top, stack_top, …}; v1.10+: stack_top first.
      facts.stackTopField = {
        value: ctx.address + (layoutName === 'v1.9' ? 3 * ws : 0),
        from: `mp_state_ctx.thread.stack_top (${layoutName} layout)`,
      };
      facts.heapAreaFields = {
        value: ctx.address + ctx.size - mem.size + mem.areaOffset,
        from: `mp_state_ctx.mem (${layoutName} layout)`,
        inferred: facts.roots.inferred!,
      };
    }
  }
  return facts;
}

/** readElf + firmwareFacts. */
export async function loadFirmware(path: string, hints: FirmwareHints): Promise<FirmwareFacts> {
  return firmwareFacts(await readElf(path), hints);
}

/** The board's hints for the ELF reader. */
export function hintsFor(spec: BoardSpec): FirmwareHints {
  return {
    gcVersion: spec.gc.version,
    gcStack: spec.gc.gcStack,
    finaliser: spec.gc.finaliser,
    split: spec.gc.split,
    weakref: spec.gc.weakref,
    memStats: spec.memStats,
  };
}

/** One board value the ELF set (or checked). */
export interface ElfApplied {
  /** The board-config key, e.g. "heap.start". */
  key: string;
  value: string;
  from: string;
  /** The config's value before, when it differed. */
  was?: string;
  inferred?: string;
}

/**
 * The board with the ELF's facts in place of the config's: the heap bounds, the root range,
 * the type objects, and the stack top when the config's is only inferred. The result goes
 * through the same path as any board (buildBoard → engine). Values the ELF settles are no
 * longer listed as inferred.
 */
export function applyFirmware(spec: BoardSpec, facts: FirmwareFacts): { spec: BoardSpec; applied: ElfApplied[]; notes: string[] } {
  const out: BoardSpec = {
    ...spec,
    heap: { ...spec.heap },
    rootSection: { ...spec.rootSection },
    stack: { ...spec.stack },
    inferred: { ...spec.inferred },
  };
  const applied: ElfApplied[] = [];
  const notes: string[] = [];
  const set = (key: string, value: number, was: number, from: string, inferred?: string): void => {
    const a: ElfApplied = { key, value: hex(value), from };
    if (value !== was) a.was = hex(was);
    if (inferred) a.inferred = inferred;
    applied.push(a);
    if (!inferred) delete out.inferred[key];
  };
  if (facts.wordSize !== spec.gc.wordSize) {
    throw new UserError(`${facts.file}: a ${facts.bits}-bit firmware, but board ${spec.id} has ${spec.gc.wordSize * 8}-bit words`);
  }
  if (facts.heap) {
    const { start, end } = facts.heap.value;
    set('heap.start', start, spec.heap.start, facts.heap.from);
    set('heap.end', end, spec.heap.end, facts.heap.from);
    out.heap.start = start;
    out.heap.end = end;
    delete out.inferred['heap'];
  } else {
    notes.push(`${facts.file}: no heap symbol (${STATIC_HEAPS.join(', ')}, or ${HEAP_BOUNDS.map((p) => p.join('/')).join(', ')}): the config's heap is kept`);
  }
  if (facts.roots) {
    const r = facts.roots.value;
    set('rootSection.address', r.start, spec.rootSection.address, facts.roots.from, facts.roots.inferred);
    applied.push({ key: 'rootSection.words', value: String(r.words), from: facts.roots.from, ...(r.words !== spec.rootSection.words ? { was: String(spec.rootSection.words) } : {}) });
    out.rootSection = { address: r.start, words: r.words };
    delete out.inferred['rootSection'];
    delete out.inferred['rootSection.address'];
    delete out.inferred['rootSection.words'];
    out.inferred['rootSection.words'] = `from the ELF's mp_state_ctx; ${facts.roots.inferred}`;
  } else {
    notes.push(`${facts.file}: no mp_state_ctx symbol with a size: the config's root section is kept`);
  }
  const known: Partial<Record<TypeName, number>> = {};
  for (const n of ENGINE_TYPES) {
    const a = facts.typeAddress(n);
    if (a !== undefined) known[n] = a;
  }
  if (Object.keys(known).length) {
    // The engine's table (other, fin) goes beside the real objects: the lowest of them.
    const base = Math.min(...(Object.values(known) as number[]));
    set('typesBase', base, spec.typesBase, `the lowest of the mp_type_* objects the engine models (all ${facts.types.size}: ${hex(facts.typesRange!.start)} .. ${hex(facts.typesRange!.end)})`);
    out.typesBase = base;
    delete out.inferred['typesBase'];
    out.typeAddresses = known;
    applied.push({ key: 'types', value: Object.entries(known).map(([n, a]) => `${n}=${hex(a!)}`).join(' '), from: 'the mp_type_* symbols' });
    delete out.inferred['types'];
  }
  if (facts.stackTop) {
    if (spec.inferred['stack.top'] !== undefined || spec.inferred['stack'] !== undefined) {
      set('stack.top', facts.stackTop.value, spec.stack.top, facts.stackTop.from);
      out.stack.top = facts.stackTop.value;
      delete out.inferred['stack.top'];
    } else if (facts.stackTop.value !== spec.stack.top) {
      notes.push(
        `${facts.stackTop.from} is ${hex(facts.stackTop.value)}; the config's measured stack_top ${hex(spec.stack.top)} is kept (the firmware records its stack top inside main's frame, a few words below)`,
      );
    }
  }
  return { spec: out, applied, notes };
}
