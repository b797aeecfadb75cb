// Saving captures so nothing is lost: atomic writes (temp + rename), never over an existing
// file without --force, and a default name that never collides.

import { accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../errors.js';
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

/**
 * Fails now, before any device work, if `file` could not be written later: it exists (without
 * --force), is a folder, or its folder is missing or read-only. A long RAM read must never be
 * lost to a bad output path.
 */
export function checkOutputPath(file: string, force: boolean, what: string): void {
  if (exists(file)) {
    if (statSync(file).isDirectory()) throw new UserError(`${what} ${file}: is a folder`);
    if (!force) throw new UserError(`${file}: already exists (use --force to replace it)`);
  }
  const dir = dirname(file);
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new UserError(`${what} ${file}: folder ${dir} does not exist`);
  }
  if (!st.isDirectory()) throw new UserError(`${what} ${file}: ${dir} is not a folder`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new UserError(`${what} ${file}: folder ${dir} is not writable`);
  }
}
