// Saving captures so nothing is lost: atomic writes (temp + rename), never over an existing
// file without --force, and a default name that never collides.

import { exists, writeFileAtomic } from '../io/files.js';
import { type Snapshot, serializeSnapshot } from './snapshot.js';

/** `base.json`, or `base-2.json`, `base-3.json`, … whichever does not exist yet. */
export function freeName(name: string): string {
  if (!exists(name)) return name;
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  for (let i = 2; ; i++) {
    const candidate = `${stem}-${i}${ext}`;
    if (!exists(candidate)) return candidate;
  }
}

export function saveSnapshot(file: string, s: Snapshot, force: boolean): void {
  writeFileAtomic(file, serializeSnapshot(s), { force });
}

/** `x.json` → `x.heap.json` (the --ram image beside its snapshot). */
export function imageNameFor(snapshotFile: string): string {
  return snapshotFile.replace(/(\.json)?$/, '.heap.json');
}
