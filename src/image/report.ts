// The text `mcu-gc analyze` prints: the device's own gc_dump_info/gc_dump_alloc_table text
// regenerated from the image, then fragmentation, reachability, why-alive answers and the
// emulated collection.

import { dumpAllocTable, dumpInfo } from '../../emulator/dump.js';
import type { LoadedImage } from '../../emulator/image.js';
import type { CollectWhatIf, DeviceCollectCheck } from '../../emulator/analysis/collect.js';
import { type Fragmentation, fragmentation } from '../../emulator/analysis/fragmentation.js';
import type { HeadNode } from '../../emulator/analysis/objects.js';
import { type Reachability, type WhyAlive, unreferenced } from '../../emulator/analysis/whyalive.js';
import { plural } from '../report/plural.js';

const hx = (n: number): string => '0x' + n.toString(16);

/** Exactly what micropython.mem_info(1) prints from "GC: total:" on. */
export function deviceDumpText(l: LoadedImage): string {
  return dumpInfo(l.heap.info(), l.heap.config.splitAuto) + dumpAllocTable(l.heap, l.types);
}

export function describeHead(l: LoadedImage, n: HeadNode): string {
  const bpb = l.heap.config.blockSize;
  return `${hx(n.addr)} ${l.types.letter(n.typeWord)} ${l.types.describe(n.typeWord)}, ${n.blocks * bpb} B`;
}

export function fragmentationText(f: Fragmentation): string {
  const pct = (x: number): string => (100 * x).toFixed(1) + ' %';
  const lines = [
    `Fragmentation: ${f.freeBytes} B free of ${f.totalBytes} B in ${f.freeRuns} runs; largest free run ${f.largestFreeBytes} B (${pct(f.largestFreeRatio)} of free)`,
    `  fragmentation index (1 - largest/free): ${f.fragmentationIndex.toFixed(3)}; 1-block objects ${f.oneBlock}, 2-block ${f.twoBlock}, largest object ${f.largestChainBlocks * f.blockSize} B`,
    `  largest allocation that succeeds now: ${f.largestAllocNow} B (no collection, no growth${f.areas.length > 1 ? '; an object cannot span areas' : ''})`,
  ];
  if (f.largestAllocByGrowth !== undefined) lines.push(`  largest allocation by growing a new area (max new split): ${f.largestAllocByGrowth} B`);
  lines.push(
    '  free runs (blocks: runs): ' +
      f.freeRunHistogram
        .filter((b) => b.runs > 0)
        .map((b) => `${b.min === b.max ? b.min : `${b.min}-${b.max}`}: ${b.runs}`)
        .join(', '),
  );
  return lines.join('\n') + '\n';
}

export function reachabilityText(l: LoadedImage, r: Reachability, max = 10): string {
  const u = unreferenced(l.heap, r);
  const bpb = l.heap.config.blockSize;
  const blocks = u.nodes.reduce((s, n) => s + n.blocks, 0);
  const head =
    u.basis === 'roots'
      ? `Reachability: ${r.graph.nodes.length} heads, ${r.graph.nodes.length - u.nodes.length} reachable from ${r.graph.rootEdges.length} root words; ${u.nodes.length} unreachable (${blocks * bpb} B): garbage the next collection frees`
      : `Reachability: the image has no roots; ${u.nodes.length} of ${r.graph.nodes.length} heads (${blocks * bpb} B) have no incoming heap reference (held by roots only, or garbage)`;
  const lines = [head];
  for (const n of u.nodes.slice(0, max)) lines.push(`  ${describeHead(l, n)}`);
  if (u.nodes.length > max) lines.push(`  … and ${u.nodes.length - max} more`);
  return lines.join('\n') + '\n';
}

export function whyText(l: LoadedImage, addr: number, w: WhyAlive): string {
  switch (w.status) {
    case 'not-allocated':
      return `Why ${hx(addr)}: not in an allocated block (free, or outside every heap area)\n`;
    case 'no-roots':
    case 'garbage': {
      const what =
        w.status === 'garbage'
          ? `unreachable from every root: the next gc.collect() frees it`
          : `the image has no roots to trace from`;
      const refs = w.referrers.length
        ? `; referenced by ${w.referrers.length} head(s): ${w.referrers.slice(0, 5).map((n) => hx(n.addr)).join(', ')}`
        : '; no heap word points at it';
      return `Why ${hx(addr)}: ${describeHead(l, w.target)}: ${what}${refs}\n`;
    }
    case 'alive': {
      const lines = [`Why ${hx(addr)}: ${describeHead(l, w.target)} is alive, ${w.path.length} step(s) from a root:`];
      for (const s of w.path) {
        const via = s.via.kind === 'root' ? `${s.via.range} word at ${hx(s.via.slot)}` : `word at +${s.via.offset}`;
        lines.push(`  ${via} -> ${describeHead(l, s.node)}`);
      }
      return lines.join('\n') + '\n';
    }
  }
}

export function noRootsCollectText(reason: string): string {
  return `Emulated gc.collect(): not emulated: ${reason} (capture --ram reads them; a raw dump takes --roots/--stack)\n`;
}

export function collectText(l: LoadedImage, w: CollectWhatIf, max = 10): string {
  const bpb = l.heap.config.blockSize;
  const gone = l.heap.areas.length - w.after.heap.areas.length;
  const blocks = w.freed.reduce((s, n) => s + n.blocks, 0);
  const fin = w.freed.filter((n) => n.finaliser).length;
  const lines = [
    `Emulated gc.collect(): frees ${w.freed.length} heads (${blocks * bpb} B), keeps ${w.kept.length}; ${fin} freed head(s) have the finaliser bit (their __del__ runs); marked ${w.record.marked}, scanned ${w.record.scannedWords} words, ${w.record.overflowRescans} mark-stack overflow rescan(s)${gone > 0 ? `; ${gone} emptied added area(s) go back to the system heap` : ''}`,
  ];
  for (const n of w.freed.slice(0, max)) lines.push(`  ${describeHead(l, n)}`);
  if (w.freed.length > max) lines.push(`  … and ${w.freed.length - max} more`);
  return lines.join('\n') + '\n';
}

export function checkText(c: DeviceCollectCheck): string {
  const ok = c.deviceFreedEmulatorKept.length === 0 && c.emulatorFreedDeviceHead.length === 0;
  const lines = [
    `Check against the device's collection: both freed ${c.bothFreed}, both kept ${c.bothKept}; ` +
      (ok ? 'they agree' : `${c.deviceFreedEmulatorKept.length} freed by the device only, ${c.emulatorFreedDeviceHead.length} freed by the emulator only (or re-used by the device for an object of the same size)`),
  ];
  for (const n of c.deviceFreedEmulatorKept.slice(0, 10)) lines.push(`  device freed, emulator kept: ${hx(n.addr)} (${plural(n.blocks, 'block')})`);
  for (const n of c.emulatorFreedDeviceHead.slice(0, 10)) lines.push(`  emulator freed, device has a head there: ${hx(n.addr)} (${plural(n.blocks, 'block')})`);
  return lines.join('\n') + '\n';
}

export { fragmentation };
