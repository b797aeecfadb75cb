// The two checks a fresh heap image must pass against the firmware that printed it:
//  1. the emulator regenerates the mem_info(1) GC text printed with the read, byte for byte;
//  2. the emulated gc.collect() leaves exactly the heap the firmware's own gc.collect() left
//     (run at the end of the same command, from the frame the stack was measured in).

import { cannotEmulate, emulateCollect } from '../../emulator/analysis/collect.js';
import { type HeapImage, loadImage } from '../../emulator/image.js';
import { parseMemInfo } from '../memdump/index.js';
import { deviceDumpText } from '../image/report.js';

/** From "GC: total:" to the end of the allocation table, `\n` line ends. */
export function gcTextOf(memInfoText: string): string {
  const t = memInfoText.replace(/\r\n/g, '\n');
  const i = t.indexOf('GC: total:');
  return i < 0 ? '' : t.slice(i).replace(/\n*$/, '\n');
}

export interface ImageCheck {
  dumpExact: boolean;
  /** undefined when the collection cannot be emulated (no roots). */
  collectExact?: boolean;
  emulatedFreedBlocks?: number;
  deviceFreedBlocks?: number;
  lines: string[];
}

/** Blocks in use in `before`'s maps but free in `after`'s (same areas by pool start). */
export function freedBlocks(beforeText: string, afterText: string): number {
  const b = parseMemInfo(beforeText);
  const a = parseMemInfo(afterText);
  let n = 0;
  for (const x of b.areas) {
    const y = a.areas.find((z) => z.start === x.start);
    for (let k = 0; k < x.map.length; k++) {
      if (x.map[k] === '.' || x.map[k] === '?') continue;
      if (!y || y.map[k] === '.') n++;
    }
  }
  return n;
}

/**
 * Heads of `before` that `later` no longer has (no head of the same length at the same
 * block): freed by a collection in between, even when the space was re-used since. Objects
 * never move, and without user code nothing shrinks or grows them.
 */
export function vanishedHeads(beforeText: string, laterText: string): number {
  const b = parseMemInfo(beforeText);
  const a = parseMemInfo(laterText);
  let n = 0;
  for (const x of b.areas) {
    const y = a.areas.find((z) => z.start === x.start);
    for (let k = 0; k < x.map.length; k++) {
      const c = x.map[k]!;
      if (c === '.' || c === '=' || c === '?') continue;
      let len = 1;
      while (x.map[k + len] === '=') len++;
      let same = !!y && y.map[k] !== '.' && y.map[k] !== '=' && y.map[k] !== undefined;
      if (same) {
        let l2 = 1;
        while (y!.map[k + l2] === '=') l2++;
        same = l2 === len;
      }
      if (!same) n++;
    }
  }
  return n;
}

function firstDifference(a: string, b: string): string {
  const la = a.split('\n');
  const lb = b.split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return `line ${i + 1}: emulator "${(la[i] ?? '').slice(0, 80)}", device "${(lb[i] ?? '').slice(0, 80)}"`;
  }
  return 'same lines';
}

export function verifyImage(image: HeapImage, dumpText: string, afterText: string, o: { platform?: string | undefined } = {}): ImageCheck {
  const lines: string[] = [];
  const device = gcTextOf(dumpText);
  const regenerated = deviceDumpText(loadImage(image));
  const dumpExact = regenerated === device;
  lines.push(
    dumpExact
      ? `check: the image regenerates the device's mem_info(1) GC text byte for byte (${device.split('\n').length - 1} lines)`
      : `check: the image does NOT regenerate the device's mem_info(1) text: first difference at ${firstDifference(regenerated, device)}`,
  );
  const out: ImageCheck = { dumpExact, lines };
  const why = cannotEmulate(image);
  if (why) {
    lines.push(`check: the firmware's next gc.collect() cannot be compared: ${why}`);
    return out;
  }
  if (o.platform === 'webassembly') {
    // ports/webassembly: gc.collect() only sets a flag; the collection runs after the command returns.
    lines.push("check: the firmware's next gc.collect() cannot be compared: the WebAssembly port collects only after the command returns");
    return out;
  }
  const w = emulateCollect(image);
  const emulated = deviceDumpText(w.after);
  const deviceAfter = gcTextOf(afterText);
  out.collectExact = emulated === deviceAfter;
  out.emulatedFreedBlocks = w.record.freedBlocks;
  out.deviceFreedBlocks = freedBlocks(dumpText, afterText);
  lines.push(
    out.collectExact
      ? `check: the emulated gc.collect() frees exactly what the firmware's own gc.collect() freed right after the read (${out.deviceFreedBlocks} blocks, ${w.freed.length} heads)`
      : `check: the emulated gc.collect() frees ${out.emulatedFreedBlocks} blocks, the firmware's freed ${out.deviceFreedBlocks}; first difference at ${firstDifference(emulated, deviceAfter)}`,
  );
  return out;
}
