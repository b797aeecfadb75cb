// The Python-level side of a workload: builds MicroPython objects in the emulated heap the
// way the VM does (object headers with their type word, separate item/character buffers,
// list growth by m_renew, dict rehash) and keeps them alive only through pointers stored in
// emulated memory — the root section, the scanned C stack and other heap objects — so the
// conservative collector decides what survives exactly as on a device.
//
// Object shapes (py/obj*.h @v1.27.0; word = 4 or 8 bytes):
//   str/bytes  mp_obj_str_t {base, hash, len, data}     4 words, S; data: len+1 bytes, h
//   list       mp_obj_list_t {base, alloc, len, items}  4 words, L; items: alloc words, h
//              (LIST_MIN_ALLOC 4; append grows alloc by doubling via m_renew)
//   dict       mp_obj_dict_t {base, map{bits,alloc,table}} 4 words, D; table: 2 words/slot, h
//   tuple      mp_obj_tuple_t {base, len, items[n]}     2+n words, T
//   float      mp_obj_float_t {base, value}             1 block, F (boards with boxed floats)
//   bytearray  mp_obj_array_t {base, typecode|free, len, items} 4 words, A; items: h
//   instance   mp_obj_instance_t {base, members map...} 4+ words, h (with __del__: FTB bit)
//
// Pure module: no Node APIs.

import type { GcHeap } from '../heap.js';
import type { Machine } from '../machine.js';
import type { TypeName } from '../types.js';

/** Thrown when an allocation fails: MicroPython raises MemoryError. */
export class PyMemoryError extends Error {
  constructor(readonly bytes: number) {
    super(`memory allocation failed, allocating ${bytes} bytes`);
    this.name = 'MemoryError';
  }
}

/** A live Python object, as the workload sees it. */
export interface Obj {
  /** Address of the object's head block. */
  addr: number;
  type: TypeName | 'raw';
  /** list: items buffer, alloc, len and the JS mirror of the items. */
  items?: number;
  alloc?: number;
  len?: number;
  elems?: Obj[];
  /** str/bytes/bytearray: the data buffer. */
  data?: number;
  /** dict: used slots. */
  used?: number;
}

/** py/map.c hash_allocation_sizes (v1.27.0): the sizes a dict table grows through. */
const HASH_SIZES = [0, 2, 4, 6, 8, 10, 12, 17, 23, 29, 37, 47, 59, 73, 97, 127, 167, 223, 293, 389, 521, 691, 919, 1223, 1627, 2161, 2867, 3803, 5059, 6719, 8933];

export interface MutatorStats {
  ops: number;
  allocations: number;
  bytesRequested: number;
  /** Bytes requested but not yet released by the workload (MEM_STATS `current`, approximately). */
  currentBytes: number;
  peakBytes: number;
  memoryErrors: number;
}

/**
 * Stack slots 0..SCRATCH-2 hold half-built objects (what C code keeps in locals/registers);
 * slot SCRATCH-1 holds the newest object (the VM's value-stack top), so `x = f(); g(x)`
 * keeps x alive until the workload stores it somewhere.
 */
const SCRATCH = 4;

export class Mutator {
  readonly heap: GcHeap;
  readonly ws: number;
  /** Root-section words available to the workload (after the boot-time roots). */
  readonly rootWords: number;
  /** Scanned stack words available as locals. */
  readonly localWords: number;
  readonly stats: MutatorStats = { ops: 0, allocations: 0, bytesRequested: 0, currentBytes: 0, peakBytes: 0, memoryErrors: 0 };
  /** Called after every operation (progress, dump-every). */
  onOp: ((ops: number) => void) | null = null;
  private scratchTop = 0;

  constructor(readonly machine: Machine) {
    this.heap = machine.heap;
    this.ws = machine.config.wordSize;
    this.rootWords = machine.rootSection.words;
    this.localWords = Math.max(0, machine.stack.words - SCRATCH);
    if (this.localWords < 8) throw new Error(`the scanned C stack has only ${machine.stack.words} words; workloads need at least ${8 + SCRATCH}`);
    if (this.rootWords < 8) throw new Error(`the root section has only ${this.rootWords} words; workloads need at least 8`);
  }

