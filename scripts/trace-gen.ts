// Seeded random gctraces for MicroPython v1.9.4's gc.c (FORMAT.md), for differential fuzzing
// of the engine against the real C code (scripts/oracle-fuzz.ts, test/oracle). Each seed
// picks a configuration and a "mood" (mix of operations) so that the traces reach the
// corners: heap exhaustion, mark-stack overflow (long pointer chains with a tiny gcstack),
// finalisers, conservative false pointers, thresholds, locks, realloc in place and moving.

import { rng } from './bench-gen.js';

export interface GenOptions {
  /** Operations after the header (default 300..1500, by seed). */
  ops?: number;
  /** Allow more `unlock`s than `lock`s (gc_lock_depth is a uint16_t in v1.9.4). */
  unbalancedUnlock?: boolean;
}

export interface Gen194Options extends GenOptions {
  /**
   * `gc v1.9.4` (default) or `gc v1.9.2`. v1.9.2 traces also draw mark stacks of 1 entry
   * and the BBC micro:bit's 32, where v1.9.2's gc_drain_stack overflows.
   */
  version?: 'v1.9.2' | 'v1.9.4';
}

const TYPES = ['tuple', 'list', 'dict', 'str', 'bytes', 'bytearray', 'array', 'float', 'fun_bc', 'module', 'other', 'fin'];

const hex = (n: number): string => '0x' + n.toString(16);

/** A v1.9.4 (or v1.9.2) trace for `seed`: same seed, same text. */
export function randomTrace194(seed: number, opts: Gen194Options = {}): string {
  const version = opts.version ?? 'v1.9.4';
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  const chance = (p: number): boolean => r() < p;

  const word = chance(0.35) ? 8 : 4;
  const block = pick(word === 8 ? [16, 32, 32, 64] : [16, 16, 32, 64]);
  const fin = chance(0.7);
  const gcstack = version === 'v1.9.2' ? pick([1, 2, 3, 4, 8, 32, int(2, 64), 32]) : pick([2, 3, 4, 8, int(2, 64), 64]);
  const clear = chance(0.4);
  // Heap: a few real-looking bases, unaligned start and end (gc_init aligns only the end).
  const bases = word === 8 ? [0x5555_0000_0000, 0x3000_0000_0000, 0x1_0000_0000] : [0x2000_0000, 0x2020_0000, 0x3ffb_0000, 0x6000_0000];
  // At least 32 blocks: smaller heaps have no room for the tables and one ATB byte.
  const size = Math.max(32 * block, pick([256, 512, 1024, 2048, 4096, 8192, 16384, 65536, int(300, 40000)]));
  const start = pick(bases) + int(0, 0x3ff);
  const end = start + size + int(0, 15);
  const out = [`gc ${version}`, `word ${word}`, `block ${block}`, `finaliser ${fin ? 1 : 0}`, `gcstack ${gcstack}`, `clear ${clear ? 1 : 0}`, `heap ${hex(start)} ${hex(end)}`];

  // Mood: weights of the operation groups.
  const mood = {
    alloc: 30 + int(0, 30),
    big: pick([0, 1, 3, 8]),
    free: int(2, 15),
    realloc: int(2, 15),
    link: int(5, 30),
    chain: pick([0, 0, 5, 15]),
    setw: int(0, 8),
    type: int(2, 15),
    root: int(2, 10),
    collect: int(1, 6),
    ctl: int(0, 4),
    lock: pick([0, 0, 1, 3]),
    show: int(1, 6),
  };
  const groups = Object.entries(mood) as Array<[keyof typeof mood, number]>;
  const total = groups.reduce((s, [, w]) => s + w, 0);
  const nOps = opts.ops ?? int(300, 1500);
  const names: string[] = [];
  // Half the traces hold block 0 for good (rooted in slot 31, never freed): v1.9.4's stale
  // free-run count can then never make a block start before the pool (a device crash, which
  // ends a trace), so exhaustion and double collections run on to the end.
  const pinned = chance(0.5);
  if (pinned) out.push(`alloc o0 ${int(1, 2 * block)}`, 'root 31 o0');
  const slot = (): number => int(0, pinned ? 30 : 31);
  const anyName = (): string => (names.length ? pick(names) : 'o0');
  const recent = (): string => (names.length ? names[Math.max(0, names.length - 1 - int(0, 6))]! : 'o0');
  const newName = (): string => {
    // Reuse a name now and then: the old handle value is dropped.
    if (names.length > 8 && chance(0.1)) return pick(names);
    const n = `o${names.length + 1}`;
    names.push(n);
    return n;
  };
  const wordsIn = (bytes: number): number => Math.max(1, Math.ceil(bytes / word));
  // Values inside the heap range act as (possibly false) conservative pointers; outside it
  // they must be odd (FORMAT.md: tagged small ints, never a type object's address).
  const value = (): string => {
    if (chance(0.3)) {
      const a = start + int(0, end - start - 1);
      return hex(chance(0.5) ? a - (a % block) : a);
    }
    return String(int(0, 100000) * 2 + 1);
  };

  const st: OpState = { out, pick, int, chance, anyName, recent, newName, value, wordsIn, word, block, slot: slot, unbalancedUnlock: !!opts.unbalancedUnlock, locks: 0, lastChain: null };
  for (let i = 0; i < nOps; i++) {
    let x = r() * total;
    let g: keyof typeof mood = 'alloc';
    for (const [k, w] of groups) {
      if (x < w) {
        g = k;
        break;
      }
      x -= w;
    }
    if (names.length < 3) g = 'alloc';
    switch (g) {
      case 'alloc': {
        const n = newName();
        const sz = chance(0.85) ? int(0, 3 * block) : int(0, 16 * block);
        const f = chance(0.25);
        out.push(`alloc ${n} ${sz}${f ? ' fin' : ''}`);
        if (f && chance(0.7)) out.push(`type ${n} fin`);
        break;
      }
      case 'big':
        out.push(`alloc ${newName()} ${int(Math.floor(size / 8), size)}${chance(0.2) ? ' fin' : ''}`);
        break;
      case 'free':
        out.push(`free ${chance(0.8) ? recent() : anyName()}`);
        break;
      case 'realloc': {
        const sz = chance(0.1) ? 0 : chance(0.8) ? int(1, 4 * block) : int(1, size / 2);
        out.push(`realloc ${anyName()} ${sz}${chance(0.25) ? ' nomove' : ''}`);
        break;
      }
      default:
        commonOp(g, st);
    }
  }
  while (st.locks > 0) {
    out.push('unlock');
    st.locks--;
  }
  out.push('collect', 'info', 'dump', 'stats');
  return out.join('\n') + '\n';
}

