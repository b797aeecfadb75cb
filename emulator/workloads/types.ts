// What a built-in workload is: a deterministic program of Python-level operations.
// Pure module.

import type { Mutator, Obj } from './mutator.js';
import type { Rng } from './rng.js';

export interface WorkloadContext {
  rng: Rng;
  /** Pool bytes at boot (sum over areas): workloads size their data to the board. */
  heapBytes: number;
  /** Iteration multiplier (1 = the default length). */
  scale: number;
  /** The `__main__` globals dict (reachable from the root section). */
  globals: Obj;
  /** Adds a global: globals[name] = value (a new key, interned-name str). */
  setGlobal(value: Obj): number;
}

export interface Workload {
  name: string;
  /** One line for `run --help` and the README. */
  summary: string;
  /** What it models, in MicroPython terms. */
  description: string;
  /** Main-loop iterations at scale 1. */
  iterations: number;
  run(m: Mutator, ctx: WorkloadContext): void;
}
