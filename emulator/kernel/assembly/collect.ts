// The hot loops of a collection as a WebAssembly kernel (AssemblyScript, compiled by
// scripts/build-kernel.mjs): py/gc.c's gc_mark_subtree, and the whole-byte part of
// gc_sweep_free_blocks. Each is the JS loop in emulator/heap.ts (GcHeap.markSubtree on one
// area of 32-bit words; GcHeap.sweepFreeBlocks) statement for statement, except that
// groups of words or ATB bytes that cannot hold anything to do are tested and skipped at
// once with SIMD. Whatever is done is done word by word, in gc.c's order, so marks,
// pushes and overflows happen exactly as gc.c makes them.
//
// Memory: the heap's region is this module's memory from address 0 (region offsets are
// addresses here); the kernel's scratch (results, mark stack, overflow bits, dirty index
// chunks) lies after it. The module must have no data segment: it would be written over
// the region at instantiation (scripts/build-kernel.mjs checks).

const AT_HEAD: i32 = 1;
const AT_TAIL: i32 = 2;
const AT_MARK: i32 = 3;

// Set by setup() for the area being collected.
let atbOff: i32 = 0;
let poolOff: i32 = 0;
let poolStart: u32 = 0;
let poolLen: u32 = 0;
let bpbShift: i32 = 4;
let bpbMask: u32 = 15;
let wordsShift: i32 = 2;
let regionLen: i32 = 0;
let stackOff: i32 = 0;
let stackCap: i32 = 0;
let pendingOff: i32 = 0;
let resultOff: i32 = 0;

export function setup(
  atb: i32, pool: i32, start: u32, len: u32, shift: i32, region: i32,
  stack: i32, cap: i32, pending: i32, result: i32,
): void {
  atbOff = atb;
  poolOff = pool;
  poolStart = start;
  poolLen = len;
  bpbShift = shift;
  bpbMask = (<u32>1 << shift) - 1;
  wordsShift = shift - 2;
  regionLen = region;
  stackOff = stack;
  stackCap = cap;
  pendingOff = pending;
  resultOff = result;
}

// ATB_GET_KIND, reading the byte where gc.c would; past the region's end it reads 0 (FREE),
// as the JS loop's typed array does.
@inline function kindAt(b: i32): i32 {
  const i = atbOff + (b >> 2);
  if (i >= regionLen) return 0;
  return (<i32>load<u8>(i) >> ((b & 3) << 1)) & 3;
}

// One word of the chain: VERIFY_PTR, then mark an unmarked head and push it (or note the
// overflow, and the block for gc_deal_with_stack_overflow's rescan).
@inline function visit(ptr: u32, sp: i32): i32 {
  const off = ptr - poolStart;
  if (off >= poolLen || (ptr & bpbMask) != 0) return sp;
  return visitPtr(off, sp);
}

// visit() for a word VERIFY_PTR accepted: `off` is its offset in the pool.
@inline function visitPtr(off: u32, sp: i32): i32 {
  const pb = <i32>(off >> bpbShift);
  const bi = atbOff + (pb >> 2);
  const sh = (pb & 3) << 1;
  const v = <i32>load<u8>(bi);
  if (((v >> sh) & 3) != AT_HEAD) return sp;
  store<u8>(bi, v | (AT_MARK << sh));
  marked++;
  if (sp < stackCap) {
    store<i32>(stackOff + (sp << 2), pb);
    return sp + 1;
  }
  overflow = 1;
  const w = pendingOff + ((pb >> 5) << 2);
  store<u32>(w, load<u32>(w) | (<u32>1 << (pb & 31)));
  return sp;
}

let marked: i32 = 0;
let overflow: i32 = 0;

/**
 * gc_mark_subtree(block): the head at `block` is already marked. Chains lying after
 * `limit` (an overflow rescan's position; 0x7fffffff outside one) count their words again.
 * Results at resultOff: marked heads, words scanned, words counted again, overflow flag.
 */
