// The heap as the marker sees it: every head (an allocated chain) and every word that
// points at one. gc_mark_subtree follows a word only if it is block-aligned, lies in some
// area's pool and names a block whose ATB kind is HEAD (VERIFY_MARK_AND_PUSH); pointers into
// the middle of a chain keep nothing alive. These are exactly the edges built here, so
// "reachable in this graph" and "survives gc_collect()" are the same thing.

import { AT_HEAD, AT_TAIL, type HeapArea } from '../area.js';
import type { GcHeap, RootRange } from '../heap.js';

export interface HeadNode {
  /** Index in ObjectGraph.nodes. */
  id: number;
  addr: number;
  /** Chain length in blocks. */
  blocks: number;
  area: number;
  block: number;
  /** The head's first word (the type pointer of an mp_obj_base_t object). */
  typeWord: number;
  /** FTB bit set: the object was allocated with a finaliser. */
  finaliser: boolean;
}

export interface HeapEdge {
  from: number;
  to: number;
  /** Byte offset of the pointing word inside `from`. */
  offset: number;
}

export interface RootEdge {
  range: string;
  /** Address of the root word. */
  slot: number;
  to: number;
}

export interface ObjectGraph {
  nodes: HeadNode[];
  edges: HeapEdge[];
  rootEdges: RootEdge[];
  /** Head index by address. */
  byAddr: Map<number, number>;
  /** Outgoing edge indices per node. */
  out: number[][];
  /** Incoming edge indices per node. */
  in: number[][];
}

/** Every head of every area, in address order within each area (areas in chain order). */
export function listHeads(heap: GcHeap): HeadNode[] {
  const out: HeadNode[] = [];
  heap.areas.forEach((a, ai) => {
    const n = a.blocks;
    for (let b = 0; b < n; b++) {
      if (a.kind(b) !== AT_HEAD) continue;
      let len = 1;
      while (b + len < n && a.kind(b + len) === AT_TAIL) len++;
      const addr = a.addr(b);
      out.push({
        id: out.length,
        addr,
        blocks: len,
        area: ai,
        block: b,
        typeWord: heap.mem.readWord(addr),
        finaliser: a.ftbOff >= 0 && ((a.bytes[a.ftbOff + (b >> 3)]! >> (b & 7)) & 1) === 1,
      });
    }
  });
  return out;
}

/** The head a pointer marks (block-aligned, in a pool, at a HEAD), or undefined. */
function headAt(heap: GcHeap, areas: HeapArea[], byAddr: Map<number, number>, ptr: number): number | undefined {
  if (ptr % heap.config.blockSize !== 0) return undefined;
  for (const a of areas) if (ptr >= a.poolStart && ptr < a.poolEnd) return byAddr.get(ptr);
  return undefined;
}

export function buildObjectGraph(heap: GcHeap, roots: readonly RootRange[] = heap.roots): ObjectGraph {
  const nodes = listHeads(heap);
  const byAddr = new Map(nodes.map((n) => [n.addr, n.id]));
  const areas = heap.areas;
  const ws = heap.config.wordSize;
  const bpb = heap.config.blockSize;
  const edges: HeapEdge[] = [];
  const out: number[][] = nodes.map(() => []);
  const inc: number[][] = nodes.map(() => []);
  for (const n of nodes) {
    const words = (n.blocks * bpb) / ws;
    for (let k = 0; k < words; k++) {
      const to = headAt(heap, areas, byAddr, heap.mem.readWord(n.addr + k * ws));
      if (to === undefined) continue;
      const e = edges.length;
      edges.push({ from: n.id, to, offset: k * ws });
      out[n.id]!.push(e);
      inc[to]!.push(e);
    }
  }
  const rootEdges: RootEdge[] = [];
  for (const r of roots) {
    for (let k = 0; k < r.words; k++) {
      const slot = r.address + k * ws;
      const to = headAt(heap, areas, byAddr, heap.mem.readWord(slot));
      if (to !== undefined) rootEdges.push({ range: r.name, slot, to });
    }
  }
  return { nodes, edges, rootEdges, byAddr, out, in: inc };
}

/** The head whose chain holds `addr` (any byte of any block of it), or undefined. */
export function headContaining(g: ObjectGraph, heap: GcHeap, addr: number): HeadNode | undefined {
  const areas = heap.areas;
  const bpb = heap.config.blockSize;
  const ai = areas.findIndex((a) => addr >= a.poolStart && addr < a.poolEnd);
  if (ai < 0) return undefined;
  const a = areas[ai]!;
  let b = Math.floor((addr - a.poolStart) / bpb);
  while (b > 0 && a.kind(b) === AT_TAIL) b--;
  if (a.kind(b) !== AT_HEAD) return undefined;
  const id = g.byAddr.get(a.addr(b));
  return id === undefined ? undefined : g.nodes[id];
}
