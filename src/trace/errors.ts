import { TraceError } from '../../emulator/trace/parse.js';
import { UserError, located } from '../errors.js';

/** A TraceError as a one-line UserError: exit 2 for bad input, 1 for an emulated crash. */
export function traceErrorMessage(file: string, e: unknown): unknown {
  if (e instanceof TraceError) {
    const msg = e.crash ? `emulated firmware would crash: ${e.message}` : e.message;
    return new UserError(located(file, e.line, msg, e.column, e.offset), e.crash ? 1 : 2);
  }
  return e;
}