export function mark(block: i32, limit: i32): void {
  marked = 0;
  overflow = 0;
  let scanned: i32 = 0;
  let revisit: i32 = 0;
  let sp: i32 = 0;
  const vStart = i32x4.splat(<i32>poolStart);
  const vLen = i32x4.splat(<i32>poolLen);
  const vMask = i32x4.splat(<i32>bpbMask);
  const vZero = i32x4.splat(0);
  while (true) {
    let n: i32 = 1;
    // kindAt() without its bound test: blocks whose ATB byte lies past the region read FREE.
    const bEnd = (regionLen - atbOff) << 2;
    for (let b = block + 1; b < bEnd && ((<i32>load<u8>(atbOff + (b >> 2)) >> ((b & 3) << 1)) & 3) == AT_TAIL; b++) n++;
    const words = n << wordsShift;
    scanned += words;
    if (block > limit) revisit += words;
    // Word-aligned as the JS loop indexes words; words past the region's end read as 0,
    // which VERIFY_PTR never accepts (a pool never starts at address 0).
    let p = ((poolOff + (block << bpbShift)) >> 2) << 2;
    let e = p + (words << 2);
    if (e > (regionLen & ~3)) e = regionLen & ~3;
    for (; p + 16 <= e; p += 16) {
      const v = v128.load(p);
      const off = i32x4.sub(v, vStart);
      const inPool = i32x4.lt_u(off, vLen);
      const aligned = i32x4.eq(v128.and(v, vMask), vZero);
      const lanes = i32x4.bitmask(v128.and(inPool, aligned));
      if (lanes == 0) continue;
      // The lanes VERIFY_PTR accepted, in word order.
      if (lanes & 1) sp = visitPtr(<u32>i32x4.extract_lane(off, 0), sp);
      if (lanes & 2) sp = visitPtr(<u32>i32x4.extract_lane(off, 1), sp);
      if (lanes & 4) sp = visitPtr(<u32>i32x4.extract_lane(off, 2), sp);
      if (lanes & 8) sp = visitPtr(<u32>i32x4.extract_lane(off, 3), sp);
    }
    for (; p < e; p += 4) sp = visit(load<u32>(p), sp);
    if (sp == 0) break;
    sp--;
    block = load<i32>(stackOff + (sp << 2));
  }
  store<i32>(resultOff, marked);
  store<i32>(resultOff + 4, scanned);
  store<i32>(resultOff + 8, revisit);
  store<i32>(resultOff + 12, overflow);
}

// ---------------------------------------------------------------- gc_sweep_free_blocks

let dirtyOff: i32 = 0;
let dirtyShift: i32 = 6;

/** `dirty`: one byte per free-run index chunk of 2^shift ATB bytes (INDEX_CHUNK_BYTES). */
export function setupSweep(dirty: i32, shift: i32): void {
  dirtyOff = dirty;
  dirtyShift = shift;
}

/**
 * The whole-byte part of gc_sweep_free_blocks (v1.21+) over ATB bytes [0, nBytes), with
 * free_tail `ft` coming in: the JS loop in GcHeap.sweepFreeBlocks (its SW_* tables) block by
 * block. A group of 16 bytes with no unmarked head, met with free_tail clear, frees nothing:
 * its MARKs become HEADs at once. Results at resultOff: heads freed, blocks freed, the last
 * block left in use (-1: none), free_tail going out. A byte in which blocks were freed marks
 * its chunk in the dirty bytes (the free-run index is recomputed there).
 */
export function sweep(nBytes: i32, ftIn: i32): void {
  let ft = ftIn;
  let heads: i32 = 0;
  let freed: i32 = 0;
  let last: i32 = -1;
  const v55 = i8x16.splat(0x55);
  let i: i32 = 0;
  while (i < nBytes) {
    if (ft == 0 && i + 16 <= nBytes) {
      const v = v128.load(atbOff + i);
      if (!v128.any_true(v)) {
        i += 16;
        continue;
      }
      const hi = i8x16.shr_u(v, 1);
      // Low bit of each unmarked HEAD (01) and of each MARK (11).
      const unmarked = v128.and(v128.andnot(v, hi), v55);
      if (!v128.any_true(unmarked)) {
        const mk = v128.and(v128.and(v, hi), v55);
        v128.store(atbOff + i, v128.andnot(v, i8x16.shl(mk, 1)));
        let j = 15;
        while (load<u8>(atbOff + i + j) == 0) j--;
        const byte = <i32>load<u8>(atbOff + i + j);
        last = ((i + j) << 2) + ((31 - clz(byte)) >> 1);
        i += 16;
        continue;
      }
    }
    const at = atbOff + i;
    let v = <i32>load<u8>(at);
    if (v != 0) {
      let f: i32 = 0;
      for (let k = 0; k < 4; k++) {
        const sh = k << 1;
        const kind = (v >> sh) & 3;
        if (kind == AT_HEAD) {
          ft = 1;
          heads++;
          v &= ~(3 << sh);
          f++;
        } else if (kind == AT_TAIL) {
          if (ft) {
            v &= ~(3 << sh);
            f++;
          } else last = (i << 2) + k;
        } else if (kind == AT_MARK) {
          v &= ~(2 << sh);
          ft = 0;
          last = (i << 2) + k;
        }
      }
      store<u8>(at, v);
      if (f) {
        freed += f;
        store<u8>(dirtyOff + (i >> dirtyShift), 1);
      }
    }
    i++;
  }
  store<i32>(resultOff, heads);
  store<i32>(resultOff + 4, freed);
  store<i32>(resultOff + 8, last);
  store<i32>(resultOff + 12, ft);
}
