// The project's own port-config regression snapshots: for every shipped board, what
// `mcu-gc check --board <id> --golden test/golden/<id>.json` records (its layout and every
// built-in workload's results, seed 1). The vitest test and scripts/update-snapshots.ts use
// the same machinery as the user-facing `check` command, so the two cannot drift.

import { listWorkloads } from '../../emulator/run.js';
import { type CheckFile, stableJson } from '../report/check-result.js';
import { listBoards } from './load.js';
import { planSweep, runSweep } from './sweep.js';

export interface GoldenBoard {
  board: string;
  /** Path relative to test/golden/. */
  file: string;
  /** What check records for it now. */
  run: () => CheckFile;
}

export function goldenBoards(): GoldenBoard[] {
  return listBoards().map((spec) => ({
    board: spec.id,
    file: `${spec.id}.json`,
    run: () =>
      runSweep(planSweep({ boards: [spec.id], workloads: listWorkloads().map((w) => w.name), whatIfs: [], base: {}, seed: 1, scale: 1 })),
  }));
}

export { stableJson };
