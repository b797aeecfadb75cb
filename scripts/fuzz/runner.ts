// Runs fuzz cases over worker processes with a watchdog: a case that runs past its time
// limit is a hang (the worker is killed and replaced), a worker that dies mid-case is a
// crash. Every `spawnEvery`-th case runs as the real CLI process instead of in-process.

import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { KINDS, type Kind, packageRoot } from './cases.js';
import type { CaseResult } from './execute.js';

export interface FuzzOptions {
  count: number;
  seed: number;
  /** First case index (default 0). */
  start?: number;
  jobs?: number;
  /** A case slower than this is a hang. */
  caseTimeoutMs?: number;
  /** Every Nth case spawns `node bin/mcu-gc.js` (0: never). */
  spawnEvery?: number;
  kind?: Kind;
  /** Cases a worker runs before it is replaced (bounds any slow leak). */
  recycleAfter?: number;
  onResult?: (r: CaseResult, done: number) => void;
}

export interface FuzzReport {
  seed: number;
  cases: number;
  byKind: Record<string, { inProcess: number; spawned: number; exit0: number; exit1: number; exit2: number }>;
  findings: CaseResult[];
  slowest: CaseResult[];
  ms: number;
}

export async function runFuzz(o: FuzzOptions): Promise<FuzzReport> {
  const t0 = Date.now();
  const jobs = Math.max(1, o.jobs ?? 1);
  const timeout = o.caseTimeoutMs ?? 60_000;
  const start = o.start ?? 0;
  const workerPath = join(packageRoot(), 'dist/scripts/fuzz/worker.js');
  const byKind: FuzzReport['byKind'] = {};
  for (const k of KINDS) byKind[k] = { inProcess: 0, spawned: 0, exit0: 0, exit1: 0, exit2: 0 };
  const findings: CaseResult[] = [];
  const slowest: CaseResult[] = [];
  let next = start;
  let done = 0;
  const end = start + o.count;

  const record = (r: CaseResult): void => {
    done++;
    const k = byKind[r.kind]!;
    if (r.spawned) k.spawned++;
    else k.inProcess++;
    if (r.code === 0) k.exit0++;
    else if (r.code === 1) k.exit1++;
    else if (r.code === 2) k.exit2++;
    if (r.problems.length) findings.push(r);
    slowest.push(r);
    slowest.sort((a, b) => b.ms - a.ms);
    slowest.length = Math.min(slowest.length, 5);
    o.onResult?.(r, done);
  };

  await new Promise<void>((resolveAll) => {
    let running = 0;
    const lane = (): void => {
      let child: ChildProcess | undefined;
      let ran = 0;
      let current: { index: number; spawn: boolean; timer: NodeJS.Timeout } | undefined;
      const spawnChild = (): ChildProcess => {
        const c = fork(workerPath, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: ['--max-old-space-size=2048'] });
        c.stderr?.resume();
        c.on('message', (r: CaseResult) => {
          if (!current || r.index !== current.index) return;
          clearTimeout(current.timer);
          current = undefined;
          record(r);
          ran++;
          if (o.recycleAfter && ran >= o.recycleAfter) {
            ran = 0;
            c.removeAllListeners('exit');
            c.kill();
            child = spawnChild();
          }
          feed();
        });
        c.on('exit', (code, signal) => {
          if (!current) return;
          // Died mid-case: a crash of the CLI code (e.g. out of memory), not a clean error.
          clearTimeout(current.timer);
          const idx = current.index;
          current = undefined;
          record({ index: idx, kind: o.kind ?? 'argv', spawned: current !== undefined, code: -1, problems: [`worker died (exit ${code}, signal ${signal})`], argv: [], err: '', ms: 0 });
          child = spawnChild();
          feed();
        });
        return c;
      };
      const feed = (): void => {
        if (next >= end) {
          child?.removeAllListeners('exit');
          child?.kill();
          if (--running === 0) resolveAll();
          return;
        }
        const index = next++;
        const spawn = !!o.spawnEvery && index % o.spawnEvery === 0;
        const timer = setTimeout(() => {
          if (!current || current.index !== index) return;
          current = undefined;
          record({ index, kind: o.kind ?? 'argv', spawned: spawn, code: -1, problems: [`hang: no result within ${timeout} ms`], argv: [], err: '', ms: timeout });
          child?.removeAllListeners('exit');
          child?.kill('SIGKILL');
          child = spawnChild();
          feed();
        }, timeout + (spawn ? 5_000 : 0));
        current = { index, spawn, timer };
        child!.send({ seed: o.seed, index, kind: o.kind, spawn, timeoutMs: timeout });
      };
      child = spawnChild();
      running++;
      feed();
    };
    for (let j = 0; j < Math.min(jobs, o.count); j++) lane();
    if (o.count <= 0) resolveAll();
  });
  findings.sort((a, b) => a.index - b.index);
  return { seed: o.seed, cases: done, byKind, findings, slowest, ms: Date.now() - t0 };
}
