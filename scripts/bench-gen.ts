// Generators for benchmark traces that ../shared's gen_bench.py does not make: a 64 KB
// MCU heap under heavy churn, and a deep linked chain that overflows the mark stack.
// Deterministic (seeded) so runs are comparable.

/** Mulberry32: small, fast, seeded PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 64 KB heap, a small live set that turns over constantly (a sensor loop's garbage). */
export function churnTrace(ops: number, seed: number): string {
  const r = rng(seed);
  const out = ['gc v1.27', 'word 4', 'block 16', 'finaliser 1', 'split 0', 'gcstack 64', 'clear 1', 'heap 0x20010000 0x20020000'];
  const live: string[] = [];
  let id = 0;
  const types = ['str', 'bytes', 'tuple', 'list', 'dict', 'float'];
  for (let i = 0; i < ops; i++) {
    const x = r();
    if (x < 0.55 || live.length < 8) {
      const n = `o${++id}`;
      const size = r() < 0.9 ? [8, 16, 24, 32, 48][Math.floor(r() * 5)]! : 64 + Math.floor(r() * 400);
      out.push(`alloc ${n} ${size}`, `type ${n} ${types[Math.floor(r() * types.length)]}`);
      if (live.length) out.push(`setp ${n} 1 ${live[Math.floor(r() * live.length)]}`);
      live.push(n);
      if (r() < 0.05) out.push(`root ${Math.floor(r() * 32)} ${n}`);
      if (live.length > 60) live.splice(Math.floor(r() * live.length), 1);
    } else if (x < 0.9) {
      const a = live[Math.floor(r() * live.length)]!;
      out.push(`setp ${a} 2 ${live[Math.floor(r() * live.length)]}`);
    } else if (x < 0.99) {
      out.push(`free ${live.splice(Math.floor(r() * live.length), 1)[0]}`);
    } else {
      out.push('collect');
    }
  }
  out.push('collect', 'info', 'stats');
  return out.join('\n') + '\n';
}

/**
 * One long singly linked chain from a root, on a 1 MB heap with a 16-entry mark stack:
 * every node's child is pushed and popped at once, but side branches fill the stack and
 * overflow it, so each collection also rescans the heap.
 */
export function deepChainTrace(nodes: number, collections: number, seed: number): string {
  const r = rng(seed);
  const out = ['gc v1.27', 'word 4', 'block 16', 'finaliser 0', 'split 0', 'gcstack 16', 'clear 1', 'heap 0x20000000 0x20100000'];
  out.push('alloc n0 32', 'root 0 n0');
  // Words 1..7 of each node hold its children; each slot is used once, so every node
  // stays reachable (a chain about `nodes` deep with side branches).
  const usedSlots = new Uint8Array(nodes);
  for (let i = 1; i < nodes; i++) {
    out.push(`alloc n${i} 32`);
    // Link from a recent node, sometimes sideways, so the graph is deep and bushy.
    let parent = Math.max(0, i - 1 - Math.floor(r() * r() * 8));
    if (usedSlots[parent]! >= 7) parent = i - 1;
    out.push(`setp n${parent} ${1 + usedSlots[parent]!++} n${i}`);
  }
  for (let c = 0; c < collections; c++) out.push('collect');
  out.push('info', 'stats');
  return out.join('\n') + '\n';
}

/**
 * A 4 MB heap holding 1 MB of live objects (16384 linked 64-byte objects, each pointing to
 * the one before it and to a random earlier one), then `collections` explicit collections.
 * Run with N and with 0 collections, the difference is the cost of N full collections.
 */
export function collectTrace(collections: number, seed = 9): string {
  const r = rng(seed);
  const out = ['gc v1.27', 'word 4', 'block 16', 'finaliser 1', 'split 0', 'gcstack 64', 'clear 0', 'heap 0x3f800000 0x3fc00000'];
  const n = (1 << 20) / 64;
  for (let i = 0; i < n; i++) {
    out.push(`alloc o${i} 64`);
    if (i > 0) out.push(`setp o${i} 1 o${i - 1}`, `setp o${i} 2 o${Math.floor(r() * i)}`);
  }
  out.push(`root 0 o${n - 1}`);
  for (let c = 0; c < collections; c++) out.push('collect');
  out.push('info', 'stats');
  return out.join('\n') + '\n';
}