export interface Gen128Options extends GenOptions {
  /** Force `gc v1.27` or `gc v1.28` (default: by seed). */
  version?: 'v1.27' | 'v1.28';
}

/**
 * A v1.27/v1.28 trace for `seed` (same seed, same text), for the C oracle's v1.28 profile:
 * split heaps of 2–3 areas (some added only mid-trace, some below the first), weakref
 * (v1.28 with the finaliser), word 4/8, blocks 16/32/64, realloc grow/shrink/move and
 * nomove, frees, locks, thresholds, auto 0/1, heap exhaustion, mark-stack overflow, and
 * conservative (false) pointers into every area.
 */
export function randomTrace128(seed: number, opts: Gen128Options = {}): string {
  const r = rng(seed ^ 0x5eed128);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  const chance = (p: number): boolean => r() < p;

  const version = opts.version ?? (chance(0.5) ? 'v1.28' : 'v1.27');
  const word = chance(0.35) ? 8 : 4;
  const block = pick(word === 8 ? [16, 32, 32, 64] : [16, 16, 32, 64]);
  const fin = chance(0.75);
  const weakref = version === 'v1.28' && fin && chance(0.6);
  const split = chance(0.55);
  const gcstack = pick([1, 2, 3, 4, 8, int(2, 64), 64, 256]);
  const clear = chance(0.4);
  const bases = word === 8 ? [0x5555_0000_0000, 0x3000_0000_0000, 0x7f00_0000_0000] : [0x2000_0000, 0x2020_0000, 0x3ffb_0000, 0x6000_0000, 0x1000_0000];
  // gc_setup_area's table sizes round up (FTB/WTB: ceil(blocks / 8)), so a tight range can
  // end with its pool overlapping the last table byte: gc.c asserts against that (a debug
  // build stops) and the engine refuses such a heap. Such ranges are grown until they fit.
  const structBytes = (1 + (split ? 1 : 0) + (fin ? 1 : 0) + (weakref ? 1 : 0) + 5) * word;
  const fits = (start: number, end: number, added: boolean): boolean => {
    const s = start + (added ? structBytes : 0);
    const e = end - (end % block);
    const atb = Math.floor(((e - s - 1) * 8) / (8 + (fin ? 4 : 0) + (weakref ? 4 : 0) + 32 * block));
    const tables = atb + 1 + (fin ? Math.ceil((atb * 4) / 8) : 0) + (weakref ? Math.ceil((atb * 4) / 8) : 0);
    return atb > 0 && s + tables <= e - atb * 4 * block;
  };
  const grown = (start: number, end: number, added: boolean): number => {
    while (!fits(start, end, added)) end += 1 + int(0, 7);
    return end;
  };
  const areaSize = (): number => Math.max(40 * block, pick([512, 1024, 2048, 4096, 8192, 16384, int(300, 20000)]));
  // Areas: the first at a base; later ones above it (mostly) or below it, with gaps, never
  // overlapping. Unaligned starts and ends (gc_init/gc_add align only the end).
  const first = pick(bases) + 0x10000 + int(0, 0x3ff);
  const heaps: Array<[number, number]> = [[first, grown(first, first + areaSize() + int(0, 15), false)]];
  if (split) {
    const n = chance(0.5) ? 2 : 3;
    let hi = heaps[0]![1];
    let lo = heaps[0]![0];
    for (let k = 1; k < n; k++) {
      const sz = areaSize() + int(0, 15);
      if (chance(0.2) && lo - sz - 0x1000 > 0x8000) {
        const e = lo - int(0x100, 0x1000);
        let s = e - sz;
        while (!fits(s, e, true)) s -= 1 + int(0, 7);
        heaps.push([s, e]);
        lo = s;
      } else {
        const s = hi + int(0, 0x1000) + (chance(0.5) ? 0 : 0x2000);
        const e = grown(s, s + sz, true);
        heaps.push([s, e]);
        hi = e;
      }
    }
  }
  const out = [`gc ${version}`, `word ${word}`, `block ${block}`, `finaliser ${fin ? 1 : 0}`, `split ${split ? 1 : 0}`];
  if (version === 'v1.28') out.push(`weakref ${weakref ? 1 : 0}`);
  out.push(`gcstack ${gcstack}`, `clear ${clear ? 1 : 0}`);
  // Some added areas arrive mid-trace (gc_add after allocations).
  const lateFrom = chance(0.4) ? int(1, heaps.length - 1) : heaps.length;
  for (let k = 0; k < lateFrom; k++) out.push(`heap ${hex(heaps[k]![0])} ${hex(heaps[k]![1])}`);
  const pending = heaps.slice(lateFrom);
  const live: Array<[number, number]> = heaps.slice(0, lateFrom);
  const total = heaps.reduce((s, [a, b]) => s + (b - a), 0);

  const mood = {
    alloc: 30 + int(0, 30),
    big: pick([0, 1, 3, 8]),
    free: int(2, 15),
    realloc: int(2, 15),
    link: int(5, 30),
    chain: pick([0, 0, 5, 15]),
    setw: int(0, 8),
    type: int(2, 15),
    root: int(2, 10),
    collect: int(1, 6),
    ctl: int(0, 4),
    lock: pick([0, 0, 1, 3]),
    show: int(1, 6),
    weak: weakref ? int(1, 10) : 0,
  };
  const groups = Object.entries(mood) as Array<[keyof typeof mood, number]>;
  const weightSum = groups.reduce((s, [, w]) => s + w, 0);
  const nOps = opts.ops ?? int(300, 1500);
  const names: string[] = [];
  const weakNames = new Set<string>();
  const anyName = (): string => (names.length ? pick(names) : 'o1');
  const recent = (): string => (names.length ? names[Math.max(0, names.length - 1 - int(0, 6))]! : 'o1');
  const newName = (): string => {
    if (names.length > 8 && chance(0.1)) return pick(names);
    const n = `o${names.length + 1}`;
    names.push(n);
    return n;
  };
  const wordsIn = (bytes: number): number => Math.max(1, Math.ceil(bytes / word));
  // Inside a heap range: (possibly false) conservative pointers; outside: odd small ints.
  const value = (): string => {
    if (chance(0.3)) {
      const [s, e] = pick(live);
      const a = s + int(0, e - s - 1);
      return hex(chance(0.5) ? a - (a % block) : a);
    }
    return String(int(0, 100000) * 2 + 1);
  };

  const st: OpState = { out, pick, int, chance, anyName, recent, newName, value, wordsIn, word, block, slot: () => int(0, 31), unbalancedUnlock: !!opts.unbalancedUnlock, locks: 0, lastChain: null };
  for (let i = 0; i < nOps; i++) {
    // A held lock is released within a few dozen operations (else most allocations of a
    // trace would just return NULL for being locked).
    if (st.locks > 0 && chance(0.05)) {
      out.push('unlock');
      st.locks--;
    }
    if (pending.length && chance(1 / Math.max(50, nOps / 3))) {
      const h = pending.shift()!;
      out.push(`heap ${hex(h[0])} ${hex(h[1])}`);
      live.push(h);
    }
    let x = r() * weightSum;
    let g: keyof typeof mood = 'alloc';
    for (const [k, w] of groups) {
      if (x < w) {
        g = k;
        break;
      }
      x -= w;
    }
    if (names.length < 3) g = 'alloc';
    switch (g) {
      case 'alloc': {
        const n = newName();
        const sz = chance(0.85) ? int(0, 3 * block) : int(0, 16 * block);
        const f = chance(0.25);
        out.push(`alloc ${n} ${sz}${f ? ' fin' : ''}`);
        if (f && chance(0.7)) out.push(`type ${n} fin`);
        break;
      }
      case 'big':
        out.push(`alloc ${newName()} ${int(Math.floor(total / 16), Math.floor(total / 2))}${chance(0.2) ? ' fin' : ''}`);
        break;
      case 'free': {
        // Freeing an object with a weakref is an assert in gc_free (a debug build stops):
        // rare here, as in real code.
        let n = chance(0.8) ? recent() : anyName();
        if (weakNames.has(n) && !chance(0.05)) n = anyName();
        out.push(`free ${n}`);
        break;
      }
      case 'realloc': {
        const sz = chance(0.1) ? 0 : chance(0.8) ? int(1, 4 * block) : int(1, Math.floor(total / 3));
        out.push(`realloc ${anyName()} ${sz}${chance(0.25) ? ' nomove' : ''}`);
        break;
      }
      case 'weak': {
        const n = chance(0.7) ? recent() : anyName();
        weakNames.add(n);
        out.push(`weak ${n}`);
        break;
      }
      default:
        commonOp(g, st);
    }
  }
  for (const h of pending) out.push(`heap ${hex(h[0])} ${hex(h[1])}`);
  while (st.locks > 0) {
    out.push('unlock');
    st.locks--;
  }
  out.push('collect', 'info', 'dump', 'stats');
  return out.join('\n') + '\n';
}

