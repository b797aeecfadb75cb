// Errors a user can act on. The CLI prints them as one line — what went wrong and where
// — and exits non-zero, never with a stack trace.

export class UserError extends Error {
  constructor(
    message: string,
    /** 1: the run found a problem (a failed check, a crash being emulated); 2: bad input. */
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** `FILE:LINE:COL: message (byte N)` — what and where, for input files. */
export function located(file: string, line: number, message: string, column?: number, offset?: number): string {
  let s = `${file}:${line}`;
  if (column !== undefined && column > 0) s += `:${column}`;
  s += `: ${message}`;
  if (offset !== undefined && offset >= 0) s += ` (byte ${offset})`;
  return s;
}

/**
 * The engine's own errors (BoardError, ConfigError, LayoutError, MemoryError …): a bad
 * input they reject, to report as a UserError. JavaScript's built-in errors (TypeError,
 * RangeError …) are bugs and stay internal errors.
 */
export function isEngineError(e: unknown): e is Error {
  return e instanceof Error && /Error$/.test(e.name) && !['Error', 'TypeError', 'RangeError', 'ReferenceError', 'SyntaxError', 'EvalError', 'URIError', 'AggregateError'].includes(e.name);
}
