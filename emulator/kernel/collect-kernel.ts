// The WebAssembly collection kernel (assembly/collect.ts), bound to the region that holds
// a heap: gc_mark_subtree and the whole-byte part of gc_sweep_free_blocks.
//
// A collection spends its time there, and the JS loops ran at a third to a half of native
// gc.c's speed on them; the kernel tests four words (mark) or sixteen ATB bytes (sweep) at
// a time. It works on the heap's bytes in place: the region's backing store is moved into
// the kernel's WebAssembly memory when the heap is set up (Region.moveTo), with the
// kernel's scratch (results, mark stack, overflow bits, dirty index chunks) after it.
// Nothing changes for the rest of the engine, which keeps reading the region through its
// views.
//
// Where WebAssembly (with SIMD) is missing, or a memory cannot be had, the heap keeps the
// JS loops, which stay the reference: tests run both and compare them.

import { type HeapArea, INDEX_CHUNK_SHIFT, indexChunks, pendingWords } from '../area.js';
import type { Region } from '../memory.js';
import { KERNEL_WASM_BASE64 } from './kernel-wasm.js';

interface KernelExports {
  setup(
    atb: number,
    pool: number,
    start: number,
    len: number,
    shift: number,
    region: number,
    stack: number,
    cap: number,
    pending: number,
    result: number,
  ): void;
  mark(block: number, limit: number): void;
  setupSweep(dirty: number, shift: number): void;
  sweep(nBytes: number, ft: number): void;
}

/** `limit` for mark() outside an overflow rescan: no chain lies past it. */
export const NO_LIMIT = 0x7fffffff;
const RESULT_BYTES = 16;
const PAGE = 65536;

let compiled: WebAssembly.Module | null | undefined;
let enabled = true;

/** Turns the kernel off (or back on) for heaps set up from now on; off, the JS loops run. */
export function useCollectKernel(on: boolean): void {
  enabled = on;
}

function kernelModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  try {
    const bin = atob(KERNEL_WASM_BASE64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    // validate() is false where SIMD is not supported.
    if (WebAssembly.validate(bytes)) compiled = new WebAssembly.Module(bytes);
  } catch {
    compiled = null;
  }
  return compiled;
}

/** What one mark() call found. */
export interface MarkResult {
  marked: number;
  scanned: number;
  revisit: number;
  overflow: boolean;
}

/** What one sweep() call did. */
export interface SweepResult {
  heads: number;
  freed: number;
  /** The last block left in use, or -1. */
  last: number;
  freeTail: number;
}

export class CollectKernel {
  private readonly exports: KernelExports;
  readonly buffer: ArrayBuffer;
  /** Where the scratch starts, and how many bytes of it there are. */
  private readonly scratchOff: number;
  private readonly scratchBytes: number;
  private readonly regionLen: number;
  /** The four result words mark() and sweep() leave at the start of the scratch. */
  private readonly out: Int32Array;
  private readonly marked: MarkResult = { marked: 0, scanned: 0, revisit: 0, overflow: false };
  private readonly swept: SweepResult = { heads: 0, freed: 0, last: -1, freeTail: 0 };
  /** The area bound last, and its mark stack's size. */
  private area: HeapArea | null = null;
  private cap = -1;

  constructor(mod: WebAssembly.Module, memory: WebAssembly.Memory, regionLen: number, scratchOff: number) {
    const inst = new WebAssembly.Instance(mod, { env: { memory, abort: () => {} } });
    this.exports = inst.exports as unknown as KernelExports;
    this.buffer = memory.buffer;
    this.regionLen = regionLen;
    this.scratchOff = scratchOff;
    this.scratchBytes = this.buffer.byteLength - scratchOff;
    this.out = new Int32Array(this.buffer, scratchOff, RESULT_BYTES / 4);
  }

