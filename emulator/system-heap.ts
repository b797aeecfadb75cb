// The system heap a split-heap-auto port grows its GC heap from (MICROPY_GC_SPLIT_HEAP_AUTO):
// MP_PLAT_ALLOC_HEAP / MP_PLAT_FREE_HEAP (malloc/free) and gc_get_max_new_split().
//
//  - esp32 (ports/esp32/gccollect.c@v1.27.0): gc_get_max_new_split() =
//    heap_caps_get_largest_free_block(MALLOC_CAP_DEFAULT); growth is malloc() from the
//    ESP-IDF heap (TLSF in IDF 5.x).
//  - webassembly pyscript (ports/webassembly/main.c@v1.27.0 line 185): a constant 128 MiB;
//    growth is emscripten's malloc over a growable linear memory.
//
// Simplifications (documented in the board configs too): a first-fit free list over the
// given segments, each allocation taking `overhead` header bytes before the returned
// pointer and being rounded up to `align`; freed blocks coalesce with free neighbours.
// Nothing else in the firmware (Wi-Fi buffers, sockets, tasks) allocates from it while a
// workload runs, so the free space only changes through the GC's own growth and shrink.
//
// Pure module: no Node APIs.

export interface SystemHeapSegment {
  start: number;
  end: number;
  note?: string;
}

export interface SystemHeapSpec {
  /** Free memory the system heap manages (after the port's initial heap was carved out). */
  segments: SystemHeapSegment[];
  /** What gc_get_max_new_split() returns: the largest free block, or a constant. */
  maxNewSplit: 'largest-free-block' | { constant: number };
  /** malloc's alignment of returned pointers. */
  align: number;
  /** Bytes of allocator header before each returned pointer. */
  overhead: number;
}

interface Block {
  start: number;
  end: number;
  free: boolean;
}

export class SystemHeap {
  readonly spec: SystemHeapSpec;
  /** Blocks per segment, address order. */
  private readonly blocks: Block[][];
  /** Returned pointer → block. */
  private readonly live = new Map<number, Block>();
  /** Successful allocations and frees (for reports). */
  allocs = 0;
  frees = 0;
  failed = 0;

  constructor(spec: SystemHeapSpec) {
    this.spec = spec;
    this.blocks = spec.segments.map((s) => {
      // The first usable header position is aligned so that start + overhead is aligned.
      const first = alignUp(s.start + spec.overhead, spec.align) - spec.overhead;
      return first < s.end ? [{ start: first, end: s.end, free: true }] : [];
    });
  }

  /** Bytes a request of `size` occupies, header included. */
  private footprint(size: number): number {
    return alignUp(size + this.spec.overhead, this.spec.align);
  }

  /** The largest request malloc() could satisfy now. */
  largestFreeBlock(): number {
    let best = 0;
    for (const seg of this.blocks) {
      for (const b of seg) {
        if (!b.free) continue;
        const usable = alignDown(b.end - b.start - this.spec.overhead, this.spec.align);
        if (usable > best) best = usable;
      }
    }
    return best;
  }

  /** Total free bytes (usable, headers excluded). */
  freeBytes(): number {
    let n = 0;
    for (const seg of this.blocks) for (const b of seg) if (b.free) n += Math.max(0, b.end - b.start - this.spec.overhead);
    return n;
  }

  maxNewSplit(): number {
    const m = this.spec.maxNewSplit;
    return m === 'largest-free-block' ? this.largestFreeBlock() : m.constant;
  }

  /** malloc(size): first fit in address order; null when nothing fits. */
  allocHeap(size: number): number | null {
    const need = this.footprint(size);
    for (const seg of this.blocks) {
      for (let i = 0; i < seg.length; i++) {
        const b = seg[i]!;
        if (!b.free || b.end - b.start < need) continue;
        if (b.end - b.start > need) {
          seg.splice(i + 1, 0, { start: b.start + need, end: b.end, free: true });
          b.end = b.start + need;
        }
        b.free = false;
        const ptr = b.start + this.spec.overhead;
        this.live.set(ptr, b);
        this.allocs++;
        return ptr;
      }
    }
    this.failed++;
    return null;
  }

  /** free(ptr): coalesces with free neighbours. */
  freeHeap(ptr: number): void {
    const b = this.live.get(ptr);
    if (!b) throw new Error(`system heap: free(0x${ptr.toString(16)}) of a pointer it did not hand out`);
    this.live.delete(ptr);
    this.frees++;
    b.free = true;
    for (const seg of this.blocks) {
      const i = seg.indexOf(b);
      if (i < 0) continue;
      const next = seg[i + 1];
      if (next?.free) {
        b.end = next.end;
        seg.splice(i + 1, 1);
      }
      const prev = seg[i - 1];
      if (prev?.free) {
        prev.end = b.end;
        seg.splice(i, 1);
      }
      return;
    }
  }

  /**
   * Takes [start, end) as a block already handed out (a gc_add area made before this
   * model took over, e.g. a trace's own `heap` line on a split-heap-auto board): free(start)
   * then works and returns the memory to the pool, as MP_PLAT_FREE_HEAP would.
   */
  adopt(start: number, end: number): void {
    const b: Block = { start, end, free: false };
    this.blocks.push([b]);
    this.live.set(start, b);
  }

  /** Blocks handed out and not yet freed: [ptr, size]. */
  allocations(): Array<{ address: number; size: number }> {
    return [...this.live.entries()].map(([p, b]) => ({ address: p, size: b.end - p })).sort((a, b) => a.address - b.address);
  }
}

function alignUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

function alignDown(x: number, a: number): number {
  return Math.floor(x / a) * a;
}
