// Rewrites the memory section of the MicroPython WebAssembly binary before it is
// instantiated, so that the virtual board's linear memory is
//
// * shared (a SharedArrayBuffer): the main thread can then raise KeyboardInterrupt in code
//   that never calls out to JavaScript (`while True: pass`) by writing the two words that
//   py/scheduler.c mp_sched_keyboard_interrupt() writes, exactly as a board's UART
//   interrupt handler does from outside the running VM;
// * fixed in size (initial = maximum pages): a board's RAM does not grow. dlmalloc's sbrk
//   then fails past the limit, so split-heap-auto's gc_try_add_heap() gets NULL and
//   Python sees MemoryError, as on a board whose RAM is used up.
//
// The package builds its memory inside the module (exported, not imported), so the section
// has to be edited; everything else in the binary is left byte-identical.

export const WASM_PAGE = 65536;

function readLeb(b: Uint8Array, p: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  let x: number;
  do {
    x = b[p++]!;
    value += (x & 0x7f) * 2 ** shift;
    shift += 7;
  } while (x & 0x80);
  return { value, next: p };
}

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

export interface MemorySection {
  initialPages: number;
  maximumPages: number | undefined;
  shared: boolean;
}

/** The memory the module declares (one memory, defined in the module). */
export function readMemorySection(wasm: Uint8Array): MemorySection {
  const sec = findMemorySection(wasm);
  return sec.memory;
}

function findMemorySection(wasm: Uint8Array): { start: number; end: number; memory: MemorySection } {
  if (wasm[0] !== 0 || wasm[1] !== 0x61 || wasm[2] !== 0x73 || wasm[3] !== 0x6d) throw new Error('not a WebAssembly binary');
  let p = 8;
  while (p < wasm.length) {
    const id = wasm[p]!;
    const len = readLeb(wasm, p + 1);
    const bodyStart = len.next;
    const end = bodyStart + len.value;
    if (id === 5) {
      const count = readLeb(wasm, bodyStart);
      if (count.value !== 1) throw new Error(`expected one memory, found ${count.value}`);
      let q = count.next;
      const flags = wasm[q++]!;
      const init = readLeb(wasm, q);
      let maximumPages: number | undefined;
      q = init.next;
      if (flags & 1) maximumPages = readLeb(wasm, q).value;
      return { start: p, end, memory: { initialPages: init.value, maximumPages, shared: (flags & 2) !== 0 } };
    }
    p = end;
  }
  throw new Error('the module defines no memory');
}

/** A copy of the binary whose one memory is shared and exactly `pages` pages, never more. */
export function withFixedSharedMemory(wasm: Uint8Array, pages: number): Uint8Array {
  const sec = findMemorySection(wasm);
  const body = [1, 0x03, ...leb(pages), ...leb(pages)]; // one memory; flags: has-max | shared
  const section = [5, ...leb(body.length), ...body];
  const out = new Uint8Array(wasm.length - (sec.end - sec.start) + section.length);
  out.set(wasm.subarray(0, sec.start), 0);
  out.set(section, sec.start);
  out.set(wasm.subarray(sec.end), sec.start + section.length);
  return out;
}
