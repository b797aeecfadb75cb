// Why-alive, fragmentation, emulated collection vs the device, graph export, image format
// errors and raw-dump conversion — on heaps captured from the WebAssembly MicroPython.

import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkAgainstDevice, emulateCollect } from '../../emulator/analysis/collect.js';
import { fragmentation, largestGrowthRequest } from '../../emulator/analysis/fragmentation.js';
import { buildObjectGraph } from '../../emulator/analysis/objects.js';
import { reachability, unreferenced, whyAlive } from '../../emulator/analysis/whyalive.js';
import { type HeapImage, loadImage } from '../../emulator/image.js';
import { exportGraph } from '../../src/graph/export.js';
import { parseImage, serializeImage } from '../../src/image/format.js';
import { type WasmDump, WasmBoard } from '../../src/wasm/capture.js';
import { tempDir } from '../helpers/temp.js';

const CLI = join(__dirname, '../../bin/mcu-gc.js');
let before: WasmDump;
let after: WasmDump;
let ids: Record<string, number>;

beforeAll(async () => {
  const b = await WasmBoard.open();
  b.run(
    [
      'import gc, micropython',
      'def _dump(): micropython.mem_info(1)',
      'keep = {"nums": [i * 1.5 for i in range(40)], "name": "x" * 40}',
      'chain = None',
      'for i in range(300): chain = [i, chain]',
      'holes = [bytearray(i % 64 + 1) for i in range(400)]',
      'holes = holes[::2]',
    ].join('\n'),
  );
  const run = b.run(
    [
      'orphan_parent = [[1, 2, 3], "only-ref"]',
      'orphan_child = orphan_parent[0]',
      "print('IDS', id(keep), id(keep['nums']), id(chain), id(orphan_parent), id(orphan_child))",
      'del orphan_parent, orphan_child',
      'for i in range(500): t = (i, str(i) * 3)',
      '_dump()',
    ].join('\n'),
  );
  const m = /IDS (\d+) (\d+) (\d+) (\d+) (\d+)/.exec(run.output)!;
  ids = { keep: +m[1]!, nums: +m[2]!, chain: +m[3]!, orphanParent: +m[4]!, orphanChild: +m[5]! };
  before = run.dumps[0]!;
  after = b.run('_dump()').dumps[0]!;
}, 60_000);

describe('why alive', () => {
  it('gives the shortest root path, each step a real pointer word', () => {
    const l = loadImage(before.image);
    const w = whyAlive(l.heap, ids.nums!);
    expect(w.status).toBe('alive');
    if (w.status !== 'alive') return;
    expect(w.path[0]!.via.kind).toBe('root');
    expect(w.path[w.path.length - 1]!.node.addr).toBe(ids.nums);
    // The dict `keep` (or its table) is on the way.
    for (let i = 1; i < w.path.length; i++) {
      const via = w.path[i]!.via;
      expect(via.kind).toBe('heap');
      if (via.kind === 'heap') expect(l.heap.mem.readWord(w.path[i - 1]!.node.addr + via.offset)).toBe(w.path[i]!.node.addr);
    }
    // A list object (mp_obj_list_t: base, alloc, len, items) holds its items in a separate
    // chain of blocks; an address inside that chain resolves to the chain's head.
    const items = l.heap.mem.readWord(ids.nums! + 12);
    expect(l.heap.nbytes(items)).toBeGreaterThanOrEqual(160);
    const w2 = whyAlive(l.heap, items + 16 + 4);
    expect(w2.status === 'alive' && w2.target.addr).toBe(items);
    expect(w2.status === 'alive' && w2.path[w2.path.length - 2]!.node.addr).toBe(ids.nums);
  });

  it('reports garbage, with its referrers, for objects only garbage points at', () => {
    const l = loadImage(before.image);
    const child = whyAlive(l.heap, ids.orphanChild!);
    expect(child.status).toBe('garbage');
    // child <- the parent's items array <- the parent list.
    const parentItems = l.heap.mem.readWord(ids.orphanParent! + 12);
    if (child.status === 'garbage') expect(child.referrers.map((n) => n.addr)).toContain(parentItems);
    const arr = whyAlive(l.heap, parentItems);
    expect(arr.status === 'garbage' && arr.referrers.map((n) => n.addr)).toContain(ids.orphanParent);
    const u = unreferenced(l.heap);
    expect(u.basis).toBe('roots');
    expect(u.nodes.map((n) => n.addr)).toEqual(expect.arrayContaining([ids.orphanParent, ids.orphanChild]));
  });

  it('the reachable set is exactly what the engine\'s collection keeps', () => {
    const l = loadImage(before.image);
    const r = reachability(l.heap);
    const reachable = r.graph.nodes.filter((n) => r.reachable[n.id]).map((n) => n.addr);
    const w = emulateCollect(before.image);
    expect(w.kept.map((n) => n.addr)).toEqual(reachable);
    expect(w.freed.length).toBeGreaterThan(400);
  });

  it('without roots, names heads with no incoming heap reference', () => {
    const img: HeapImage = { ...before.image, roots: [] };
    const l = loadImage(img);
    expect(whyAlive(l.heap, ids.keep!).status).toBe('no-roots');
    const u = unreferenced(l.heap);
    expect(u.basis).toBe('heap-only');
    const g = buildObjectGraph(l.heap);
    for (const n of u.nodes) expect(g.in[n.id]).toHaveLength(0);
    expect(u.nodes.map((n) => n.addr)).toContain(ids.orphanParent);
    expect(u.nodes.map((n) => n.addr)).not.toContain(ids.orphanChild);
  });
});

