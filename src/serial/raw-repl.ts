// The raw REPL, host side, as MicroPython's tools/pyboard.py and mpremote's
// transport_serial.py speak it (v1.27.0; see ../shared/reference/protocol.md §1):
//   enter:  "\r\x03\x03" (interrupt), drain, "\r\x01", wait for "raw REPL; CTRL-B to exit\r\n>"
//   exec:   raw-paste "\x05A\x01" → "R\x01" + window(u16 LE) + "\x01" credits, code, "\x04";
//           or, when refused ("R\x00") or unknown (pre-v1.14 replies "raw REPL; …"), the
//           code in chunks + "\x04" → "OK"
//   reply:  stdout "\x04" stderr "\x04" ">"
//   exit:   "\r\x02";  soft reset: "\x04" on an empty raw line → "soft reboot\r\n" + banner.
// Every wait has a timeout and every failure is a TransportError naming the step and
// showing what was received. A Python exception is a result (stderr), not a failure.

import { ByteReader, type ReadableByteStream } from './byte-reader.js';
import { TransportError } from './errors.js';

/** What RawRepl needs from a port: serialport's SerialPortStream (real or mock binding). */
export interface SerialStream extends ReadableByteStream {
  readonly isOpen: boolean;
  readonly path?: string;
  write(data: Buffer, cb?: (err: Error | null | undefined) => void): boolean;
  drain(cb?: (err: Error | null) => void): void;
  close(cb?: (err: Error | null) => void): void;
  set(options: { dtr?: boolean; rts?: boolean }, cb?: (err: Error | null) => void): void;
}

export interface RawReplOptions {
  /** Inter-byte timeout for protocol replies, ms (mpremote: 10 s). */
  timeoutMs?: number;
  /** Overall limit for entering the raw REPL, ms (mpremote: timeout_overall=10 s). */
  enterTimeoutMs?: number;
  /**
   * Pause after the interrupt before draining and sending Ctrl-A, ms. Boards whose USB
   * stack flushes its input on Ctrl-C (TinyUSB, protocol.md §1.4) or that print a long
   * KeyboardInterrupt traceback benefit from a little more.
   */
  interruptDelayMs?: number;
  /** Try raw-paste mode first (default true); false always uses chunked raw mode. */
  rawPaste?: boolean;
  /**
   * Chunked raw mode: bytes per write. mpremote and pyboard.py write 256; the firmwares that
   * need this mode (older than v1.14, which added raw-paste) include the micro:bit's, whose
   * raw REPL reads through a 64-byte UART buffer that drops what does not fit
   * (bbcmicrobit/micropython source/microbit/mphalport.cpp, UART_RX_BUF_SIZE). Under a loaded
   * QEMU 256-byte writes lost bytes in 3 of 40 600-byte commands, 64-byte ones in 1 of 40,
   * 32-byte ones in none.
   */
  chunkSize?: number;
  /** Chunked raw mode: pause between writes, ms (mpremote: 10). */
  chunkDelayMs?: number;
}

export interface ExecOptions {
  /** Inter-byte timeout while the code runs, ms; 0 waits forever (mpremote exec --follow). */
  timeoutMs?: number;
  /** Receives stdout as it arrives; the result's stdout is then empty (nothing is kept twice). */
  onStdout?: (chunk: Uint8Array) => void;
}

export interface DeviceException {
  /** e.g. "ZeroDivisionError". */
  type: string;
  /** e.g. "divide by zero" (may be empty). */
  message: string;
}

export interface ExecResult {
  /** Device stdout (UTF-8 decoded), empty when streamed to onStdout. */
  stdout: string;
  /** The same as bytes. */
  stdoutBytes: Buffer;
  /** Traceback text of an uncaught exception, "" when the code finished normally. */
  stderr: string;
  /** Parsed from the traceback's last line when stderr is not empty. */
  exception?: DeviceException;
  /** Whether the code went over raw-paste mode (false: chunked raw mode). */
  rawPaste: boolean;
}

const RAW_BANNER = 'raw REPL; CTRL-B to exit\r\n';
const EOT = 0x04;
const EOT_BYTES = Buffer.of(EOT);
const CTRL_A_BYTES = Buffer.of(0x01);

const DEFAULTS: Required<RawReplOptions> = {
  timeoutMs: 10_000,
  enterTimeoutMs: 10_000,
  interruptDelayMs: 50,
  rawPaste: true,
  chunkSize: 32,
  chunkDelayMs: 10,
};

/**
 * A board that resets during an exec ends in its friendly REPL: banner then ">>> ". No
 * "\x04" will come, so waiting for one would only time out.
 */
