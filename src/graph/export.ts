// The object graph of a heap image (heads as nodes, heap words pointing at heads as edges,
// root words as root nodes) exported for Cytoscape (JSON elements) or Graphviz (DOT), with
// the filters of the CPython GC graph generator: one type plus its parents and children
// (--type), and a node budget (--limit).

import type { LoadedImage } from '../../emulator/image.js';
import { typeLetterOf } from '../../emulator/image.js';
import { type ObjectGraph, buildObjectGraph } from '../../emulator/analysis/objects.js';

export type GraphFormat = 'cytoscape' | 'dot';

export interface GraphOptions {
  format: GraphFormat;
  /** A type name (list, str, …) or dump letter (L, S, …): those nodes, their parents and children. */
  type?: string | undefined;
  /** At most this many heap nodes (selected nodes first, in address order). */
  limit?: number | undefined;
}

export interface GraphSelection {
  nodes: number[];
  edges: number[];
  roots: number[];
}

const hx = (n: number): string => '0x' + n.toString(16);

export function selectGraph(l: LoadedImage, g: ObjectGraph, o: Omit<GraphOptions, 'format'>): GraphSelection {
  const letterOf = (id: number): string => l.types.letter(g.nodes[id]!.typeWord);
  const nameOf = (id: number): string => l.types.describe(g.nodes[id]!.typeWord);
  let chosen: number[];
  if (o.type) {
    const want = o.type;
    const wantLetter = typeLetterOf(want);
    const match = (id: number): boolean => nameOf(id) === want || (want.length === 1 && wantLetter === letterOf(id));
    const core = g.nodes.filter((n) => match(n.id)).map((n) => n.id);
    const set = new Set(core);
    const extra: number[] = [];
    for (const id of core) {
      for (const e of [...g.in[id]!, ...g.out[id]!]) {
        const ed = g.edges[e]!;
        for (const x of [ed.from, ed.to]) {
          if (!set.has(x)) {
            set.add(x);
            extra.push(x);
          }
        }
      }
    }
    chosen = [...core, ...extra.sort((a, b) => a - b)];
  } else {
    chosen = g.nodes.map((n) => n.id);
  }
  if (o.limit !== undefined && chosen.length > o.limit) chosen = chosen.slice(0, Math.max(0, o.limit));
  const keep = new Set(chosen);
  const edges = g.edges.map((_, i) => i).filter((i) => keep.has(g.edges[i]!.from) && keep.has(g.edges[i]!.to));
  const roots = g.rootEdges.map((_, i) => i).filter((i) => keep.has(g.rootEdges[i]!.to));
  return { nodes: chosen.sort((a, b) => a - b), edges, roots };
}

function dotString(s: string): string {
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') + '"';
}

export function exportGraph(l: LoadedImage, o: GraphOptions): string {
  const g = buildObjectGraph(l.heap);
  const sel = selectGraph(l, g, o);
  const bpb = l.heap.config.blockSize;
  if (o.format === 'dot') {
    const lines = ['digraph heap {', '  node [shape=box, fontname="monospace"];'];
    for (const id of sel.nodes) {
      const n = g.nodes[id]!;
      const label = `${hx(n.addr)}\n${l.types.letter(n.typeWord)} ${l.types.describe(n.typeWord)}\n${n.blocks * bpb} B`;
      lines.push(`  ${dotString(hx(n.addr))} [label=${dotString(label)}];`);
    }
    const rootSlots = new Set<number>();
    for (const i of sel.roots) {
      const r = g.rootEdges[i]!;
      if (!rootSlots.has(r.slot)) {
        rootSlots.add(r.slot);
        lines.push(`  ${dotString('root ' + hx(r.slot))} [shape=ellipse, label=${dotString(`${r.range}\n${hx(r.slot)}`)}];`);
      }
      lines.push(`  ${dotString('root ' + hx(r.slot))} -> ${dotString(hx(g.nodes[r.to]!.addr))};`);
    }
    for (const i of sel.edges) {
      const e = g.edges[i]!;
      lines.push(`  ${dotString(hx(g.nodes[e.from]!.addr))} -> ${dotString(hx(g.nodes[e.to]!.addr))} [label=${dotString('+' + e.offset)}];`);
    }
    lines.push('}');
    return lines.join('\n') + '\n';
  }
  const nodes: unknown[] = sel.nodes.map((id) => {
    const n = g.nodes[id]!;
    return {
      data: {
        id: hx(n.addr),
        label: `${hx(n.addr)} ${l.types.letter(n.typeWord)}`,
        kind: 'head',
        addr: hx(n.addr),
        letter: l.types.letter(n.typeWord),
        type: l.types.describe(n.typeWord),
        blocks: n.blocks,
        bytes: n.blocks * bpb,
        finaliser: n.finaliser,
      },
    };
  });
  const edges: unknown[] = sel.edges.map((i) => {
    const e = g.edges[i]!;
    return { data: { id: `e${i}`, source: hx(g.nodes[e.from]!.addr), target: hx(g.nodes[e.to]!.addr), offset: e.offset } };
  });
  const seen = new Set<number>();
  for (const i of sel.roots) {
    const r = g.rootEdges[i]!;
    if (!seen.has(r.slot)) {
      seen.add(r.slot);
      nodes.push({ data: { id: `root ${hx(r.slot)}`, label: `${r.range} ${hx(r.slot)}`, kind: 'root', addr: hx(r.slot) } });
    }
    edges.push({ data: { id: `r${i}`, source: `root ${hx(r.slot)}`, target: hx(g.nodes[r.to]!.addr), offset: 0 } });
  }
  return JSON.stringify({ format: 'cytoscape', elements: { nodes, edges } }, null, 1) + '\n';
}
