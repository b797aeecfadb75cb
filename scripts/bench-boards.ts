// Times every board x built-in workload (board build + run), one at a time. Goal: < 2 s each.
// node dist/scripts/bench-boards.js
import { buildBoard } from '../emulator/board.js';
import { listWorkloads, runWorkload } from '../emulator/run.js';
import { listBoards } from '../src/boards/load.js';

const workloads = listWorkloads();
let worst = 0;
process.stdout.write(['board'.padEnd(16), ...workloads.map((w) => w.name.padStart(16))].join('') + '\n');
for (const spec of listBoards()) {
  let line = spec.id.padEnd(16);
  for (const w of workloads) {
    const t0 = performance.now();
    runWorkload(buildBoard(spec), w.name);
    const ms = performance.now() - t0;
    worst = Math.max(worst, ms);
    line += `${ms.toFixed(0)} ms`.padStart(16);
  }
  process.stdout.write(line + '\n');
}
process.stdout.write(`slowest: ${worst.toFixed(0)} ms (goal < 2000 ms)\n`);
process.exitCode = worst < 2000 ? 0 : 1;
