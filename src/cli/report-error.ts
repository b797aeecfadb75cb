// Errors escaping a command, as the one line the CLI promises. Apart from ./run-cli.ts
// (yargs), so that the trace fast path (./trace-fast.ts) reports errors without loading it.

import { UserError } from '../errors.js';
import { internalErrorMessage } from './internal-error.js';

/**
 * yargs' validation messages are several lines ("Invalid values:\n  Argument: x, Given: …");
 * the CLI promises one line, so the lines are joined.
 */
export function oneLine(msg: string): string {
  return msg
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ')
    .replace(/:\s*$/, '');
}

/** Exit code for an error escaping a command: its own for a UserError, else 70 with a report template. */
export function reportError(e: unknown, argv: readonly string[]): number {
  if (e instanceof UserError) {
    process.stderr.write(`mcu-gc: ${oneLine(e.message)}\n`);
    return e.exitCode;
  }
  process.stderr.write(internalErrorMessage(e, argv));
  return 70;
}
