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

const TYPES = ['tuple', 'list', 'dict', 'str', 'bytes', 'bytearray', 'array', 'float', 'fun_bc', 'module', 'other', 'fin'];

const hex = (n: number): string => '0x' + n.toString(16);

/** A v1.9.4 trace for `seed`: same seed, same text. */
export function randomTrace194(seed: number, opts: GenOptions = {}): string {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  const chance = (p: number): boolean => r() < p;

  const word = chance(0.35) ? 8 : 4;
  const block = pick(word === 8 ? [16, 32, 32, 64] : [16, 16, 32, 64]);
  const fin = chance(0.7);
  const gcstack = pick([2, 3, 4, 8, int(2, 64), 64]);
  const clear = chance(0.4);
  // Heap: a few real-looking bases, unaligned start and end (gc_init aligns only the end).
  const bases = word === 8 ? [0x5555_0000_0000, 0x3000_0000_0000, 0x1_0000_0000] : [0x2000_0000, 0x2020_0000, 0x3ffb_0000, 0x6000_0000];
  // At least 32 blocks: smaller heaps have no room for the tables and one ATB byte.
  const size = Math.max(32 * block, pick([256, 512, 1024, 2048, 4096, 8192, 16384, 65536, int(300, 40000)]));
  const start = pick(bases) + int(0, 0x3ff);
  const end = start + size + int(0, 15);
  const out = ['gc v1.9.4', `word ${word}`, `block ${block}`, `finaliser ${fin ? 1 : 0}`, `gcstack ${gcstack}`, `clear ${clear ? 1 : 0}`, `heap ${hex(start)} ${hex(end)}`];

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
  let locks = 0;
  let lastChain: string | null = null;
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
      case 'link': {
        const off = chance(0.1) ? ` ${int(1, block * 2)}` : '';
        out.push(`setp ${anyName()} ${int(0, wordsIn(2 * block))} ${chance(0.05) ? '0' : anyName()}${off}`);
        break;
      }
      case 'chain': {
        // A linked list: deep enough to overflow a small mark stack.
        const n = newName();
        out.push(`alloc ${n} ${int(word, 2 * block)}`);
        if (lastChain && lastChain !== n) out.push(`setp ${n} ${int(0, 1)} ${lastChain}`);
        // Siblings pushed from one block also overflow the stack.
        if (chance(0.3)) out.push(`setp ${n} ${int(1, wordsIn(block) - 1)} ${anyName()}`);
        lastChain = n;
        if (chance(0.1)) out.push(`root ${slot()} ${n}`);
        break;
      }
      case 'setw':
        out.push(`setw ${anyName()} ${int(0, wordsIn(3 * block))} ${value()}`);
        break;
      case 'type':
        out.push(`type ${anyName()} ${pick(TYPES)}`);
        break;
      case 'root': {
        const k = slot();
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
        if (locks > 0 && chance(0.6)) {
          out.push('unlock');
          locks--;
        } else if (opts.unbalancedUnlock && chance(0.3)) {
          out.push('unlock');
          locks--;
        } else {
          out.push('lock');
          locks++;
        }
        break;
      case 'show':
        out.push(pick(['info', 'dump', 'stats', `nbytes ${anyName()}`, 'info', `nbytes ${recent()}`]));
        break;
    }
  }
  while (locks > 0) {
    out.push('unlock');
    locks--;
  }
  out.push('collect', 'info', 'dump', 'stats');
  return out.join('\n') + '\n';
}
