// One differential check: a v1.9.4 trace through MicroPython's real gc.c (the C oracle) and
// through the engine; the first line where they differ, if any.

import { parseTrace, runTrace, TraceError } from '../../emulator/index.js';
import { runOracle } from './oracle.js';

export interface Difference {
  /** 1-based line of the output where the two first differ. */
  outputLine: number;
  /** What gc.c printed there (`<end of output>` when it printed less). */
  expected: string;
  /** What the engine printed there. */
  got: string;
}

export interface DiffResult {
  /** Both ran the trace to the end, or both crashed at the same line with the same output. */
  same: boolean;
  /** gc.c would write outside the heap (and the engine said so too when `same`). */
  crashed: boolean;
  difference?: Difference;
  cOutput: string;
  engineOutput: string;
}

/**
 * The engine's output in the driver's terms: a v1.9.4 crash (HeapCrash → TraceError with
 * crash = true) becomes the output so far plus `CRASH at LINE`, as driver.c prints it.
 */
export function engineOutput(text: string): string {
  try {
    return runTrace(parseTrace(text)).output;
  } catch (e) {
    if (e instanceof TraceError && e.crash) return `${e.partialOutput ?? ''}CRASH at ${e.line}\n`;
    throw e;
  }
}

export function firstDifference(expected: string, got: string): Difference | undefined {
  if (expected === got) return undefined;
  const a = expected.split('\n');
  const b = got.split('\n');
  for (let i = 0; ; i++) {
    if (a[i] !== b[i]) return { outputLine: i + 1, expected: a[i] ?? '<end of output>', got: b[i] ?? '<end of output>' };
  }
}

export function diffTrace(text: string): DiffResult {
  const c = runOracle(text);
  const e = engineOutput(text);
  const difference = firstDifference(c.output, e);
  return { same: !difference, crashed: c.crashed, difference, cOutput: c.output, engineOutput: e };
}