describe('emulated gc.collect() against the device', () => {
  it('frees what the device freed (roots found exactly in the wasm state)', () => {
    expect(before.image.roots[0]!.name).toBe('root section');
    const w = emulateCollect(before.image);
    const c = checkAgainstDevice(w, after.image);
    expect(c.deviceFreedEmulatorKept).toEqual([]);
    expect(c.bothFreed).toBeGreaterThan(400);
    // The device's second run compiled a little code into freed blocks: a handful at most.
    expect(c.emulatorFreedDeviceHead.length).toBeLessThan(20);
  });
});

describe('fragmentation', () => {
  it('agrees with gc_info and finds the holes', () => {
    const l = loadImage(before.image);
    const f = fragmentation(l.heap);
    const info = l.heap.info();
    expect(f.freeBytes).toBe(info.free);
    expect(f.usedBytes).toBe(info.used);
    expect(f.largestFreeBlocks).toBe(info.maxFree);
    expect(f.oneBlock).toBe(info.num1block);
    expect(f.twoBlock).toBe(info.num2block);
    expect(f.largestChainBlocks).toBe(info.maxBlock);
    const runs = f.freeRunHistogram.reduce((s, b) => s + b.runs, 0);
    const blocks = f.freeRunHistogram.reduce((s, b) => s + b.blocks, 0);
    expect(runs).toBe(f.freeRuns);
    expect(blocks * 16).toBe(f.freeBytes);
    expect(f.fragmentationIndex).toBeCloseTo(1 - f.largestFreeBytes / f.freeBytes, 12);
    // After the emulated collection the garbage becomes holes: more runs.
    const g = fragmentation(emulateCollect(before.image).after.heap);
    expect(g.freeRuns).toBeGreaterThan(f.freeRuns);
    expect(g.freeBytes).toBeGreaterThan(f.freeBytes);
  });

  it('largest allocation by growth follows gc_try_add_heap\'s need', () => {
    const n = largestGrowthRequest(134217728);
    expect(n + Math.max(2048, Math.floor((n * 13) / 512))).toBeLessThanOrEqual(134217728);
    const m = n + 1;
    expect(m + Math.max(2048, Math.floor((m * 13) / 512))).toBeGreaterThan(134217728);
    expect(largestGrowthRequest(2047)).toBe(0);
  });
});

describe('graph export', () => {
  it('dot and cytoscape hold every head and pointer edge; --type keeps parents and children', () => {
    const l = loadImage(before.image);
    const g = buildObjectGraph(l.heap);
    const cy = JSON.parse(exportGraph(l, { format: 'cytoscape' }));
    const heads = cy.elements.nodes.filter((n: { data: { kind: string } }) => n.data.kind === 'head');
    expect(heads).toHaveLength(g.nodes.length);
    expect(cy.elements.edges.filter((e: { data: { id: string } }) => e.data.id.startsWith('e'))).toHaveLength(g.edges.length);
    const dot = exportGraph(l, { format: 'dot' });
    expect(dot.startsWith('digraph heap {')).toBe(true);
    expect(dot.match(/ -> /g)!.length).toBe(g.edges.length + g.rootEdges.length);
    const only = JSON.parse(exportGraph(l, { format: 'cytoscape', type: 'float' }));
    const floats = g.nodes.filter((n) => l.types.describe(n.typeWord) === 'float');
    expect(floats.length).toBeGreaterThanOrEqual(40);
    const onlyHeads = only.elements.nodes.filter((n: { data: { kind: string } }) => n.data.kind === 'head');
    // The floats, plus the list's items array that holds them, but not the list object.
    expect(onlyHeads.filter((n: { data: { type: string } }) => n.data.type === 'float')).toHaveLength(floats.length);
    const addrs = onlyHeads.map((n: { data: { addr: string } }) => n.data.addr);
    expect(addrs).toContain('0x' + l.heap.mem.readWord(ids.nums! + 12).toString(16));
    expect(addrs).not.toContain('0x' + ids.nums!.toString(16));
    const limited = JSON.parse(exportGraph(l, { format: 'cytoscape', limit: 5 }));
    expect(limited.elements.nodes.filter((n: { data: { kind: string } }) => n.data.kind === 'head')).toHaveLength(5);
  });
});

