// Vitest globalSetup: fails the run when it leaves folders of its own behind in os.tmpdir().
// Test files make their temporary folders with tempDir() (test/helpers/temp.ts), which removes
// them; one made another way, or by a command a test runs and does not stop, would pile up
// in /tmp run after run (they once numbered in the thousands).
//
// What counts: entries named mcu-gc* or mcugc* (the prefixes the project and its tests use),
// owned by this user, that were not there when the run started and are still there when it
// ends. Caches kept on purpose are not counted. An entry that existed before the run is never
// flagged, so leftovers of older runs do not fail this one.
//
// Another mcu-gc process running at the same time (a second test run, a virtual board) can
// have folders of the same prefixes open when this run ends; set MCU_GC_TMP_LEAKS=warn on a
// machine that runs such things side by side, to print the list without failing.

import { lstatSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const OURS = /^mcu-?gc/;

const KEPT = [
  /^mcu-gc-c-oracle-[0-9a-f]+$/, // scripts/c-oracle: compiled oracles, keyed by source hash
  /^mcu-gc-bench$/, // scripts/bench.ts: its build cache
  /^mcu-gc-virtual-boards-/, // src/virtual-board/registry.ts: the running-boards registry
  /^mcu-gc-oracle-mismatches$/, // scripts/oracle-fuzz.ts: its output, kept for the user
];

/** This user's mcu-gc entries in the temporary folder, without the kept caches. */
function entries(dir: string): Set<string> {
  const uid = process.getuid?.();
  const names = readdirSync(dir).filter((n) => OURS.test(n) && !KEPT.some((k) => k.test(n)));
  return new Set(
    names.filter((n) => {
      try {
        return uid === undefined || lstatSync(join(dir, n)).uid === uid;
      } catch {
        return false; // gone meanwhile
      }
    }),
  );
}

export function setup(): () => void {
  const dir = tmpdir();
  const before = entries(dir);
  return () => {
    const left = [...entries(dir)].filter((n) => !before.has(n)).sort();
    if (left.length === 0) return;
    const message =
      `the test run left ${left.length} entr${left.length === 1 ? 'y' : 'ies'} behind in ${dir} (make temporary folders with tempDir() from test/helpers/temp.ts):\n` +
      left.map((n) => `  ${join(dir, n)}\n`).join('');
    if (process.env.MCU_GC_TMP_LEAKS === 'warn') {
      process.stderr.write(`\nwarning: ${message}`);
      return;
    }
    // Printed rather than thrown: vitest shows an error thrown here only as "error during
    // close [Error: …]" and does not change the exit status for it.
    process.stderr.write(`\nFAIL  ${message}`);
    process.exitCode = 1;
  };
}
