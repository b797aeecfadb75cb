// Where the interpreter state is on the device: the heap areas' descriptors, the root-pointer
// range gc_collect_start() scans, and MP_STATE_THREAD(stack_top). Found from facts the
// firmware itself gives, reading only inside mp_state_ctx:
//  - id(globals()) at the top level is &MP_STATE_VM(dict_main), a dict embedded in
//    mp_state_ctx (py/mpstate.h, v1.9 and v1.27 alike);
//  - gc_collect_start() scans from thread.dict_locals, and at the top level of the raw REPL
//    dict_locals and dict_globals both hold &dict_main (mp_init sets them so): the first
//    word pair (G, G) below dict_main is the root range's start;
//  - the heap-area fields (v1.9.x: gc_alloc_table_start … gc_pool_end straight in
//    mp_state_mem; v1.10+: an mp_state_mem_area_t) hold the pool start the dump printed and
//    the pool end = pool start + the area's bytes, as two consecutive words, after dict_main;
//    the words before them are the ATB start and length (and the FTB/WTB starts);
//  - the range ends at vm.qstr_last_chunk, recognised as a pointer to a heap head followed by
//    qstr_last_alloc and qstr_last_used (used ≤ alloc ≤ the chunk's bytes);
//  - stack_top is a field of the thread state: v1.9 right after dict_locals, dict_globals and
//    nlr_top; v1.10+ first in the struct, before stack_limit (stack check), the pystack
//    pointers and gc_lock_depth.
// The searches run on the device (next() over a generator), so they stop at the match and
// never read past it. With the firmware's ELF the root range comes from its symbols instead
// (src/elf/firmware.ts) and the device's words only confirm it.

import type { FirmwareFacts } from '../elf/firmware.js';
import type { DumpArea } from '../memdump/index.js';
import { type Executor, execOwn } from './device.js';
import { type Reader, type Region, damagedReadMessage, decodeRead, halfwordExpr, readStatements, withM, words } from './memread.js';

export interface LocatedArea {
  atbStart: number;
  atbLen: number;
  poolStart: number;
  poolEnd: number;
  finaliser: boolean;
  weakref: boolean;
}

export interface LocatedState {
  reader: Reader;
  areas: LocatedArea[];
  roots: { start: number; end: number; from: string };
  /** MP_STATE_THREAD(stack_top)'s value and where it is; limit = MP_STATE_THREAD(stack_limit) (the next word). */
  stackTop?: { value: number; at: number; limit: number };
  /** micropython.stack_use() in the probe command (a lower bound for the read's depth). */
  probeStackUse?: number;
  /** micropython.stack_use() exists (MICROPY_STACK_CHECK): the stack depth can be read. */
  stackUse: boolean;
  notes: string[];
}

export class LocateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocateError';
  }
}

const hx = (n: number): string => '0x' + n.toString(16);
const SEARCH_BYTES = 4096;

let stopRetrying: (() => boolean) | undefined;

async function run(repl: Executor, code: string, what: string, timeoutMs?: number): Promise<string> {
  // These commands raise nothing by themselves: an exception is a byte lost on the way in
  // (a damaged address makes the reader raise before reading: see withM), so send it again.
  const r = await execOwn(repl, code, { ...(timeoutMs !== undefined ? { timeoutMs } : {}) }, { retry: () => !stopRetrying?.(), cannotRaise: true });
  if (r.stderr) {
    const last = r.stderr.trim().split(/\r?\n/).pop() ?? '';
    const damaged = damagedReadMessage(last);
    throw new LocateError(damaged ? `${what}: ${damaged}` : `${what} raised on the board: ${last}`);
  }
  return r.stdout;
}

/** Expression true when the ws-byte word at address expression `a` equals v. */
function wordIs(reader: Reader, a: string, v: number, ws: 4 | 8): string {
  const parts: string[] = [];
  for (let k = 0; k < ws / 2; k++) parts.push(`${halfwordExpr(reader, k ? `${a}+${2 * k}` : a)}==${Math.floor(v / 2 ** (16 * k)) % 0x10000}`);
  return parts.join(' and ');
}