/** What the operation kinds both generators share need of a generator's state. */
interface OpState {
  out: string[];
  pick: <T>(xs: readonly T[]) => T;
  int: (lo: number, hi: number) => number;
  chance: (p: number) => boolean;
  anyName: () => string;
  recent: () => string;
  newName: () => string;
  value: () => string;
  wordsIn: (bytes: number) => number;
  word: number;
  block: number;
  slot: () => number;
  unbalancedUnlock: boolean;
  locks: number;
  lastChain: string | null;
}

/**
 * Pointer stores, chains, raw words, types, roots, collections, pacing controls, locks and
 * output lines: the same in both profiles (the draws from the PRNG are in a fixed order, so
 * a seed keeps giving the same trace).
 */
function commonOp(g: string, st: OpState): void {
  const { out, pick, int, chance, anyName, recent, newName, value, wordsIn, word, block } = st;
  switch (g) {
    case 'link': {
      const off = chance(0.1) ? ` ${int(1, block * 2)}` : '';
      out.push(`setp ${anyName()} ${int(0, wordsIn(2 * block))} ${chance(0.05) ? '0' : anyName()}${off}`);
      break;
    }
    case 'chain': {
      // A linked list: deep enough to overflow a small mark stack.
      const n = newName();
      out.push(`alloc ${n} ${int(word, 2 * block)}`);
      if (st.lastChain && st.lastChain !== n) out.push(`setp ${n} ${int(0, 1)} ${st.lastChain}`);
      // Siblings pushed from one block also overflow the stack.
      if (chance(0.3)) out.push(`setp ${n} ${int(1, wordsIn(block) - 1)} ${anyName()}`);
      st.lastChain = n;
      if (chance(0.1)) out.push(`root ${st.slot()} ${n}`);
      break;
    }
    case 'setw':
      out.push(`setw ${anyName()} ${int(0, wordsIn(3 * block))} ${value()}`);
      break;
    case 'type':
      out.push(`type ${anyName()} ${pick(TYPES)}`);
      break;
    case 'root': {
      const k = st.slot();
      const kind = pick(['root', 'stack', 'root', 'stack', 'rootw', 'stackw']);
      if (kind.endsWith('w')) out.push(`${kind} ${k} ${chance(0.3) ? '0' : value()}`);
      else out.push(`${kind} ${k} ${chance(0.15) ? '0' : chance(0.6) ? recent() : anyName()}`);
      break;
    }
    case 'collect':
      out.push('collect');
      break;
    case 'ctl':
      out.push(pick(['threshold off', `threshold ${int(0, 64)}`, `threshold ${int(1, 8)}`, 'auto 0', 'auto 1', 'auto 1']));
      break;
    case 'lock':
      if (st.locks > 0 && chance(0.6)) {
        out.push('unlock');
        st.locks--;
      } else if (st.unbalancedUnlock && chance(0.3)) {
        out.push('unlock');
        st.locks--;
      } else {
        out.push('lock');
        st.locks++;
      }
      break;
    case 'show':
      out.push(pick(['info', 'dump', 'stats', `nbytes ${anyName()}`, 'info', `nbytes ${recent()}`]));
      break;
  }
}
