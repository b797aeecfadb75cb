// The replay, run in lockstep while recording. Every operation the recorder writes to the
// trace is also applied here, so at each device collection the recorder knows exactly what
// the replay's heap will hold and writes only the differences (setp/setw/type/xroot), and
// it can check the device against the replay as it goes: same blocks allocated before each
// collection, same number of heads freed by it.

import { AT_HEAD } from '../../emulator/area.js';
import type { GcConfig } from '../../emulator/config.js';
import type { CollectionRecord } from '../../emulator/heap.js';
import { THRESHOLD_OFF } from '../../emulator/heap.js';
import type { Machine } from '../../emulator/machine.js';
import { traceMachine } from '../../emulator/trace/run.js';
import type { TypeName } from '../../emulator/types.js';

/** The replay no longer matches the device: the recording cannot be trusted past this point. */
export class Divergence extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Divergence';
  }
}

/** The device's heap at one moment: its allocation table and pool bytes, and the words it scans as roots. */
export interface DeviceHeap {
  atb: Uint8Array;
  pool: Uint8Array;
  /** Root words (root-pointer section, registers, stack) in scan order; null: not read. */
  roots: number[] | null;
}

export function atbKind(atb: Uint8Array, block: number): number {
  // py/gc.c: ATB_GET_KIND — 4 blocks per byte, block b in bits 2*(b%4) and up.
  return (atb[block >> 2]! >> ((block & 3) * 2)) & 3;
}

export function countHeads(atb: Uint8Array, blocks: number): number {
  let n = 0;
  for (let b = 0; b < blocks; b++) if (atbKind(atb, b) === AT_HEAD) n++;
  return n;
}

type WordClass = { k: 'ptr'; h: string } | { k: 'type'; t: TypeName } | { k: 'inert' };

export class Shadow {
  readonly machine: Machine;
  readonly lines: string[] = [];
  /** The handle last given to each block address. */
  private readonly nameAt = new Map<number, string>();
  private readonly addrOf = new Map<string, number>();
  private nextName = 1;
  private readonly slots: Array<string | null> = [];
  /** What each xroot slot holds in the replay: the handle's address when the slot was set. */
  private readonly slotAddr: number[] = [];
  private readonly slotOf = new Map<string, number>();
  private readonly young = new Set<string>();
  /** Collections the replay made (its heap's own count). */
  get collections(): number {
    return this.machine.heap.counters.collections;
  }
  lastCollection: CollectionRecord | null = null;

  constructor(
    config: GcConfig,
    readonly heapStart: number,
    readonly heapEnd: number,
    private readonly deviceTypes: Map<number, TypeName>,
    private readonly emit: (line: string) => void,
  ) {
    this.machine = traceMachine({ config, heaps: [{ start: heapStart, end: heapEnd, line: 1 }], laterHeaps: [], explicit: new Set(), nameOf: () => '' });
    const heap = this.machine.heap;
    heap.init(heapStart, heapEnd);
    heap.onCollect = (rec) => (this.lastCollection = rec);
    // The same roots the trace runner gives a format-2 trace (emulator/trace/run.ts).
    heap.traceRoots = () => {
      const out: number[] = [];
      for (const p of this.slotAddr) if (p) out.push(p);
      for (const h of this.young) out.push(this.addrOf.get(h) ?? 0);
      return out;
    };
  }

  get area() {
    return this.machine.heap.areas[0]!;
  }

  private fresh(): string {
    return `o${this.nextName++}`;
  }

  private bind(h: string, p: number): void {
    this.addrOf.set(h, p);
    if (p !== 0) this.nameAt.set(p, h);
  }

  /** The handle of the object at device address p (a head), if the replay knows it. */
  handleAt(p: number): string | undefined {
    return this.nameAt.get(p);
  }

  alloc(size: number, fin: boolean): number {
    const h = this.fresh();
    this.emit(`alloc ${h} ${size}${fin ? ' fin' : ''}`);
    const p = this.machine.heap.alloc(size, fin);
    this.bind(h, p);
    this.young.add(h);
    return p;
  }

  /** gc_free(p) as the device did it; p unknown to the replay is a divergence. */
  free(p: number): void {
    const h = this.nameAt.get(p);
    if (!h || this.addrOf.get(h) !== p || !this.machine.heap.isHead(p)) {
      throw new Divergence(`the device freed 0x${p.toString(16)}, which is not an allocated block in the replay`);
    }
    this.emit(`free ${h}`);
    this.machine.heap.free(p);
    this.young.delete(h);
  }

  realloc(p: number, size: number, move: boolean): number {
    let h: string;
    if (p === 0) h = this.fresh();
    else {
      const known = this.nameAt.get(p);
      if (!known || this.addrOf.get(known) !== p || !this.machine.heap.isHead(p)) {
        throw new Divergence(`the device reallocated 0x${p.toString(16)}, which is not an allocated block in the replay`);
      }
      h = known;
    }
    this.emit(`realloc ${h} ${size}${move ? '' : ' nomove'}`);
    const r = this.machine.heap.realloc(p, size, move);
    if (r !== 0 || size === 0) this.bind(h, r);
    if (r !== p) this.young.add(h);
    return r;
  }

  collect(): CollectionRecord {
    this.emit('collect');
    return this.machine.heap.collect('explicit');
  }