const RESET_MARKER = /MicroPython v\S+[^\r\n]*\r?\n(?:Type "help\(\)" for more information\.\r?\n)?>>> $/;

export class RawRepl {
  readonly options: Required<RawReplOptions>;
  private readonly reader: ByteReader;
  private inRaw = false;
  /** The ">" prompt has been consumed; the device waits for a command. */
  private atPrompt = false;
  private rawPasteKnown: boolean | undefined;
  private closing = false;

  constructor(
    readonly port: SerialStream,
    options: RawReplOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...definedOnly(options) };
    this.reader = new ByteReader(port);
  }

  /** true/false once an exec has found out whether the device accepts raw-paste mode. */
  get rawPasteSupported(): boolean | undefined {
    return this.rawPasteKnown;
  }

  get inRawRepl(): boolean {
    return this.inRaw;
  }

  /**
   * Interrupts whatever runs and enters the raw REPL. The banner is found by searching
   * everything received, so stale output, boot text and tracebacks before it are ignored
   * (mpremote's ends-with matching). Soft-resets only when asked.
   */
  async enter(opts: { softReset?: boolean } = {}): Promise<void> {
    const step = 'entering raw REPL';
    await this.write(Buffer.from('\r\x03\x03', 'latin1'), step);
    if (this.options.interruptDelayMs > 0) await sleep(this.options.interruptDelayMs);
    this.reader.takeAll();
    await this.write(Buffer.from('\r\x01', 'latin1'), step);
    await this.reader.readUntil(RAW_BANNER + '>', {
      step: `${step} (waiting for "raw REPL; CTRL-B to exit" after Ctrl-A)`,
      timeoutMs: this.options.timeoutMs,
      overallMs: this.options.enterTimeoutMs,
    });
    this.inRaw = true;
    this.atPrompt = true;
    if (opts.softReset) await this.softReset();
  }

  /** Soft reset from the raw REPL (Ctrl-D on an empty line); stays in the raw REPL. */
  async softReset(): Promise<void> {
    const step = 'soft reset';
    this.requireRaw(step);
    await this.awaitPrompt(step);
    await this.write(EOT_BYTES, step);
    this.atPrompt = false;
    const wait = { timeoutMs: this.options.timeoutMs, overallMs: this.options.enterTimeoutMs };
    await this.reader.readUntil('soft reboot\r\n', { step: `${step} (waiting for "soft reboot")`, ...wait });
    // boot.py output, if any, comes before the banner.
    await this.reader.readUntil(RAW_BANNER + '>', { step: `${step} (waiting for the raw REPL banner after the reboot)`, ...wait });
    this.atPrompt = true;
  }

  /** Runs code and returns its stdout and traceback (if it raised). */
  async exec(code: string | Uint8Array, opts: ExecOptions = {}): Promise<ExecResult> {
    const src = typeof code === 'string' ? Buffer.from(code, 'utf8') : Buffer.from(code);
    this.requireRaw('exec');
    await this.awaitPrompt('exec (waiting for the raw REPL prompt ">")');
    this.atPrompt = false;
    let rawPaste = false;
    if (this.options.rawPaste && this.rawPasteKnown !== false) rawPaste = await this.tryRawPaste();
    if (rawPaste) await this.rawPasteWrite(src);
    else await this.chunkedWrite(src);
    return this.follow(opts, rawPaste);
  }

  /** Like exec, but a Python exception becomes a DeviceExecError (exit code 1). */
  async execChecked(code: string | Uint8Array, opts: ExecOptions = {}): Promise<ExecResult> {
    const r = await this.exec(code, opts);
    if (r.stderr !== '') throw new DeviceExecError(r);
    return r;
  }

  /** Leaves the raw REPL for the friendly one (Ctrl-B). */
  async exit(): Promise<void> {
    if (!this.inRaw) return;
    await this.write(Buffer.from('\r\x02', 'latin1'), 'leaving raw REPL');
    this.inRaw = false;
    this.atPrompt = false;
  }

  /**
   * Leaves the raw REPL and closes the port. Like mpremote's close(): RTS is dropped before
   * DTR, so ESP32 auto-reset circuits (DTR→GPIO0, RTS→EN) never see a reset pulse.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.port.isOpen && !this.reader.closed) {
      try {
        await this.exit();
      } catch {
        /* the device may be gone; closing must still work */
      }
      await setSignal(this.port, { rts: false });
      await setSignal(this.port, { dtr: false });
      await new Promise<void>((resolve) => this.port.close(() => resolve()));
    }
    this.reader.detach();
  }

  // --- protocol steps ---

  private requireRaw(step: string): void {
    if (!this.inRaw) throw new Error(`internal: ${step} before enter()`);
  }

  private async awaitPrompt(step: string): Promise<void> {
    if (this.atPrompt) return;
    await this.reader.readUntil('>', { step, timeoutMs: this.options.timeoutMs });
    this.atPrompt = true;
  }

  /** Sends the raw-paste request; true if the device entered raw-paste mode. */
  private async tryRawPaste(): Promise<boolean> {
    const step = 'raw-paste request';
    await this.write(Buffer.from('\x05A\x01', 'latin1'), step);
    const reply = await this.reader.readExactly(2, { step: `${step} (waiting for "R\\x01")`, timeoutMs: this.options.timeoutMs });
    if (reply[0] === 0x52 && reply[1] === 0x01) {
      this.rawPasteKnown = true;
      return true;
    }
    this.rawPasteKnown = false;
    if (reply[0] === 0x52 && reply[1] === 0x00) {
      // The device knows raw paste but refused; it re-prints ">" (observed: b'R\x00>').
      await this.reader.readUntil('>', { step: `${step} (refused; waiting for ">")`, timeoutMs: this.options.timeoutMs });
      return false;
    }
    // Firmware before v1.14: "\x05A" went into the line buffer and "\x01" reset the raw
    // REPL, which re-prints its banner. The first two bytes of it are already read.
    const banner = RAW_BANNER + '>';
    const got = reply.toString('latin1');
    if (!banner.startsWith(got)) {
      throw new TransportError(step, 'unexpected reply to the raw-paste request (expected "R\\x01", "R\\x00" or the raw REPL banner)', reply);
    }
    await this.reader.readUntil(banner.slice(got.length), {
      step: `${step} (not supported; waiting for the rest of the raw REPL banner)`,
      timeoutMs: this.options.timeoutMs,
    });
    return false;
  }

  /** Raw-paste data phase with the device's flow control (pyexec.c do_reader_stdin). */
  private async rawPasteWrite(src: Buffer): Promise<void> {
    const step = 'raw-paste transfer';
    const wait = { timeoutMs: this.options.timeoutMs };
    const header = await this.reader.readExactly(2, { step: `${step} (window size)`, ...wait });
    const window = header.readUInt16LE(0);
    if (window === 0) throw new TransportError(step, 'device announced a flow-control window of 0', header);
    let remain = window;
    let off = 0;
    while (off < src.length) {
      // Take credits ("\x01") as they come; block for one only when the window is used up.
      while (remain === 0 || this.reader.available > 0) {
        const b = await this.reader.readExactly(1, { step: `${step} (waiting for flow-control credit at byte ${off} of ${src.length})`, ...wait });
        if (b[0] === 0x01) remain += window;
        else if (b[0] === EOT) {
          // The device ended reception early (compile error, or it saw Ctrl-C): it
          // expects "\x04" back and will then report the error as usual.
          await this.write(EOT_BYTES, step);
          return;
        } else {
          throw new TransportError(step, `unexpected byte 0x${b[0]!.toString(16).padStart(2, '0')} during raw paste at byte ${off} of ${src.length}`, b);
        }
      }
      const n = Math.min(remain, src.length - off);
      await this.write(src.subarray(off, off + n), step);
      off += n;
      remain -= n;
    }
    await this.write(EOT_BYTES, step);
    // The device answers "\x04" once it has compiled everything; credits may come first.
    const tail = await this.reader.readUntil(EOT_BYTES, { step: `${step} (waiting for the device to acknowledge the end of the code)`, ...wait });
    for (let i = 0; i < tail.length - 1; i++) {
      if (tail[i] !== 0x01) throw new TransportError(step, 'unexpected bytes while waiting for the end acknowledgement', tail);
    }
  }

  /**
   * Normal raw mode: the code in slices with a pause between them, then "\x04" → "OK". With no
   * flow control, bytes can be lost on the way in (the micro:bit under a loaded QEMU): a lost
   * "\x04" leaves the board waiting for more code, and nothing comes back at all. Then one
   * Ctrl-A asks what state the board is in: still reading code, pyexec.c's raw REPL drops the
   * line and prints its banner at once, and the code is sent again; anything before the
   * banner means the board did take the code (late), which is reported, not run twice.
   */
  private async chunkedWrite(src: Buffer): Promise<void> {
    const step = 'sending code (raw mode)';
    const size = Math.max(1, this.options.chunkSize);
    let ok: Buffer | undefined;
    for (let attempt = 0; ok === undefined; attempt++) {
      for (let off = 0; off < src.length; off += size) {
        await this.write(src.subarray(off, off + size), step);
        if (this.options.chunkDelayMs > 0 && off + size < src.length) await sleep(this.options.chunkDelayMs);
      }
      await this.write(EOT_BYTES, step);
      try {
        ok = await this.reader.readExactly(2, { step: `${step} (waiting for "OK")`, timeoutMs: this.options.timeoutMs });
      } catch (e) {
        if (attempt > 0 || !(e instanceof TransportError) || e.received.length > 0 || this.reader.closed) throw e;
        await this.write(CTRL_A_BYTES, step);
        const got = await this.reader.readUntil(RAW_BANNER + '>', {
          step: `${step} (no "OK" to the code: asked for the raw REPL banner to send it again)`,
          timeoutMs: this.options.timeoutMs,
        });
        const before = got.subarray(0, got.length - RAW_BANNER.length - 1);
        if (before.toString('latin1').trim() !== '') {
          throw new TransportError(step, `the device answered the code only after ${this.options.timeoutMs / 1000} s of silence`, got);
        }
      }
    }
    if (ok.toString('latin1') !== 'OK') {
      // Show a little more of what came, if it is already here.
      const more = this.reader.takeAll();
      throw new TransportError(step, 'the device did not answer "OK" to the code', Buffer.concat([ok, more]));
    }
  }

  /** stdout "\x04" stderr "\x04"; the trailing ">" is left for the next command (as mpremote). */
  private async follow(opts: ExecOptions, rawPaste: boolean): Promise<ExecResult> {
    const timeoutMs = opts.timeoutMs ?? this.options.timeoutMs;
    const chunks: Uint8Array[] = [];
    const onData = opts.onStdout ?? ((c: Uint8Array) => chunks.push(Buffer.from(c)));
    await this.reader.readUntil(EOT_BYTES, {
      step: 'running code (waiting for the end of its output, "\\x04")',
      timeoutMs,
      onData,
      failIf: (got) => {
        const tail = Buffer.from(got.subarray(Math.max(0, got.length - 512))).toString('latin1');
        return RESET_MARKER.test(tail) ? 'the board reset while the code ran (its boot banner and ">>> " appeared)' : undefined;
      },
    });
    const errBytes = await this.reader.readUntil(EOT_BYTES, {
      step: 'running code (waiting for the end of its error output, second "\\x04")',
      timeoutMs,
    });
    const stdoutBytes = Buffer.concat(chunks);
    const stderr = errBytes.subarray(0, errBytes.length - 1).toString('utf8');
    const result: ExecResult = { stdout: stdoutBytes.toString('utf8'), stdoutBytes, stderr, rawPaste };
    if (stderr !== '') result.exception = parseException(stderr);
    return result;
  }

  private write(data: Buffer, step: string): Promise<void> {
    if (this.reader.closed || !this.port.isOpen) {
      return Promise.reject(new TransportError(step, 'the port is closed (the device disconnected)'));
    }
    return new Promise<void>((resolve, reject) => {
      this.port.write(data, (err) => {
        if (err) {
          reject(new TransportError(step, `write failed: ${err.message}`));
          return;
        }
      });
      this.port.drain((err) => {
        if (err) reject(new TransportError(step, `write failed: ${err.message}`));
        else resolve();
      });
    });
  }
}

/** A Python exception raised by code run on the device (its traceback is the message). */
export class DeviceExecError extends Error {
  constructor(readonly result: ExecResult) {
    super(result.stderr.trimEnd());
    this.name = 'DeviceExecError';
  }
}

/** "Traceback …\r\nZeroDivisionError: divide by zero\r\n" → {type, message}. */
export function parseException(stderr: string): DeviceException {
  const lines = stderr.split(/\r?\n/).filter((l) => l.trim() !== '');
  const last = lines[lines.length - 1] ?? '';
  const m = /^([A-Za-z_][\w.]*)(?::\s?(.*))?$/.exec(last.trim());
  if (!m) return { type: 'Exception', message: last.trim() };
  return { type: m[1]!, message: m[2] ?? '' };
}

/** Sets DTR/RTS; a port without modem lines (a pty) answers ENOTTY/EINVAL, as pyserial ignores. */
export function setSignal(port: SerialStream, s: { dtr?: boolean; rts?: boolean }): Promise<void> {
  return new Promise((resolve) => {
    try {
      port.set(s, () => resolve());
    } catch {
      resolve();
    }
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
