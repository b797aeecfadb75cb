import { type GcHeap, type Machine, parseTrace, traceMachine } from '../../emulator/index.js';

/** A machine built from a gctrace header (e.g. 'gc v1.27\nheap 0x1000 0x2000'), heaps initialised. */
export function machineFrom(header: string): { m: Machine; heap: GcHeap } {
  const t = parseTrace(header + '\n');
  const m = traceMachine(t);
  t.heaps.forEach((h, i) => (i === 0 ? m.heap.init(h.start, h.end) : m.heap.add(h.start, h.end)));
  return { m, heap: m.heap };
}

/** The ATB kind letters of the first n blocks of the first area: . h = m */
export function kinds(heap: GcHeap, n: number, area = 0): string {
  const a = heap.areas[area]!;
  let s = '';
  for (let b = 0; b < n; b++) s += '.h=m'[a.kind(b)];
  return s;
}
