// Why is this block alive? The shortest chain of references from a root word (root-pointer
// section or C stack, scanned conservatively as gc_collect does) through heap words to the
// block's head. Heads no root reaches are garbage the next collection frees.

import type { GcHeap } from '../heap.js';
import { type HeadNode, type ObjectGraph, buildObjectGraph, headContaining } from './objects.js';

export interface PathStep {
  /** The head this step reaches. */
  node: HeadNode;
  /** How it was reached: from a root word, or from a word at `offset` in the previous head. */
  via: { kind: 'root'; range: string; slot: number } | { kind: 'heap'; offset: number };
}

export type WhyAlive =
  | { status: 'not-allocated'; addr: number }
  | { status: 'alive'; target: HeadNode; path: PathStep[] }
  /** Roots were given and none reaches it: the next collection frees it. */
  | { status: 'garbage'; target: HeadNode; referrers: HeadNode[] }
  /** The image has no roots: only heap references can be reported. */
  | { status: 'no-roots'; target: HeadNode; referrers: HeadNode[] };

export interface Reachability {
  graph: ObjectGraph;
  hasRoots: boolean;
  /** Per node: the edge it was first reached by (-1 - rootEdgeIndex for a root), or undefined. */
  parent: Array<number | undefined>;
  reachable: boolean[];
}

/** Breadth-first from every root word at once: parent links give shortest paths. */
export function reachability(heap: GcHeap, graph: ObjectGraph = buildObjectGraph(heap)): Reachability {
  const n = graph.nodes.length;
  const parent: Array<number | undefined> = new Array(n).fill(undefined);
  const reachable = new Array<boolean>(n).fill(false);
  const queue: number[] = [];
  graph.rootEdges.forEach((r, i) => {
    if (reachable[r.to]) return;
    reachable[r.to] = true;
    parent[r.to] = -1 - i;
    queue.push(r.to);
  });
  for (let q = 0; q < queue.length; q++) {
    const id = queue[q]!;
    for (const e of graph.out[id]!) {
      const to = graph.edges[e]!.to;
      if (reachable[to]) continue;
      reachable[to] = true;
      parent[to] = e;
      queue.push(to);
    }
  }
  const hasRoots = heap.roots.some((r) => r.words > 0);
  return { graph, hasRoots, parent, reachable };
}

export function whyAlive(heap: GcHeap, addr: number, r: Reachability = reachability(heap)): WhyAlive {
  const g = r.graph;
  const target = headContaining(g, heap, addr);
  if (!target) return { status: 'not-allocated', addr };
  const referrers = g.in[target.id]!.map((e) => g.nodes[g.edges[e]!.from]!);
  if (!r.hasRoots) return { status: 'no-roots', target, referrers };
  if (!r.reachable[target.id]) return { status: 'garbage', target, referrers };
  const path: PathStep[] = [];
  let id = target.id;
  for (;;) {
    const p = r.parent[id]!;
    if (p < 0) {
      const re = g.rootEdges[-1 - p]!;
      path.unshift({ node: g.nodes[id]!, via: { kind: 'root', range: re.range, slot: re.slot } });
      break;
    }
    const e = g.edges[p]!;
    path.unshift({ node: g.nodes[id]!, via: { kind: 'heap', offset: e.offset } });
    id = e.from;
  }
  return { status: 'alive', target, path };
}

/** Heads no root reaches (with roots), or heads no heap word points at (without). */
export function unreferenced(heap: GcHeap, r: Reachability = reachability(heap)): { basis: 'roots' | 'heap-only'; nodes: HeadNode[] } {
  const g = r.graph;
  if (r.hasRoots) return { basis: 'roots', nodes: g.nodes.filter((n) => !r.reachable[n.id]) };
  return { basis: 'heap-only', nodes: g.nodes.filter((n) => g.in[n.id]!.length === 0) };
}
