// A board's memory as the GC sees it: the address space, the type objects in flash, the
// root-pointer section and the C stack (both scanned conservatively by every collection,
// in that order, as a port's gc_collect does: gc_collect_start → gc_collect_root(stack)
// → gc_collect_end), and the heap engine.

import type { GcConfig } from './config.js';
import { GcHeap, type RootRange } from './heap.js';
import { AddressSpace, MemoryError, type RegionSpec, hex } from './memory.js';
import { TypeTable, type TypeName } from './types.js';

export interface WordRange {
  address: number;
  words: number;
}

export interface MachineOptions {
  config: GcConfig;
  regions: RegionSpec[];
  /** Where the type objects (mp_type_tuple, ...) start. */
  typesBase: number;
  /** Real addresses of some type objects (the rest are laid out from typesBase). */
  typeAddresses?: Partial<Record<TypeName, number>>;
  /** The interpreter state's root pointers (mp_state_ctx root section). */
  rootSection: WordRange;
  /** The part of the C stack a collection scans. */
  stack: WordRange;
}

export class Machine {
  readonly mem: AddressSpace;
  readonly heap: GcHeap;
  readonly types: TypeTable;
  readonly rootSection: WordRange;
  readonly stack: WordRange;
  readonly config: GcConfig;

  constructor(opts: MachineOptions) {
    this.config = opts.config;
    this.mem = new AddressSpace(opts.regions, opts.config.wordSize);
    const ws = opts.config.wordSize;
    this.mem.resolve(opts.typesBase, TypeTable.size);
    for (const [name, r] of [
      ['root section', opts.rootSection],
      ['stack', opts.stack],
    ] as const) {
      if (r.address % ws !== 0) throw new MemoryError(`${name} at ${hex(r.address)} is not word-aligned`);
      if (r.words > 0) this.mem.resolve(r.address, r.words * ws);
    }
    for (const a of Object.values(opts.typeAddresses ?? {})) if (a !== undefined) this.mem.resolve(a, ws);
    this.types = new TypeTable(opts.typesBase, opts.typeAddresses);
    this.rootSection = opts.rootSection;
    this.stack = opts.stack;
    this.heap = new GcHeap(this.mem, opts.config);
    const roots: RootRange[] = [
      { name: 'root section', ...opts.rootSection },
      { name: 'stack', ...opts.stack },
    ];
    this.heap.roots = roots;
    const types = this.types;
    this.heap.hasFinaliser = (w) => types.hasDel(w);
  }

  rootSlot(k: number): number {
    return this.rootSection.address + k * this.config.wordSize;
  }

  stackSlot(k: number): number {
    return this.stack.address + k * this.config.wordSize;
  }
}
