// The device side of a MicroPython board's serial REPL, backed by the official MicroPython
// WebAssembly build (npm @micropython/micropython-webassembly-pyscript, v1.27.0). Bytes in,
// bytes out, exactly as a board's USB CDC port would carry them.
//
// The wasm port runs the real event-driven REPL (shared/runtime/pyexec.c,
// pyexec_event_repl_process_char): friendly REPL, raw REPL, its framing, tracebacks. Two
// things a board's main loop does are missing from it, so this file supplies them:
//
// * Raw-paste mode. pyexec.c's raw-paste reader calls mp_hal_stdin_rx_chr(), which the
//   wasm port defines as `(0)` (ports/webassembly/mphalport.h): it would lex NUL bytes
//   forever. The wire side of do_reader_stdin/mp_reader_stdin_* is therefore implemented
//   here — "R\x01", the window (MICROPY_REPL_STDIN_BUFFER_MAX/2 = 128, u16 LE), "\x01"
//   credits each time a window is consumed, "\x04" at the end — and the received code is then
//   compiled and run with the port's own exec (see runPasted). Unlike a board, compilation
//   starts after the last byte, so a syntax error does not end the transfer early.
// * Soft reset. When the REPL returns PYEXEC_FORCED_EXIT (Ctrl-D on an empty line,
//   SystemExit) a board's main() prints "MPY: soft reboot", re-initialises and re-enters
//   the REPL in the same mode; here a fresh wasm instance is created the same way.
//
// Code runs synchronously on the JavaScript thread: the wasm port has no asynchronous
// Ctrl-C, so an endless loop cannot be interrupted (restart the virtual board).

import { loadMicroPython } from '@micropython/micropython-webassembly-pyscript';

/** How the device answers a raw-paste request. */
export type RawPasteMode =
  /** v1.14+ behaviour: accept "\x05A\x01". */
  | 'accept'
  /** Answer "R\x00" (the reply for an unknown raw-paste command), then ">". */
  | 'refuse'
  /** Firmware before v1.14: the request resets the raw REPL, which re-prints its banner. */
  | 'unsupported';

export interface DeviceOptions {
  /** MicroPython GC heap size in bytes. */
  heapSize: number;
  rawPaste?: RawPasteMode;
  /** Raw-paste flow-control window in bytes (MICROPY_REPL_STDIN_BUFFER_MAX / 2). */
  rawPasteWindow?: number;
}

export interface DeviceStats {
  rawPasteRequests: number;
  rawPasteExecs: number;
  rawExecs: number;
  softResets: number;
  /** Bytes a host sent in raw-paste mode beyond the window it had been granted. */
  flowControlViolations: number;
}

interface Mp {
  replInit(): void;
  replProcessChar(c: number): number;
  runPython(code: string): unknown;
  _module: unknown;
}

const RAW_BANNER = 'raw REPL; CTRL-B to exit\r\n';
const PYEXEC_FORCED_EXIT = 0x100;

export class MicroPythonDevice {
  readonly stats: DeviceStats = { rawPasteRequests: 0, rawPasteExecs: 0, rawExecs: 0, softResets: 0, flowControlViolations: 0 };
  private mp!: Mp;
  private out: number[] = [];
  private mode: 'friendly' | 'raw' = 'friendly';
  /** Length of the raw REPL's line buffer (shadowed: a raw-paste request needs it empty). */
  private rawLineLen = 0;
  private held: number[] = [];
  private paste: { data: number[]; credit: number; sinceCredit: number } | undefined;
  private input: number[] = [];
  private busy = false;
  private closed = false;
  private readonly window: number;

  private constructor(
    private readonly opts: DeviceOptions,
    private readonly send: (bytes: Uint8Array) => void,
  ) {
    this.window = opts.rawPasteWindow ?? 128;
  }