/** A device-side search for two consecutive words (v0, v1) from `from` in steps of `step`; prints the address or -1. */
export function searchCode(reader: Reader, from: number, to: number, step: number, v0: number, v1: number, ws: 4 | 8): string {
  // The words it may compare: two from every a the range gives.
  const span = step > 0 ? { start: from, end: to - 1 + 2 * ws } : { start: to + 1, end: from + 2 * ws };
  // next() with a default is v1.10+; StopIteration works everywhere.
  return [
    'try:',
    ` print(${withM(reader, `next(a for a in range(${from},${to},${step}) if ${wordIs(reader, 'a', v0, ws)} and ${wordIs(reader, `a+${ws}`, v1, ws)})`, span)})`,
    'except StopIteration:',
    ' print(-1)',
  ].join('\n');
}

export interface LocateOptions {
  version?: string | undefined;
  platform?: string | undefined;
  wordSize: 4 | 8;
  blockSize: number;
  facts?: FirmwareFacts | undefined;
  timeoutMs?: number | undefined;
  /** True once the user interrupted: a command cut short is then not sent again. */
  interrupted?: (() => boolean) | undefined;
}

function isV19(version: string | undefined): boolean {
  return /^1\.9\./.test(version ?? '');
}

export async function locateState(repl: Executor, dumpAreas: DumpArea[], o: LocateOptions): Promise<LocatedState> {
  const ws = o.wordSize;
  const bs = o.blockSize;
  const notes: string[] = [];
  stopRetrying = o.interrupted;
  const probe = await run(
    repl,
    [
      'print(id(globals()))',
      "print(dir(__import__('micropython')))",
      'try:',
      " __import__('machine').mem16",
      ' print(1)',
      'except:',
      ' print(0)',
      'try:',
      " __import__('uctypes').bytearray_at",
      ' print(1)',
      'except:',
      ' print(0)',
      'try:',
      " print(__import__('micropython').stack_use())",
      'except:',
      ' print(0)',
    ].join('\n'),
    'probing the board',
    o.timeoutMs,
  );
  const lines = probe.split(/\r?\n/);
  const g = Number(lines[0]);
  if (!Number.isSafeInteger(g) || g <= 0) throw new LocateError(`id(globals()) printed "${lines[0]}", not an address`);
  const mpDir = lines[1] ?? '';
  const stackUse = /'stack_use'/.test(mpDir);
  const pystack = /'pystack_use'/.test(mpDir);
  const hasMem16 = lines[2] === '1';
  const hasUctypes = lines[3] === '1';
  const probeUse = Number(lines[4]);
  // uctypes views print a whole region per line; mem16 prints every halfword in decimal.
  const reader: Reader | undefined = hasUctypes ? 'uctypes' : hasMem16 ? 'mem16' : undefined;
  if (!reader) throw new LocateError('this firmware has neither uctypes nor machine.mem16, so its memory cannot be read from Python');

  // The root range's start: the (G, G) pair below dict_main.
  const rOut = await run(repl, searchCode(reader, g - ws, g - SEARCH_BYTES, -ws, g, g, ws), 'searching for the root pointers', o.timeoutMs);
  const rootStart = Number(rOut.trim());
  if (!(rootStart > 0)) throw new LocateError(`no dict_locals/dict_globals pair equal to id(globals()) (${hx(g)}) in the ${SEARCH_BYTES} bytes below it: not a layout this tool knows`);

  // Area 0's pool-start field: the (pool start, pool end) pair above dict_main.
  const a0 = dumpAreas[0]!;
  const poolEnd0 = a0.start + a0.blocks * bs;
  const pOut = await run(repl, searchCode(reader, g, g + SEARCH_BYTES, ws, a0.start, poolEnd0, ws), 'searching for the heap area fields', o.timeoutMs);
  const poolField = Number(pOut.trim());
  if (!(poolField > 0)) {
    throw new LocateError(`no heap-area fields (pool ${hx(a0.start)} .. ${hx(poolEnd0)}) in the ${SEARCH_BYTES} bytes above id(globals()) (${hx(g)})`);
  }

  // stack_top's place in the thread state (see the header).
  const v19 = isV19(o.version);
  const stackTopAt = v19 ? rootStart + 3 * ws : rootStart - Math.ceil((ws * (1 + (stackUse ? 1 : 0) + (pystack ? 3 : 0)) + 2) / ws) * ws;
  const base = Math.min(rootStart, stackTopAt);
  const end = Math.max(poolField + 2 * ws, stackTopAt + 2 * ws);
  const stateRegion: Region = { start: base, end, name: 'interpreter state' };
  const [state] = decodeRead(reader, await run(repl, readStatements(reader, [stateRegion]), 'reading the interpreter state', o.timeoutMs), [stateRegion]);
  const W = words(state!, ws);
  const at = (addr: number): number => W[(addr - base) / ws]!;

  // The ATB start and length and the FTB/WTB starts just below the pool-start field.
  const fields = (p: number, area: DumpArea): { area: LocatedArea; k: number } | undefined => {
    for (let k = 2; k <= 4; k++) {
      if (p - k * ws < base) break;
      const atb = at(p - k * ws);
      const len = at(p - (k - 1) * ws);
      if (len * 4 !== area.blocks || atb + len > area.start) continue;
      let ok = true;
      for (let j = k - 2; j >= 1; j--) {
        const t = at(p - j * ws);
        if (t < atb + len || t >= area.start) ok = false;
      }
      if (ok) return { area: { atbStart: atb, atbLen: len, poolStart: area.start, poolEnd: area.start + area.blocks * bs, finaliser: k >= 3, weakref: k >= 4 }, k };
    }
    return undefined;
  };
  const first = fields(poolField, a0);
  if (!first) throw new LocateError(`the words below the pool-start field at ${hx(poolField)} are not an ATB start and length for ${a0.blocks} blocks`);
  const areas = [first.area];
  notes.push(
    `heap area fields at ${hx(poolField - first.k * ws)} (found on the board from id(globals()) = ${hx(g)}): ATB ${hx(first.area.atbStart)} (${first.area.atbLen} B), pool ${hx(a0.start)} .. ${hx(poolEnd0)}, finaliser table ${first.area.finaliser ? 'present' : 'absent'}`,
  );

  // Further areas (split heap): each descriptor's `next` is the word before its ATB start.
  let next = dumpAreas.length > 1 ? at(poolField - (first.k + 1) * ws) : 0;
  const seen = new Set<number>();
  while (areas.length < dumpAreas.length) {
    if (!next || seen.has(next)) throw new LocateError(`the heap-area chain ends after ${areas.length} of the dump's ${dumpAreas.length} areas`);
    seen.add(next);
    const n = first.k + 3;
    const r: Region = { start: next, end: next + n * ws, name: `area descriptor at ${hx(next)}` };
    const [d] = decodeRead(reader, await run(repl, readStatements(reader, [r]), 'reading a heap-area descriptor', o.timeoutMs), [r]);
    const dw = words(d!, ws);
    const pool = dw[first.k + 1]!;
    const area = dumpAreas.find((x) => x.start === pool);
    if (!area) throw new LocateError(`the area descriptor at ${hx(next)} names pool ${hx(pool)}, which the dump does not print`);
    const atb = dw[1]!;
    const len = dw[2]!;
    if (len * 4 !== area.blocks) throw new LocateError(`the area descriptor at ${hx(next)} gives an ATB of ${len} B for ${area.blocks} blocks`);
    areas.push({ atbStart: atb, atbLen: len, poolStart: pool, poolEnd: pool + area.blocks * bs, finaliser: first.area.finaliser, weakref: first.area.weakref });
    next = dw[0]!;
  }
  // gc_dump_alloc_table prints the areas in chain order; keep the dump's order.
  areas.sort((x, y) => dumpAreas.findIndex((a) => a.start === x.poolStart) - dumpAreas.findIndex((a) => a.start === y.poolStart));

  // Where the root range ends.
  let roots: LocatedState['roots'] | undefined;
  if (o.facts?.roots) {
    const fr = o.facts.roots.value;
    // An ELF of another build would send the read to addresses this firmware may not own.
    if (fr.start !== rootStart || fr.end <= rootStart || fr.end > poolField) {
      throw new LocateError(
        `${o.facts.file}: its root range ${hx(fr.start)} .. ${hx(fr.end)} does not fit this board's state (dict_locals at ${hx(rootStart)}, heap fields at ${hx(poolField)}): is it this board's firmware?`,
      );
    }
    roots = { start: fr.start, end: fr.end, from: `${o.facts.file}: ${o.facts.roots.from}` };
  } else {
    // The chunk's size from the dump: a head's blocks (strict), or — when the dump is older
    // than the state read — only the room left in its area. The chunk can be newer than the
    // dump: compiling a command that names an attribute the firmware has no ROM qstr for
    // (this tool's own probes, on some ports) interns it, and a full chunk is replaced by a
    // fresh one, allocated in blocks the parser has just freed (seen on the WebAssembly
    // port: the chunk sat where the dump printed a 1-block bytearray).
    const chunkRoom = (w: number, strict: boolean): number | undefined => {
      for (const a of dumpAreas) {
        const end = a.start + a.blocks * bs;
        if (w < a.start || w >= end || (w - a.start) % bs) continue;
        if (!strict) return end - w;
        const b = (w - a.start) / bs;
        const c = a.map[b];
        if (c === undefined || c === '.' || c === '=' || c === '?') return undefined;
        let n = 1;
        while (a.map[b + n] === '=') n++;
        return n * bs;
      }
      return undefined;
    };
    const lastField = poolField - first.k * ws;
    // qstr_last_chunk, qstr_last_alloc, qstr_last_used: the nearest such triple below the heap
    // fields. v1.9.x firmwares have a fixed layout to fall back on before the loose match.
    const find = (strict: boolean): void => {
      for (let p = lastField - 3 * ws; p >= rootStart && !roots; p -= ws) {
        const room = chunkRoom(at(p), strict);
        const alloc = at(p + ws);
        const used = at(p + 2 * ws);
        if (room !== undefined && used > 0 && used <= alloc && alloc <= room) {
          roots = { start: rootStart, end: p, from: `the board's state: dict_locals at ${hx(rootStart)} .. vm.qstr_last_chunk at ${hx(p)}${strict ? '' : ' (a chunk newer than the dump)'}` };
        }
      }
    };
    find(true);
    if (!roots && v19) {
      // v1.9.x: qstr_last_chunk, _alloc, _used and mp_optimise_value sit right below the heap fields (no MICROPY_MEM_STATS).
      roots = { start: rootStart, end: lastField - 4 * ws, from: `py/mpstate.h v1.9 layout below the heap fields (inferred: no live qstr chunk to recognise)` };
    }
    if (!roots) find(false);
    if (!roots) throw new LocateError(`could not find vm.qstr_last_chunk between ${hx(rootStart)} and ${hx(lastField)}: pass --elf FILE to take the root range from the firmware's symbols`);
  }
  notes.push(`root pointers ${hx(roots.start)} .. ${hx(roots.end)} (${(roots.end - roots.start) / ws} words) from ${roots.from}`);

  const out: LocatedState = { reader, areas, roots, stackUse, notes };
  if (probeUse > 0) out.probeStackUse = probeUse;
  const top = at(stackTopAt);
  if (o.platform === 'webassembly') {
    notes.push('no stack: the WebAssembly port collects at the top level with the root pointers only (ports/webassembly gc_collect_top_level)');
  } else if (!stackUse) {
    notes.push('no stack: this firmware has no micropython.stack_use() (MICROPY_STACK_CHECK off), so the stack pointer cannot be learnt from Python');
  } else if (top % ws !== 0 || top <= roots.end) {
    notes.push(`no stack: the word at ${hx(stackTopAt)} (${hx(top)}) is not a stack top`);
  } else {
    const limit = at(stackTopAt + ws);
    out.stackTop = { value: top, at: stackTopAt, limit };
    notes.push(`stack top ${hx(top)} (MP_STATE_THREAD(stack_top) at ${hx(stackTopAt)}), limit ${limit} B`);
  }
  return out;
}