describe('image files and the CLI', () => {
  const dir = tempDir('mcugc-analysis-');
  const run = (...args: string[]): { code: number; out: string; err: string } => {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
  };

  it('malformed images fail with one line naming the field', () => {
    const good = JSON.parse(serializeImage(before.image));
    const cases: Array<[unknown, RegExp]> = [
      [{ ...good, profile: 'v2' }, /bad\.json: profile: /],
      [{ ...good, areas: [{ ...good.areas[0], start: 'zz' }] }, /bad\.json: areas\[0\]\.start: must be a hex address/],
      [{ ...good, areas: [{ ...good.areas[0], bytes: good.areas[0].bytes.slice(8) }] }, /bad\.json: areas\[0\]\.bytes: decodes to \d+ bytes but \[start, end\) is \d+ bytes/],
      [{ ...good, types: { '0x10': '<script>' } }, /bad\.json: types\.0x10: must be a type name/],
      [{ ...good, word: 3 }, /bad\.json: word: must be 4 or 8/],
    ];
    for (const [doc, re] of cases) {
      const f = join(dir, 'bad.json');
      writeFileSync(f, JSON.stringify(doc));
      const r = run('analyze', f);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(re);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
    expect(() => parseImage('{"format": 1', 'x.json')).toThrow(/^x\.json: not JSON/);
  });

  it('analyze prints the device text; a raw dump converts to the same analysis', () => {
    const f = join(dir, 'before.json');
    writeFileSync(f, serializeImage(before.image));
    const r = run('analyze', f, '--why', '0x' + ids.nums!.toString(16));
    expect(r.code).toBe(0);
    expect(r.out).toContain(before.gcText);
    expect(r.out).toMatch(/is alive, \d+ step\(s\) from a root:\n {2}root section word at 0x/);
    // Raw: the area bytes at their address in a larger dump.
    const a = before.image.areas[0]!;
    const base = a.start - 0x100;
    const raw = new Uint8Array(a.bytes.length + 0x200);
    raw.set(a.bytes, 0x100);
    const rb = join(dir, 'ram.bin');
    writeFileSync(rb, raw);
    const types = join(dir, 'types.json');
    writeFileSync(types, JSON.stringify(Object.fromEntries([...before.image.types].map(([k, v]) => ['0x' + k.toString(16), v]))));
    const saved = join(dir, 'conv.json');
    const r2 = run('analyze', rb, '--base', '0x' + base.toString(16), '--heap', `0x${a.start.toString(16)}:0x${a.end.toString(16)}`,
      '--split', '--split-auto', '--max-new-split', '134217728', '--types', types, '--save-image', saved);
    expect(r2.err).toBe('');
    expect(r2.out).toContain(before.gcText);
    expect(r2.out).toMatch(/the image has no roots/);
    // The converted image is a valid image file.
    const again = run('analyze', saved, '--no-collect');
    expect(again.out).toContain(before.gcText);
    // Outside the dump: one-line error.
    const r3 = run('analyze', rb, '--base', '0x' + base.toString(16), '--heap', `0x${a.start.toString(16)}:0x${(a.end + 0x1000).toString(16)}`);
    expect(r3.code).toBe(2);
    expect(r3.err).toMatch(/ram\.bin: --heap #1 0x[0-9a-f]+\.\.0x[0-9a-f]+ is outside the dump/);
  });

  it('--after checks the emulated collection and --graph writes the file', () => {
    const f = join(dir, 'b2.json');
    const g = join(dir, 'after.json');
    writeFileSync(f, serializeImage(before.image));
    writeFileSync(g, serializeImage(after.image));
    const dot = join(dir, 'heap.dot');
    const r = run('analyze', f, '--after', g, '--graph', 'dot', dot, '--type', 'L', '--limit', '50');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Check against the device's collection: both freed \d+, both kept \d+; 0 freed by the device only/);
    const text = execFileSync('cat', [dot], { encoding: 'utf8' });
    expect(text).toMatch(/^digraph heap \{/);
    // Refuses to overwrite without --force.
    const r2 = run('analyze', f, '--graph', 'dot', dot);
    expect(r2.code).toBe(2);
    expect(r2.err).toMatch(/already exists \(use --force/);
  });
});
