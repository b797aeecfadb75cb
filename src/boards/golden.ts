// Port-config regression snapshots: for every board, `layout --json` and the text of `run`
// with every built-in workload, as stored under test/golden/<board>/. The vitest test and
// scripts/update-snapshots.ts both render them with this module, so they cannot drift.

import { join } from 'node:path';
import { buildBoard } from '../../emulator/board.js';
import { listWorkloads, runWorkload } from '../../emulator/run.js';
import { formatRun } from '../report/run-report.js';
import { layoutReport } from '../commands/layout.js';
import { listBoards } from './load.js';

export interface GoldenCase {
  board: string;
  /** 'layout' or a workload name. */
  what: string;
  /** Path relative to the golden folder. */
  file: string;
  render: () => string;
}

export function goldenCases(): GoldenCase[] {
  const out: GoldenCase[] = [];
  for (const spec of listBoards()) {
    out.push({
      board: spec.id,
      what: 'layout',
      file: join(spec.id, 'layout.json'),
      render: () => JSON.stringify(layoutReport(buildBoard(spec)), null, 2) + '\n',
    });
    for (const w of listWorkloads()) {
      out.push({
        board: spec.id,
        what: w.name,
        file: join(spec.id, `run-${w.name}.txt`),
        render: () => formatRun(runWorkload(buildBoard(spec), w.name, { seed: 1 })),
      });
    }
  }
  return out;
}
