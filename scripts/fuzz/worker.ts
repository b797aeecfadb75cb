// A fuzz worker process: takes {seed, index} messages from the runner, runs each case and
// replies with its result. The runner kills and replaces a worker that takes too long on a
// case (a hang), so a case can never stall the whole run.
import { makeCase, type Kind } from './cases.js';
import { executeCase } from './execute.js';

interface Job {
  seed: number;
  index: number;
  kind?: Kind;
  spawn?: boolean;
  timeoutMs?: number;
}

process.on('message', (job: Job) => {
  void (async () => {
    const c = makeCase(job.seed, job.index, job.kind);
    const r = await executeCase(c, job.index, { spawn: job.spawn ?? false, timeoutMs: job.timeoutMs ?? 60_000 });
    process.send!(r);
  })().catch((e: unknown) => {
    // The harness itself failed (not the CLI): report it as a problem of this case.
    process.send!({ index: job.index, kind: job.kind ?? 'argv', spawned: false, code: -1, problems: [`harness: ${e instanceof Error ? e.stack : String(e)}`], argv: [], err: '', ms: 0 });
  });
});
// Commands may set process.exitCode; the worker's own exit status is the runner's business.
process.on('exit', () => {
  process.exitCode = 0;
});