  private tick(): void {
    this.stats.ops++;
    this.onOp?.(this.stats.ops);
  }

  private account(bytes: number): void {
    this.stats.bytesRequested += bytes;
    this.stats.currentBytes += bytes;
    if (this.stats.currentBytes > this.stats.peakBytes) this.stats.peakBytes = this.stats.currentBytes;
  }

  /** gc_alloc, raising MemoryError on NULL; the pointer is kept on the scratch stack until popped. */
  private raw(bytes: number, fin = false): number {
    this.stats.allocations++;
    const p = this.heap.alloc(bytes, fin);
    this.tick();
    if (p === 0) throw new PyMemoryError(bytes);
    this.account(bytes);
    return p;
  }

  private pin(p: number): void {
    if (this.scratchTop >= SCRATCH - 1) throw new Error('scratch stack overflow (workload bug)');
    this.machine.mem.writeWord(this.machine.stackSlot(this.scratchTop++), p);
  }

  private unpinAll(): void {
    while (this.scratchTop > 0) this.machine.mem.writeWord(this.machine.stackSlot(--this.scratchTop), 0);
  }

  /** The newest object stays reachable (value-stack top) until the next one is made. */
  private ret(o: Obj): Obj {
    this.machine.mem.writeWord(this.machine.stackSlot(SCRATCH - 1), o.addr);
    return o;
  }

  private w(addr: number, index: number, value: number): void {
    this.machine.mem.writeWord(addr + index * this.ws, value);
  }

  private typeWord(t: TypeName): number {
    return this.machine.types.address(t);
  }

  /** Runs one Python statement's worth of work; a MemoryError unwinds it (locals it set stay). */
  attempt(f: () => void): boolean {
    try {
      f();
      return true;
    } catch (e) {
      if (!(e instanceof PyMemoryError)) throw e;
      this.stats.memoryErrors++;
      return false;
    } finally {
      this.unpinAll();
    }
  }

  // ------------------------------------------------------------------ object constructors

  private header(t: TypeName, words: number, fin = false): number {
    const p = this.raw(words * this.ws, fin);
    this.w(p, 0, this.typeWord(t));
    return p;
  }

  /** A heap str (or bytes) of `len` characters: data buffer, then the object header. */
  str(len: number, kind: 'str' | 'bytes' = 'str'): Obj {
    const data = this.raw(len + 1);
    this.pin(data);
    const p = this.header(kind, 4);
    this.w(p, 2, len);
    this.w(p, 3, data);
    this.unpinAll();
    return this.ret({ addr: p, type: kind, data, len });
  }

  /**
   * A str built in a vstr (string formatting, `''.join`, reading a stream) from pieces of
   * `piece` bytes: vstr_init gives 16 bytes; vstr_ensure_extra grows the buffer to
   * ROUND_ALLOC(len + extra + 16) with m_renew (gc_realloc) whenever a piece does not fit;
   * mp_obj_new_str_from_vstr trims it to len+1 and wraps it in a str object.
   */
  strBuilt(len: number, piece = 8, kind: 'str' | 'bytes' = 'str'): Obj {
    let cap = 16;
    let buf = this.raw(cap);
    this.pin(buf);
    for (let cur = 0; cur < len; ) {
      const add = Math.min(Math.max(1, piece), len - cur);
      if (cur + add + 1 > cap) {
        const ncap = ((cur + add + 16) & ~7) + 8;
        buf = this.realloc(buf, ncap, cap);
        this.unpinAll();
        this.pin(buf);
        cap = ncap;
      }
      cur += add;
    }
    if (cap !== len + 1) buf = this.realloc(buf, len + 1, cap);
    this.unpinAll();
    this.pin(buf);
    const p = this.header(kind, 4);
    this.w(p, 2, len);
    this.w(p, 3, buf);
    this.unpinAll();
    return this.ret({ addr: p, type: kind, data: buf, len });
  }

