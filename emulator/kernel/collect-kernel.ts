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

import { INDEX_CHUNK_SHIFT } from '../area.js';
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

/** One byte per free-run index chunk (INDEX_CHUNK_BYTES ATB bytes), and one spare. */
function dirtyBytes(blocks: number): number {
  return (blocks >> INDEX_CHUNK_SHIFT) + 2;
}

export class CollectKernel {
  private readonly exports: KernelExports;
  readonly buffer: ArrayBuffer;
  private readonly i32: Int32Array;
  /** Where the scratch starts, and how many bytes of it there are. */
  private readonly scratchOff: number;
  private readonly scratchBytes: number;
  private readonly regionLen: number;
  /** The overflow bits of the area set up last (gc_deal_with_stack_overflow reads them). */
  pending: Uint32Array = new Uint32Array(0);
  /** Per free-run index chunk of that area: 1 where sweep() freed blocks (the reader clears it). */
  dirty: Uint8Array = new Uint8Array(0);
  private readonly swept: SweepResult = { heads: 0, freed: 0, last: -1, freeTail: 0 };
  /** setup()'s arguments last time. */
  private key: number[] = [];
  readonly result: MarkResult = { marked: 0, scanned: 0, revisit: 0, overflow: false };

  constructor(mod: WebAssembly.Module, memory: WebAssembly.Memory, regionLen: number, scratchOff: number) {
    const inst = new WebAssembly.Instance(mod, { env: { memory, abort: () => {} } });
    this.exports = inst.exports as unknown as KernelExports;
    this.buffer = memory.buffer;
    this.i32 = new Int32Array(this.buffer);
    this.regionLen = regionLen;
    this.scratchOff = scratchOff;
    this.scratchBytes = this.buffer.byteLength - scratchOff;
  }

  /** Scratch needed for a mark stack of `cap` entries over `blocks` blocks. */
  static scratchFor(cap: number, blocks: number): number {
    return RESULT_BYTES + 4 * cap + 4 * ((blocks >> 5) + 1) + dirtyBytes(blocks);
  }

  fits(cap: number, blocks: number): boolean {
    return CollectKernel.scratchFor(cap, blocks) <= this.scratchBytes;
  }

  /**
   * Points the kernel at one area (offsets within the region; pool start and length in
   * bytes, as addresses below 2^32). Cheap when it is the same area as last time.
   */
  setup(atbOff: number, poolOff: number, poolStart: number, poolLen: number, bpbShift: number, cap: number, blocks: number): void {
    const key = this.key;
    if (key[0] === atbOff && key[1] === poolOff && key[2] === poolStart && key[3] === poolLen && key[4] === bpbShift && key[5] === cap && key[6] === blocks) return;
    this.key = [atbOff, poolOff, poolStart, poolLen, bpbShift, cap, blocks];
    const result = this.scratchOff;
    const stack = result + RESULT_BYTES;
    const pending = stack + 4 * cap;
    const words = (blocks >> 5) + 1;
    this.pending = new Uint32Array(this.buffer, pending, words);
    this.pending.fill(0);
    const dirty = pending + 4 * words;
    this.dirty = new Uint8Array(this.buffer, dirty, dirtyBytes(blocks));
    this.dirty.fill(0);
    this.exports.setup(atbOff, poolOff, poolStart, poolLen, bpbShift, this.regionLen, stack, cap, pending, result);
    this.exports.setupSweep(dirty, INDEX_CHUNK_SHIFT - 2);
  }

  /**
   * The whole-byte part of gc_sweep_free_blocks over ATB bytes [0, nBytes), free_tail `ft`
   * coming in; chunks (of the free-run index) where blocks were freed are set in `dirty`.
   */
  sweep(nBytes: number, ft: number): SweepResult {
    this.exports.sweep(nBytes, ft);
    const r = this.swept;
    const at = this.scratchOff >> 2;
    r.heads = this.i32[at]!;
    r.freed = this.i32[at + 1]!;
    r.last = this.i32[at + 2]!;
    r.freeTail = this.i32[at + 3]!;
    return r;
  }

  /** gc_mark_subtree from the (already marked) head at `block`. */
  mark(block: number, limit: number): MarkResult {
    this.exports.mark(block, limit);
    const r = this.result;
    const at = this.scratchOff >> 2;
    r.marked = this.i32[at]!;
    r.scanned = this.i32[at + 1]!;
    r.revisit = this.i32[at + 2]!;
    r.overflow = this.i32[at + 3]! !== 0;
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
