// Limits on a trace's `heap START END` lines, checked where each line is read so the error
// names that line (in file order) instead of failing later while the memory map is built.
// The emulated heap is held in memory byte for byte, so its size is what this process can
// allocate; real MicroPython heaps are far smaller (the largest boards here: 8–16 MiB of
// PSRAM), so a cap well below Node's typed-array limit loses nothing.

/** Total bytes of all `heap` ranges in one trace. */
export const MAX_TRACE_HEAP_BYTES = 256 * 1024 * 1024;

const ADDRESS_SPACE_32 = 2 ** 32;

function hex(n: number): string {
  return '0x' + n.toString(16);
}

/**
 * Why [start, end) cannot be emulated, or null. `before` is the bytes of the trace's
 * earlier heap ranges (gc_add() areas add up). A 32-bit port's pointers are 32 bits
 * wide: a heap at or above 4 GiB does not exist there.
 */
export function heapRangeProblem(start: number, end: number, wordSize: 4 | 8, before = 0): string | null {
  if (wordSize === 4 && end > ADDRESS_SPACE_32) {
    return `heap ${hex(start)}..${hex(end)} does not fit a 32-bit address space ('word 4'; a 64-bit port needs 'word 8')`;
  }
  const size = end - start;
  if (before + size > MAX_TRACE_HEAP_BYTES) {
    const what = before > 0 ? `with the earlier heap lines, ${before + size} bytes` : `${size} bytes`;
    return `heap ${hex(start)}..${hex(end)} is too large to emulate (${what}; at most ${MAX_TRACE_HEAP_BYTES / 1024 / 1024} MiB in all)`;
  }
  return null;
}
