// From a --port argument to a RawRepl in the raw REPL, plus the serial options the
// device commands share (baud, DTR/RTS, timeouts, raw-paste/chunking, soft reset).

import type { Argv } from 'yargs';
import { UserError } from '../errors.js';
import { openRawRepl, type SerialOpenOptions, DEFAULT_BAUD } from './open.js';
import { candidatePaths, listPorts, parsePortSpec } from './ports.js';
import type { RawRepl } from './raw-repl.js';

export interface ConnectOptions extends SerialOpenOptions {
  /** Soft-reset after entering the raw REPL (mpremote does by default; mcu-gc only when asked, to keep a live heap). */
  softReset?: boolean;
}

/** Opens the port named by spec (mpremote grammar) and enters the raw REPL. */
export async function connect(spec: string, opts: ConnectOptions = {}): Promise<RawRepl> {
  const parsed = parsePortSpec(spec);
  const paths = parsed.kind === 'path' ? [parsed.path] : candidatePaths(parsed, await listPorts());
  let lastBusy: UserError | undefined;
  for (const path of paths) {
    let repl: RawRepl;
    try {
      repl = await openRawRepl(path, opts);
    } catch (e) {
      // `auto` moves on past a busy port, as mpremote does ("failed to access").
      if (parsed.kind === 'auto' && e instanceof UserError && /busy|permission/.test(e.message)) {
        lastBusy = e;
        continue;
      }
      throw e;
    }
    try {
      await repl.enter({ softReset: opts.softReset ?? false });
    } catch (e) {
      await repl.close();
      throw e instanceof UserError ? new UserError(`${path}: ${e.message}`, e.exitCode) : e;
    }
    return repl;
  }
  throw lastBusy ?? new UserError('no device found');
}

export interface SerialArgs {
  port: string;
  baud: number;
  timeout: number;
  'soft-reset': boolean;
  'raw-paste': boolean;
  'chunk-size': number;
  'chunk-delay': number;
  'interrupt-delay': number;
  dtr?: boolean;
  rts?: boolean;
}

/** The options every device command takes. */
export function withSerialOptions<T>(y: Argv<T>): Argv<T & SerialArgs> {
  return y
    .option('port', {
      alias: 'p',
      type: 'string',
      default: 'auto',
      describe: 'auto | id:SERIAL | port:PATH | a0..a3 | u0..u3 | c0..c3 | device path (as mpremote connect)',
    })
    .option('baud', { type: 'number', default: DEFAULT_BAUD, describe: 'baud rate' })
    .option('timeout', { type: 'number', default: 10, describe: 'seconds without a byte before a protocol step fails' })
    .option('soft-reset', { type: 'boolean', default: false, describe: 'soft-reset the board after entering the raw REPL (mpremote does; the default keeps the live heap)' })
    .option('raw-paste', { type: 'boolean', default: true, describe: 'use raw-paste mode when the board supports it (--no-raw-paste: always chunked raw mode)' })
    .option('chunk-size', { type: 'number', default: 32, describe: 'chunked raw mode: bytes per write (mpremote: 256; the micro:bit reads through a 64-byte buffer)' })
    .option('chunk-delay', { type: 'number', default: 10, describe: 'chunked raw mode: ms between writes' })
    .option('interrupt-delay', { type: 'number', default: 50, describe: 'ms to wait after Ctrl-C before entering the raw REPL' })
    .option('dtr', { type: 'boolean', describe: 'set DTR after opening (ESP32 boards reset on DTR/RTS changes; default: leave as opened)' })
    .option('rts', { type: 'boolean', describe: 'set RTS after opening (see --dtr)' }) as unknown as Argv<T & SerialArgs>;
}

export function connectOptionsFrom(a: SerialArgs): ConnectOptions {
  // Upper bounds: Node's timers hold at most 2^31-1 ms (~24.8 days) and silently fire
  // after 1 ms beyond that, so a huge --timeout must be refused, not wrapped.
  for (const [name, v, what, max] of [
    ['timeout', a.timeout, 'seconds (0: no limit)', 86_400],
    ['chunk-size', a['chunk-size'], 'bytes per write', 1 << 20],
    ['chunk-delay', a['chunk-delay'], 'milliseconds', 60_000],
    ['interrupt-delay', a['interrupt-delay'], 'milliseconds', 60_000],
    ['baud', a.baud, 'bits per second, e.g. 115200', 100_000_000],
  ] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new UserError(`--${name}: expected a number of ${what}`);
    if (v < 0 || v > max) throw new UserError(`--${name} ${v}: expected ${what}, from 0 to ${max}`);
  }
  if (a['chunk-size'] < 1 || !Number.isInteger(a['chunk-size'])) throw new UserError(`--chunk-size ${a['chunk-size']}: must be a whole number, at least 1`);
  const timeoutMs = a.timeout * 1000;
  return {
    baudRate: a.baud,
    timeoutMs,
    // Entering the raw REPL also has an overall cap (mpremote: 10 s) against a board that
    // keeps printing; it never undercuts the silence --timeout allows per step.
    enterTimeoutMs: timeoutMs === 0 ? 0 : Math.max(10_000, timeoutMs),
    softReset: a['soft-reset'],
    rawPaste: a['raw-paste'],
    chunkSize: a['chunk-size'],
    chunkDelayMs: a['chunk-delay'],
    interruptDelayMs: a['interrupt-delay'],
    dtr: a.dtr,
    rts: a.rts,
  };
}
