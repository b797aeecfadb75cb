// The fuzz suite's in-process runner and checks, for tests.
import { outcomeProblems, type RunOutcome } from '../../scripts/fuzz/checks.js';
import { runCaptured } from '../../scripts/fuzz/in-process.js';

export type CliRun = RunOutcome;
export const cli = runCaptured;
export const problemsOf = outcomeProblems;