  private realloc(p: number, bytes: number, oldBytes: number): number {
    const r = this.heap.realloc(p, bytes, true);
    this.tick();
    if (r === 0) throw new PyMemoryError(bytes);
    this.account(bytes - oldBytes);
    return r;
  }

  /** A float object (one block). */
  float(): Obj {
    const p = this.header('float', 2);
    return this.ret({ addr: p, type: 'float' });
  }

  /** A tuple holding `items` (stored inline). */
  tuple(items: Obj[]): Obj {
    const p = this.header('tuple', 2 + items.length);
    this.w(p, 1, items.length);
    items.forEach((o, i) => this.w(p, 2 + i, o.addr));
    return this.ret({ addr: p, type: 'tuple', len: items.length, elems: [...items] });
  }

  /** An empty list with room for `alloc` items. */
  list(alloc = 4): Obj {
    const a = Math.max(4, alloc);
    const items = this.raw(a * this.ws);
    this.pin(items);
    const p = this.header('list', 4);
    this.w(p, 1, a);
    this.w(p, 2, 0);
    this.w(p, 3, items);
    this.unpinAll();
    return this.ret({ addr: p, type: 'list', items, alloc: a, len: 0, elems: [] });
  }

  /** list.append: grows the items buffer by doubling (list_append: m_renew(alloc * 2)). */
  append(list: Obj, item: Obj): void {
    if (list.len! >= list.alloc!) {
      this.pin(item.addr);
      const na = list.alloc! * 2;
      list.items = this.realloc(list.items!, na * this.ws, list.alloc! * this.ws);
      list.alloc = na;
      this.w(list.addr, 1, na);
      this.w(list.addr, 3, list.items);
      this.unpinAll();
    }
    this.w(list.items!, list.len!, item.addr);
    list.elems!.push(item);
    list.len!++;
    this.w(list.addr, 2, list.len!);
    this.tick();
  }

  /** list.pop(0) / del list[0]: items shift down; the removed object is dropped. */
  popFront(list: Obj): Obj | undefined {
    if (!list.len) return undefined;
    const out = list.elems!.shift()!;
    list.len!--;
    list.elems!.forEach((o, i) => this.w(list.items!, i, o.addr));
    this.w(list.items!, list.len!, 0);
    this.w(list.addr, 2, list.len!);
    this.release(out);
    this.tick();
    return out;
  }

  /** list[i] = item. */
  setItem(list: Obj, i: number, item: Obj): void {
    const old = list.elems![i]!;
    list.elems![i] = item;
    this.w(list.items!, i, item.addr);
    this.release(old);
    this.tick();
  }

  /** list.clear(): m_renew back to LIST_MIN_ALLOC (list_clear). */
  clear(list: Obj): void {
    for (const o of list.elems!) this.release(o);
    list.elems = [];
    list.len = 0;
    this.w(list.addr, 2, 0);
    const na = 4;
    list.items = this.realloc(list.items!, na * this.ws, list.alloc! * this.ws);
    list.alloc = na;
    this.w(list.addr, 1, na);
    this.w(list.addr, 3, list.items);
  }

  /** A dict with its table sized for `n` entries. */
  dict(n = 0): Obj {
    const alloc = HASH_SIZES.find((s) => s >= n) ?? n;
    let table = 0;
    if (alloc > 0) {
      table = this.raw(alloc * 2 * this.ws);
      this.pin(table);
    }
    const p = this.header('dict', 4);
    this.w(p, 2, alloc);
    this.w(p, 3, table);
    this.unpinAll();
    return this.ret({ addr: p, type: 'dict', items: table, alloc, used: 0, elems: [] });
  }

