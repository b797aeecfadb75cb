// `mcu-gc trace FILE [--no-warnings]`, the form benchmarks and scripts run thousands of
// times, without yargs (importing it costs more start-up time than a small trace takes to
// run) and with as little else loaded as possible: peak memory of a replay is mostly what
// Node itself and the loaded code take. bin/mcu-gc.js runs this module bundled into one
// CommonJS file (dist/src/cli/trace-fast.cjs, built by `npm run build`), which skips the
// ES module loader; ./main.ts runs it as is when that file is missing. Anything else, or
// anything unusual in the command line (another option, --help, a FILE that looks like an
// option), goes through yargs as usual.

import { fstatSync, statSync, writeSync } from 'node:fs';
import { type TraceIo, traceFile } from '../commands/trace.js';
import { UserError } from '../errors.js';
import { describeFsError } from '../io/files.js';
import { reportError } from './report-error.js';

/** `trace FILE [--no-warnings]`: the file and whether to warn, or null for any other command line. */
export function fastTraceArgs(args: readonly string[]): { file: string; warnings: boolean } | null {
  if (args[0] !== 'trace') return null;
  const rest = args.slice(1);
  const files = rest.filter((a) => !a.startsWith('-'));
  const flags = rest.filter((a) => a.startsWith('-'));
  if (files.length !== 1 || files[0] === '' || !flags.every((f) => f === '--no-warnings' || f === '--warnings')) return null;
  return { file: files[0]!, warnings: flags.length === 0 || flags[flags.length - 1] === '--warnings' };
}

/**
 * Runs the command line if it is the fast form (the exit code in process.exitCode), and
 * says whether it was.
 */
export function runFastTrace(argv: readonly string[]): boolean {
  const fast = fastTraceArgs(argv);
  if (!fast) return false;
  try {
    traceFile({ ...fast, progress: true }, fdIo());
  } catch (e) {
    process.exitCode = reportError(e, argv);
  }
  return true;
}

/**
 * Output written straight to file descriptors 1 and 2, synchronously: no copy of each
 * chunk for a stream to hold (with a fast trace and a slow reader those copies pile up as
 * garbage outside the JavaScript heap), and no process.stdout at all when it is not a
 * terminal (creating it loads the net and stream modules).
 */
function fdIo(): TraceIo {
  const outOnTerminal = isTerminal(1);
  return {
    write: (chunk) => writeAll(1, chunk),
    warn: (line) => writeAll(2, Buffer.from(line)),
    outOnTerminal,
    // The bar is for a redirected output only: no need to look at stderr otherwise.
    errMayBeTerminal: !outOnTerminal && mayBeTerminal(2),
  };
}

/**
 * Only a character device can be a terminal: files and pipes are told apart by fstat alone,
 * and so is /dev/null (a character device too, where timing runs send the output).
 */
function mayBeTerminal(fd: number): boolean {
  try {
    const st = fstatSync(fd);
    return st.isCharacterDevice() && st.rdev !== statSync('/dev/null').rdev;
  } catch {
    return false;
  }
}

function isTerminal(fd: number): boolean {
  // Only then is the stream made, to ask.
  return mayBeTerminal(fd) && (fd === 1 ? process.stdout : process.stderr).isTTY === true;
}

// A waiting place for Atomics.wait: a millisecond's sleep without a busy loop.
let pause: Int32Array | undefined;

/** All of `bytes` to `fd`, however many writes that takes. */
function writeAll(fd: number, bytes: Uint8Array): void {
  let at = 0;
  while (at < bytes.length) {
    try {
      at += writeSync(fd, bytes, at, bytes.length - at);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // A full pipe in non-blocking mode (its reader is slower than the replay, and it or
      // Node set O_NONBLOCK): wait a moment and write again.
      if (code === 'EAGAIN') {
        Atomics.wait((pause ??= new Int32Array(new SharedArrayBuffer(4))), 0, 0, 1);
        continue;
      }
      // `mcu-gc trace FILE | head`: the reader went away; stop quietly, as Unix tools do.
      if (code === 'EPIPE') process.exit(0);
      throw new UserError(`${fd === 1 ? 'stdout' : 'stderr'}: cannot write: ${describeFsError(e)}`);
    }
  }
}
