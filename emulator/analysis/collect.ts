// What would gc.collect() free? Runs the engine's own collection (GcHeap.collect: mark from
// the image's roots then stack, sweep) on a copy of the image, and optionally checks the
// result against what the device itself freed, given a capture taken after its collection.

import type { CollectionRecord } from '../heap.js';
import { type HeapImage, type LoadedImage, cloneImage, loadImage } from '../image.js';
import { type HeadNode, listHeads } from './objects.js';

export interface CollectWhatIf {
  record: CollectionRecord;
  /** Heads of the original image the collection freed, in address order. */
  freed: HeadNode[];
  kept: HeadNode[];
  /** The heap after the emulated collection (a copy; the input image is untouched). */
  after: LoadedImage;
}

/**
 * Does the image say what gc_collect() would scan? Without a root-pointer section or a stack,
 * every head looks unreachable, so "the collection frees everything" would be a claim about
 * the image's gaps, not about the device.
 */
export function hasScanRanges(img: HeapImage): boolean {
  return img.roots.some((r) => r.bytes.length > 0) || img.stack.some((r) => r.bytes.length > 0);
}

/** Why an image's collection cannot be emulated, or undefined when it can. */
export function cannotEmulate(img: HeapImage): string | undefined {
  if (hasScanRanges(img)) return undefined;
  return 'the image has no roots (no root-pointer section, no stack), so the collection cannot be emulated without roots';
}

export function emulateCollect(img: HeapImage): CollectWhatIf {
  const after = loadImage(cloneImage(img));
  const before = listHeads(after.heap);
  const record = after.heap.collect('explicit');
  // An emptied added area went back to the system heap (v1.27 split-heap-auto): its heads are
  // freed even though the area no longer appears in after.heap.
  const still = new Set(listHeads(after.heap).map((h) => h.addr));
  return {
    record,
    freed: before.filter((h) => !still.has(h.addr)),
    kept: before.filter((h) => still.has(h.addr)),
    after,
  };
}

export interface DeviceCollectCheck {
  /** Heads both freed. */
  bothFreed: number;
  /** Heads both kept. */
  bothKept: number;
  /**
   * The emulator freed it but the device has a head of the same length at the same address
   * afterwards: kept by the device, or freed and re-used for an object of the same size.
   */
  emulatorFreedDeviceHead: HeadNode[];
  /** The device freed it (or moved/resized it) but the emulator kept it. */
  deviceFreedEmulatorKept: HeadNode[];
}

/**
 * Compares the emulated collection of `before` with the device's capture `after` (taken
 * after its own gc.collect()). A head counts as kept by the device when `after` has a head of
 * the same chain length at the same address.
 */
export function checkAgainstDevice(whatIf: CollectWhatIf, after: HeapImage): DeviceCollectCheck {
  const dev = loadImage(after);
  const devHeads = new Map(listHeads(dev.heap).map((h) => [h.addr, h.blocks]));
  const devKept = (h: HeadNode): boolean => devHeads.get(h.addr) === h.blocks;
  const out: DeviceCollectCheck = { bothFreed: 0, bothKept: 0, emulatorFreedDeviceHead: [], deviceFreedEmulatorKept: [] };
  for (const h of whatIf.freed) {
    if (devKept(h)) out.emulatorFreedDeviceHead.push(h);
    else out.bothFreed++;
  }
  for (const h of whatIf.kept) {
    if (devKept(h)) out.bothKept++;
    else out.deviceFreedEmulatorKept.push(h);
  }
  return out;
}
