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
    .option('chunk-size', { type: 'number', default: 256, describe: 'chunked raw mode: bytes per write' })
    .option('chunk-delay', { type: 'number', default: 10, describe: 'chunked raw mode: ms between writes' })
    .option('interrupt-delay', { type: 'number', default: 50, describe: 'ms to wait after Ctrl-C before entering the raw REPL' })
    .option('dtr', { type: 'boolean', describe: 'set DTR after opening (ESP32 boards reset on DTR/RTS changes; default: leave as opened)' })
    .option('rts', { type: 'boolean', describe: 'set RTS after opening (see --dtr)' }) as unknown as Argv<T & SerialArgs>;
}

export function connectOptionsFrom(a: SerialArgs): ConnectOptions {
  for (const [name, v] of [
    ['timeout', a.timeout],
    ['chunk-size', a['chunk-size']],
    ['chunk-delay', a['chunk-delay']],
    ['interrupt-delay', a['interrupt-delay']],
    ['baud', a.baud],
  ] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new UserError(`--${name}: expected a non-negative number, got ${String(v)}`);
  }
  if (a['chunk-size'] < 1) throw new UserError('--chunk-size: must be at least 1');
  return {
    baudRate: a.baud,
    timeoutMs: a.timeout * 1000,
    softReset: a['soft-reset'],
    rawPaste: a['raw-paste'],
    chunkSize: a['chunk-size'],
    chunkDelayMs: a['chunk-delay'],
    interruptDelayMs: a['interrupt-delay'],
    dtr: a.dtr,
    rts: a.rts,
  };
}