  /** Boots MicroPython; the boot banner goes to `send` only when `banner` is true. */
  static async boot(opts: DeviceOptions, send: (bytes: Uint8Array) => void, banner = false): Promise<MicroPythonDevice> {
    const d = new MicroPythonDevice(opts, send);
    await d.load();
    d.mp.replInit();
    const bootText = d.takeOut();
    if (banner) send(bootText);
    return d;
  }

  /** Bytes from the host. Processed in order; output is sent as it is produced. */
  receive(chunk: Uint8Array): void {
    if (this.closed) return;
    for (const b of chunk) this.input.push(b);
    void this.pump();
  }

  close(): void {
    this.closed = true;
    this.input.length = 0;
  }

  private async load(): Promise<void> {
    this.mp = (await loadMicroPython({
      heapsize: this.opts.heapSize,
      linebuffer: false,
      stdout: (bytes: Uint8Array) => {
        for (const b of bytes) this.out.push(b);
      },
    })) satisfies Mp;
  }

  private takeOut(): Buffer {
    const b = Buffer.from(this.out);
    this.out = [];
    return b;
  }

  private flush(transform?: (b: Buffer) => Buffer): void {
    if (this.out.length === 0) return;
    let b = this.takeOut();
    if (transform) b = transform(b);
    if (b.includes(RAW_BANNER)) {
      this.mode = 'raw';
      this.rawLineLen = 0;
    }
    if (b.length > 0) this.send(b);
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.input.length > 0 && !this.closed) {
        const c = this.input.shift()!;
        const ret = this.byte(c);
        if (ret & PYEXEC_FORCED_EXIT) await this.softReset();
      }
    } finally {
      this.busy = false;
    }
  }

  /** One host byte; returns the REPL's status (PYEXEC_FORCED_EXIT asks for a soft reset). */
  private byte(c: number): number {
    if (this.paste) return this.pasteByte(c);
    if (this.held.length === 1) {
      // "\x05" then the command byte; control bytes mean it was not a request after all.
      if (c >= 0x01 && c <= 0x04) return this.release(c);
      this.held.push(c);
      return 0;
    }
    if (this.held.length === 2) {
      if (c !== 0x01) return this.release(c);
      const cmd = this.held[1]!;
      this.held = [];
      return this.rawPasteRequest(cmd);
    }
    if (this.mode === 'raw' && this.rawLineLen === 0 && c === 0x05) {
      this.held.push(c);
      return 0;
    }
    return this.feed(c);
  }

  /** Passes held bytes and then c to the REPL. */
  private release(c: number): number {
    const bytes = [...this.held, c];
    this.held = [];
    let ret = 0;
    for (const b of bytes) {
      ret = this.feed(b);
      if (ret & PYEXEC_FORCED_EXIT) return ret;
    }
    return ret;
  }

  private feed(c: number): number {
    if (this.mode === 'raw') {
      if (c === 0x01 || c === 0x03) this.rawLineLen = 0;
      else if (c === 0x02) this.mode = 'friendly';
      else if (c === 0x04) {
        if (this.rawLineLen > 0) this.stats.rawExecs++;
        this.rawLineLen = 0;
      } else this.rawLineLen++;
    }
    const ret = this.mp.replProcessChar(c);
    this.flush();
    return ret;
  }

  private rawPasteRequest(cmd: number): number {
    this.stats.rawPasteRequests++;
    const how = this.opts.rawPaste ?? 'accept';
    if (how === 'unsupported') {
      // What a pre-v1.14 raw REPL does with "\x05A\x01": the first two bytes go into the
      // line buffer and "\x01" resets it, re-printing the banner.
      this.mp.replProcessChar(0x03);
      return this.feed(0x01);
    }
    if (how === 'refuse' || cmd !== 0x41) {
      // pyexec.c do_reader_stdin: "R\x00" for an unsupported command, then the raw REPL's
      // reset prints ">".
      this.send(Buffer.from('R\x00>', 'latin1'));
      return 0;
    }
    // "R\x01", the window as u16 LE, then "\x01": two windows are free at the start.
    this.send(Buffer.from([0x52, 0x01, this.window & 0xff, this.window >> 8, 0x01]));
    this.paste = { data: [], credit: 2 * this.window, sinceCredit: 0 };
    return 0;
  }

  private pasteByte(c: number): number {
    const p = this.paste!;
    if (c === 0x03) {
      // mp_reader_stdin_readbyte: Ctrl-C ends reception ("\x04") and raises
      // KeyboardInterrupt, reported with the usual framing.
      this.paste = undefined;
      this.send(Buffer.from('\x04\x04KeyboardInterrupt: \r\n\x04>', 'latin1'));
      return 0;
    }
    if (c === 0x04) {
      this.paste = undefined;
      this.send(Buffer.from([0x04])); // end of reception acknowledged
      this.stats.rawPasteExecs++;
      return this.runPasted(Buffer.from(p.data));
    }
    if (p.credit === 0) {
      // A board's stdin buffer would overflow here and the byte be lost.
      this.stats.flowControlViolations++;
      return 0;
    }
    p.credit--;
    p.data.push(c);
    if (++p.sinceCredit === this.window) {
      p.sinceCredit = 0;
      p.credit += this.window;
      this.send(Buffer.from([0x01]));
    }
    return 0;
  }

  /**
   * Runs raw-pasted code with the framing of pyexec.c parse_compile_execute (stdout, "\x04",
   * traceback, "\x04", ">"). It goes through mp_js_do_exec, whose source buffer lives
   * outside the GC heap, as a board's raw-paste source (lexed straight from stdin) never
   * enters the heap either; feeding it to the REPL line buffer instead would leave a
   * source-sized allocation in every heap dump.
   */
  private runPasted(code: Buffer): number {
    this.out = [];
    let traceback = '';
    let ret = 0;
    try {
      // The package's result/exception decoding reads globalThis.Module, which is the most
      // recently loaded instance; with several boards in one process (or after another
      // board's soft reset) it must be pointed back at this one first.
      (globalThis as { Module?: unknown }).Module = this.mp._module;
      this.mp.runPython(code.toString('utf8'));
    } catch (e) {
      const err = e as { name?: string; type?: string; message?: string };
      if (err.name !== 'PythonError') {
        // Not a Python exception: report it the way a board reports one, rather than
        // taking the whole virtual board (and a test process hosting it) down.
        err.type = 'RuntimeError';
        err.message = `RuntimeError: virtual board: ${err.message ?? String(e)}\n`;
      }
      if (err.type === 'SystemExit') ret = PYEXEC_FORCED_EXIT;
      // mp_plat_print is cooked on a board ("\n" → "\r\n"); this path's text is not.
      else traceback = (err.message ?? '').replace(/\r?\n/g, '\r\n');
    }
    const stdout = this.takeOut();
    // SystemExit: "\x04\x04" and no prompt; the soft reboot follows (pyexec.c).
    const tail = ret ? '\x04\x04' : `\x04${traceback}\x04>`;
    this.send(Buffer.concat([stdout, Buffer.from(tail, 'utf8')]));
    return ret;
  }

  private async softReset(): Promise<void> {
    this.stats.softResets++;
    const mode = this.mode;
    this.send(Buffer.from('MPY: soft reboot\r\n', 'latin1'));
    this.held = [];
    this.paste = undefined;
    await this.load();
    this.mp.replInit();
    if (mode === 'raw') {
      // The board stays in raw mode across the reboot (pyexec_mode_kind is kept), so it
      // prints the raw banner, not the friendly one.
      this.out = [];
      this.mp.replProcessChar(0x01);
      this.flush((b) => (b.subarray(0, 2).toString('latin1') === '\r\n' ? b.subarray(2) : b));
    } else {
      this.mode = 'friendly';
      this.flush();
    }
    this.rawLineLen = 0;
  }
}
