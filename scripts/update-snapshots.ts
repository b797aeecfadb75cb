// Regenerates the port-config golden files in test/golden/ (npm run snapshots): for every
// shipped board, what `mcu-gc check --board <id> --golden test/golden/<id>.json --update`
// records. Run it deliberately, after a change that is meant to alter layouts or run results,
// and review the words it prints and the diff before committing. Writes only what changed
// (atomically) and removes files of boards that no longer exist.

import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { goldenBoards, stableJson } from '../src/boards/golden.js';
import { parseCheckFile } from '../src/boards/sweep.js';
import { writeFileAtomic } from '../src/io/files.js';
import { differenceLines, verify } from '../src/report/check-diff.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const golden = join(root, 'test', 'golden');
let changed = 0;
let same = 0;
const keep = new Set<string>();
for (const g of goldenBoards()) {
  const file = join(golden, g.file);
  keep.add(g.file);
  const now = g.run();
  const text = stableJson(now);
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
  if (old !== null) {
    for (const line of differenceLines(verify(parseCheckFile(old, file), now, true))) process.stdout.write(`  ${line}\n`);
  }
  writeFileAtomic(file, text, { force: true });
  changed++;
  process.stdout.write(`${old === null ? 'new    ' : 'updated'} test/golden/${g.file}\n`);
}
// Files of boards that no longer exist (and the per-board folders of the old text format).
for (const f of readdirSync(golden)) {
  if (keep.has(f)) continue;
  const p = join(golden, f);
  rmSync(p, { recursive: statSync(p).isDirectory() });
  process.stdout.write(`removed test/golden/${f}\n`);
}
process.stdout.write(`${changed} golden file(s) written, ${same} unchanged\n`);