  threshold(blocks: number | null): void {
    this.emit(`threshold ${blocks === null ? 'off' : blocks}`);
    this.machine.heap.threshold = blocks === null ? THRESHOLD_OFF : blocks;
  }

  info(): void {
    this.emit('info');
  }

  dump(): void {
    this.emit('dump');
  }

  comment(text: string): void {
    this.emit(`# ${text}`);
  }

  // ------------------------------------------------------------------ snapshots

  /** Where the replay's allocation table first differs from the device's, or -1. */
  firstAtbDifference(atb: Uint8Array): number {
    const a = this.area;
    for (let b = 0; b < a.blocks; b++) {
      const k = a.kind(b);
      if (k !== atbKind(atb, b)) return b;
    }
    return -1;
  }

  private classify(v: number, word: number, atb: Uint8Array | null, typeName: (v: number) => TypeName | undefined): WordClass {
    const a = this.area;
    if (v >= a.poolStart && v < a.poolEnd && (v - a.poolStart) % a.bpb === 0) {
      const b = (v - a.poolStart) / a.bpb;
      const head = atb ? atbKind(atb, b) === AT_HEAD : a.kind(b) === AT_HEAD;
      if (head) {
        const h = this.nameAt.get(v);
        if (h) return { k: 'ptr', h };
      }
    }
    if (word === 0) {
      const t = typeName(v);
      if (t) return { k: 'type', t };
    }
    return { k: 'inert' };
  }

  /**
   * Writes the operations that make the replay's pointer state the device's: for every word
   * of every allocated block, whether it points at a head (which one), holds a type object
   * the dump prints a letter for, or neither; and the root words as xroot slots. Then
   * `snapshot` (unless roots are not known).
   */
  sync(dev: DeviceHeap): number {
    const a = this.area;
    const ws = this.machine.config.wordSize;
    const bpb = a.bpb;
    const mem = this.machine.mem;
    const types = this.machine.types;
    const devType = (v: number) => this.deviceTypes.get(v);
    const shadowType = (v: number) => {
      const t = types.nameOf(v);
      return t === 'other' || t === 'fin' ? undefined : t;
    };
    const dv = new DataView(dev.pool.buffer, dev.pool.byteOffset, dev.pool.byteLength);
    let ops = 0;
    for (let b = 0; b < a.blocks; ) {
      if (atbKind(dev.atb, b) !== AT_HEAD) {
        b++;
        continue;
      }
      let end = b + 1;
      while (end < a.blocks && atbKind(dev.atb, end) === 2) end++;
      const base = a.poolStart + b * bpb;
      const h = this.nameAt.get(base);
      if (!h) throw new Divergence(`the device has a block at 0x${base.toString(16)} that the replay never allocated there`);
      const words = ((end - b) * bpb) / ws;
      for (let i = 0; i < words; i++) {
        const want = this.classify(dv.getUint32(b * bpb + i * ws, true), i, dev.atb, devType);
        const have = this.classify(mem.readWord(base + i * ws) as number, i, null, shadowType);
        if (want.k === have.k && (want.k === 'inert' || (want.k === 'ptr' && have.k === 'ptr' && want.h === have.h) || (want.k === 'type' && have.k === 'type' && want.t === have.t))) continue;
        ops++;
        if (want.k === 'ptr') {
          this.emit(`setp ${h} ${i} ${want.h}`);
          mem.writeWord(base + i * ws, this.addrOf.get(want.h)!);
        } else if (want.k === 'type') {
          this.emit(`type ${h} ${want.t}`);
          mem.writeWord(base, types.address(want.t));
        } else {
          this.emit(`setw ${h} ${i} 0`);
          mem.writeWord(base + i * ws, 0);
        }
      }
      b = end;
    }
    if (dev.roots) {
      // The distinct heads the roots point at: marking does not depend on order or repeats.
      const want = new Set<string>();
      for (const v of dev.roots) {
        const c = this.classify(v >>> 0, 1, dev.atb, () => undefined);
        if (c.k === 'ptr') want.add(c.h);
      }
      for (let k = 0; k < this.slots.length; k++) {
        const h = this.slots[k];
        if (h && !want.has(h)) {
          this.slots[k] = null;
          this.slotAddr[k] = 0;
          this.slotOf.delete(h);
          this.emit(`xroot ${k} 0`);
          ops++;
        }
      }
      let free = 0;
      for (const h of want) {
        const have = this.slotOf.get(h);
        if (have !== undefined) {
          // Moved by a realloc since the slot was set: the slot holds the old address.
          if (this.slotAddr[have] !== this.addrOf.get(h)) {
            this.slotAddr[have] = this.addrOf.get(h)!;
            this.emit(`xroot ${have} ${h}`);
            ops++;
          }
          continue;
        }
        while (free < this.slots.length && this.slots[free]) free++;
        if (free === this.slots.length) {
          this.slots.push(null);
          this.slotAddr.push(0);
        }
        this.slots[free] = h;
        this.slotAddr[free] = this.addrOf.get(h)!;
        this.slotOf.set(h, free);
        this.emit(`xroot ${free} ${h}`);
        ops++;
      }
      this.emit('snapshot');
      this.young.clear();
    }
    return ops;
  }
}
