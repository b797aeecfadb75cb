// Regenerates the port-config golden snapshots in test/golden/ (npm run snapshots).
// Run it deliberately, after a change that is meant to alter layouts or run results, and
// review the diff before committing. Writes only what changed (atomically).

import { mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { goldenCases } from '../src/boards/golden.js';
import { writeFileAtomic } from '../src/io/files.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const golden = join(root, 'test', 'golden');
let changed = 0;
let same = 0;
const keep = new Set<string>();
for (const c of goldenCases()) {
  const file = join(golden, c.file);
  keep.add(file);
  const text = c.render();
  let old: string | null = null;
  try {
    old = readFileSync(file, 'utf8');
  } catch {
    /* new */
  }
  if (old === text) {
    same++;
    continue;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileAtomic(file, text, { force: true });
  changed++;
  process.stdout.write(`${old === null ? 'new    ' : 'updated'} test/golden/${c.file}\n`);
}
// Snapshots of boards or workloads that no longer exist.
for (const d of readdirSync(golden)) {
  const dir = join(golden, d);
  if (!statSync(dir).isDirectory()) continue;
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (!keep.has(p)) {
      rmSync(p);
      process.stdout.write(`removed test/golden/${d}/${f}\n`);
    }
  }
}
process.stdout.write(`${changed} snapshot(s) written, ${same} unchanged\n`);