  /**
   * d[key] = value for a new key: when the table is full, mp_map_rehash allocates the next
   * size up (hash_allocation_sizes), re-inserts and m_del's the old table.
   */
  dictSet(d: Obj, key: Obj, value: Obj): void {
    if (d.used! >= d.alloc!) {
      this.pin(key.addr);
      this.pin(value.addr);
      const na = HASH_SIZES.find((s) => s > d.alloc!) ?? d.alloc! * 2;
      const table = this.raw(na * 2 * this.ws);
      const old = d.items!;
      d.elems!.forEach((o, i) => this.w(table, i, o.addr));
      if (old) {
        this.heap.free(old);
        this.stats.currentBytes -= d.alloc! * 2 * this.ws;
      }
      d.items = table;
      d.alloc = na;
      this.w(d.addr, 2, na);
      this.w(d.addr, 3, table);
      this.unpinAll();
    }
    // Keys and values interleave in the table; slot order is the hash's business, not ours.
    this.w(d.items!, d.elems!.length, key.addr);
    d.elems!.push(key);
    this.w(d.items!, d.elems!.length, value.addr);
    d.elems!.push(value);
    d.used!++;
    this.w(d.addr, 1, d.used! << 3);
    this.tick();
  }

  /** d[key] = value for the i-th key already in the dict: the old value is dropped. */
  dictReplace(d: Obj, i: number, value: Obj): void {
    const old = d.elems![2 * i + 1]!;
    d.elems![2 * i + 1] = value;
    this.w(d.items!, 2 * i + 1, value.addr);
    this.release(old);
    this.tick();
  }

  /** A bytearray of n bytes (header A, items h). */
  bytearray(n: number): Obj {
    const data = this.raw(Math.max(1, n));
    this.pin(data);
    const p = this.header('bytearray', 4);
    this.w(p, 2, n);
    this.w(p, 3, data);
    this.unpinAll();
    return this.ret({ addr: p, type: 'bytearray', data, len: n });
  }

  /** bytearray.extend / stream readinto growth: m_renew of the items. */
  grow(ba: Obj, n: number): void {
    ba.data = this.realloc(ba.data!, Math.max(1, n), Math.max(1, ba.len!));
    ba.len = n;
    this.w(ba.addr, 2, n);
    this.w(ba.addr, 3, ba.data);
  }

  /** An instance of a user class (h), optionally with __del__ (FTB bit set, finaliser type). */
  instance(words = 4, fin = false): Obj {
    const p = this.raw(words * this.ws, fin);
    this.w(p, 0, this.typeWord(fin ? 'fin' : 'other'));
    return this.ret({ addr: p, type: fin ? 'fin' : 'other' });
  }

  /** An untyped buffer (bytecode, qstr pool, vstr, long int digits): h. */
  buffer(bytes: number): Obj {
    const p = this.raw(bytes);
    return this.ret({ addr: p, type: 'raw', len: bytes });
  }

  /** del obj where the program knows it is the last reference (m_del / gc_free). */
  free(o: Obj): void {
    this.heap.free(o.addr);
    this.release(o);
    this.tick();
  }

  /** The workload dropped its reference (the collector decides when it goes). */
  release(o: Obj): void {
    const n = o.type === 'list' ? (o.alloc! + 4) * this.ws : o.len ?? this.ws * 4;
    this.stats.currentBytes = Math.max(0, this.stats.currentBytes - n);
  }

  // ------------------------------------------------------------------ roots

  /** A root-section word (global state the VM keeps: dict_main, sys.modules, ...). */
  setRoot(k: number, o: Obj | null): void {
    if (k < 0 || k >= this.rootWords) throw new Error(`root slot ${k} out of range`);
    this.machine.mem.writeWord(this.machine.rootSlot(k), o ? o.addr : 0);
    this.tick();
  }

  /** A C-stack word that the next collection scans (a local in a VM frame). */
  setLocal(k: number, o: Obj | null): void {
    if (k < 0 || k >= this.localWords) throw new Error(`local slot ${k} out of range`);
    this.machine.mem.writeWord(this.machine.stackSlot(SCRATCH + k), o ? o.addr : 0);
    this.tick();
  }

  /** gc.collect(). */
  collect(): void {
    this.heap.collect('explicit');
    this.tick();
  }
}