  /** Scratch needed for a mark stack of `cap` entries over an area of `blocks` blocks. */
  static scratchFor(cap: number, blocks: number, atbLen: number): number {
    return RESULT_BYTES + 4 * cap + 4 * pendingWords(blocks) + indexChunks(atbLen);
  }

  /**
   * Points the kernel at an area of its region (pool addresses below 2^32), or says the
   * scratch is too small for it. The area's overflow bits and dirty index chunks move into
   * the scratch (contents kept), where mark() and sweep() set them in place; an area bound
   * before gets copies of its own back. Cheap for the area bound last time.
   */
  bind(a: HeapArea, bpbShift: number, cap: number): boolean {
    if (a === this.area && cap === this.cap) return true;
    if (CollectKernel.scratchFor(cap, a.blocks, a.atbLen) > this.scratchBytes) return false;
    const prev = this.area;
    if (prev && prev !== a) {
      prev.pending = prev.pending.slice();
      prev.idxDirty = prev.idxDirty.slice();
    }
    const stack = this.scratchOff + RESULT_BYTES;
    const pendingOff = stack + 4 * cap;
    const dirtyOff = pendingOff + 4 * a.pending.length;
    const pending = new Uint32Array(this.buffer, pendingOff, a.pending.length);
    pending.set(a.pending);
    a.pending = pending;
    const dirty = new Uint8Array(this.buffer, dirtyOff, a.idxDirty.length);
    dirty.set(a.idxDirty);
    a.idxDirty = dirty;
    this.exports.setup(a.atbOff, a.poolOff, a.poolStart, a.poolEnd - a.poolStart, bpbShift, this.regionLen, stack, cap, pendingOff, this.scratchOff);
    this.exports.setupSweep(dirtyOff, INDEX_CHUNK_SHIFT - 2);
    this.area = a;
    this.cap = cap;
    return true;
  }

  /** gc_mark_subtree from the (already marked) head at `block`; overflow bits go to the area's `pending`. */
  mark(block: number, limit: number): MarkResult {
    this.exports.mark(block, limit);
    const r = this.marked;
    r.marked = this.out[0]!;
    r.scanned = this.out[1]!;
    r.revisit = this.out[2]!;
    r.overflow = this.out[3]! !== 0;
    return r;
  }

  /**
   * The whole-byte part of gc_sweep_free_blocks over ATB bytes [0, nBytes), free_tail `ft`
   * coming in; the free-run index chunks where blocks were freed are set in the area's `idxDirty`.
   */
  sweep(nBytes: number, ft: number): SweepResult {
    this.exports.sweep(nBytes, ft);
    const r = this.swept;
    r.heads = this.out[0]!;
    r.freed = this.out[1]!;
    r.last = this.out[2]!;
    r.freeTail = this.out[3]!;
    return r;
  }
}

const kernels = new WeakMap<Region, CollectKernel>();

/** The kernel `region` lives in, if it was moved into one. */
export function collectKernelOf(region: Region): CollectKernel | undefined {
  return kernels.get(region);
}

/**
 * Moves `region` into a new kernel memory with `scratch` bytes after it, unless it is in
 * one with enough scratch already. Only where no heap area holds the region's old views
 * (gc_init). Returns null where the kernel cannot be used (off, no WebAssembly/SIMD, no
 * memory to be had); the region is then left as it was.
 */
export function attachCollectKernel(region: Region, scratch: number): CollectKernel | null {
  if (!enabled) return null;
  const have = kernels.get(region);
  if (have && have.buffer.byteLength - scratchStart(region) >= scratch) return have;
  const mod = kernelModule();
  if (!mod) return null;
  const off = scratchStart(region);
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial: Math.ceil((off + scratch) / PAGE) });
  } catch {
    return null;
  }
  region.moveTo(memory.buffer);
  const k = new CollectKernel(mod, memory, region.bytes.length, off);
  kernels.set(region, k);
  return k;
}

function scratchStart(region: Region): number {
  return Math.ceil(region.bytes.length / 16) * 16;
}
