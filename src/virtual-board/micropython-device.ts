// The device side of a MicroPython board's serial REPL, backed by the official MicroPython
// WebAssembly build (npm @micropython/micropython-webassembly-pyscript, v1.27.0), which
// runs in a worker thread (worker.ts). This side, on the main thread, is what a board's
// USB/UART driver and the part of its main loop around the REPL do: it always answers.
//
// * Bytes from the host go to the interpreter's event-driven REPL (shared/runtime/pyexec.c,
//   pyexec_event_repl_process_char) in batches that end where execution can start; while
//   Python runs they go to the stdin ring instead (sys.stdin, input()), and what Python did
//   not read goes back to the REPL afterwards, as a board's one ring buffer behaves.
// * Ctrl-C while Python runs is the interrupt character: the two words that
//   mp_sched_keyboard_interrupt() writes are written into the worker's shared memory, so
//   even `while True: pass` stops with KeyboardInterrupt. Where no pending-exception check
//   is reached (a long C loop), the interpreter is restarted after 1 s — a hard reset: the
//   board's banner and prompt, files kept — and that is said once on stderr.
// * Raw-paste mode. pyexec.c's raw-paste reader calls mp_hal_stdin_rx_chr(), which the
//   wasm port defines as `(0)` (ports/webassembly/mphalport.h), so the wire side of
//   do_reader_stdin/mp_reader_stdin_* is implemented here — "R\x01", the window
//   (MICROPY_REPL_STDIN_BUFFER_MAX/2 = 128, u16 LE), "\x01" credits each time a window is
//   consumed, "\x04" at the end — on this thread, so credits and the end acknowledgement
//   are never late whatever Python is doing; the code then runs in the worker. Unlike a
//   board, compilation starts after the last byte, so a syntax error does not end the
//   transfer early.
// * Soft reset. When the REPL returns PYEXEC_FORCED_EXIT (Ctrl-D on an empty line,
//   SystemExit) a board's main() prints "MPY: soft reboot", re-initialises and re-enters
//   the REPL in the same mode; here the worker boots a fresh interpreter the same way. The
//   flash is a host directory, so files survive it.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createOutputRing, OutputRing, type OutputRingBuffers } from './output-ring.js';
import { createStdinRing, StdinRing, type StdinRingBuffers } from './stdin-ring.js';
import type { FromWorker, InterruptAddresses, ToWorker, WorkerInit } from './worker-protocol.js';

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
  /** Linear memory in 64 KiB pages (see board.ts). */
  memoryPages: number;
  /** The heap may not grow at all (no --memory given). */
  fixedHeap: boolean;
  /** Host directory that holds the flash. */
  fsDir: string;
  rawPaste?: RawPasteMode;
  /** Raw-paste flow-control window in bytes (MICROPY_REPL_STDIN_BUFFER_MAX / 2). */
  rawPasteWindow?: number;
  /** One-line notices for the person running the board (stderr in the CLI). */
  onNotice?: (message: string) => void;
}

export interface DeviceStats {
  rawPasteRequests: number;
  rawPasteExecs: number;
  rawExecs: number;
  softResets: number;
  /** Bytes a host sent in raw-paste mode beyond the window it had been granted. */
  flowControlViolations: number;
  /** Ctrl-C received while Python ran. */
  interrupts: number;
  /** Interpreter restarts: machine.reset(), or Python that Ctrl-C could not stop. */
  restarts: number;
  /** Bytes lost because the stdin ring was full (as on a board). */
  stdinOverflow: number;
}

const RAW_BANNER = 'raw REPL; CTRL-B to exit\r\n';
const PYEXEC_FORCED_EXIT = 0x100;
const STUCK_MS = 1000;
const FATAL_CHECK_MS = 400;
const RESET_CAUSE = { powerOn: 1, hard: 2 } as const;

/** The compiled worker. From source (vitest on Node 20, which cannot load TypeScript in a worker) that is the build in dist/. */
function workerPath(): string {
  const here = fileURLToPath(import.meta.url);
  const built = here.endsWith('.ts') ? fileURLToPath(new URL('../../dist/src/virtual-board/worker.js', import.meta.url)) : fileURLToPath(new URL('./worker.js', import.meta.url));
  if (!existsSync(built)) throw new Error(`${built} is missing: run npm run build`);
  return built;
}

export class MicroPythonDevice {
  readonly stats: DeviceStats = {
    rawPasteRequests: 0,
    rawPasteExecs: 0,
    rawExecs: 0,
    softResets: 0,
    flowControlViolations: 0,
    interrupts: 0,
    restarts: 0,
    stdinOverflow: 0,
  };
  private worker: Worker | undefined;
  private state: 'booting' | 'idle' | 'busy' = 'booting';
  private queue: number[] = [];
  private readonly ringBuffers: StdinRingBuffers = createStdinRing();
  private readonly ring = new StdinRing(this.ringBuffers);
  private readonly outputBuffers: OutputRingBuffers = createOutputRing();
  private readonly outputRing = new OutputRing(this.outputBuffers);
  private readonly following: { stop(): void };
  /** The end of the output so far: the raw banner may arrive in two pieces. */
  private outputTail = '';
  private memory: Int32Array | undefined;
  private irq: InterruptAddresses | undefined;
  private mode: 'friendly' | 'raw' = 'friendly';
  /** Length of the raw REPL's line buffer (shadowed: a raw-paste request needs it empty). */
  private rawLineLen = 0;
  private held: number[] = [];
  private paste: { data: number[]; credit: number; sinceCredit: number } | undefined;
  private interruptedRequest = false;
  /** What the worker is doing while the state is busy. */
  private request: ToWorker['t'] = 'chars';
  private watchdog: NodeJS.Timeout | undefined;
  private fatalWatch: NodeJS.Timeout | undefined;
  private stuckNoticeGiven = false;
  private closed = false;
  private readonly window: number;

  private constructor(
    private readonly opts: DeviceOptions,
    private readonly send: (bytes: Uint8Array) => void,
  ) {
    this.window = opts.rawPasteWindow ?? 128;
    this.following = this.outputRing.follow((b) => this.output(b));
  }

  /** Boots MicroPython; the boot banner goes to `send` only when `banner` is true. */
  static async boot(opts: DeviceOptions, send: (bytes: Uint8Array) => void, banner = false): Promise<MicroPythonDevice> {
    const d = new MicroPythonDevice(opts, send);
    await d.start(RESET_CAUSE.powerOn, banner);
    return d;
  }

  /** Bytes from the host. */
  receive(chunk: Uint8Array): void {
    if (this.closed) return;
    if (this.state !== 'busy') {
      for (const b of chunk) this.queue.push(b);
      this.pump();
      return;
    }
    for (const b of chunk) {
      // During a soft reboot no Python runs: Ctrl-C waits for the new REPL, like any byte.
      if (b === 0x03 && this.request !== 'soft-reset') this.interrupt();
      else this.stats.stdinOverflow += this.ring.push([b]);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.watchdog);
    this.stopFatalWatch();
    this.following.stop();
    this.queue.length = 0;
    void this.worker?.terminate();
    this.worker = undefined;
  }

  // ------------------------------------------------------------------ worker lifecycle

  private start(resetCause: number, sendBanner: boolean): Promise<void> {
    this.state = 'booting';
    const init: WorkerInit = {
      heapSize: this.opts.heapSize,
      memoryPages: this.opts.memoryPages,
      fixedHeap: this.opts.fixedHeap,
      fsDir: this.opts.fsDir,
      ring: this.ringBuffers,
      output: this.outputBuffers,
      resetCause,
    };
    const worker = new Worker(workerPath(), { workerData: init });
    this.worker = worker;
    return new Promise<void>((resolve, reject) => {
      let booted = false;
      worker.on('message', (m: FromWorker) => {
        if (this.worker !== worker || this.closed) return;
        this.drainOutput();
        if (!booted && m.t === 'ready') {
          booted = true;
          this.ready(m);
          if (sendBanner) this.output(m.banner);
          this.state = 'idle';
          resolve();
          this.pump();
          return;
        }
        if (!booted && m.t === 'fatal') {
          booted = true;
          this.worker = undefined;
          void worker.terminate();
          reject(new Error(m.message));
          return;
        }
        this.onMessage(m);
      });
      worker.on('exit', (code) => {
        // Not terminated by us (restart and close forget the worker first): C exit() or a crash.
        if (this.worker !== worker || this.closed) return;
        if (!booted) {
          booted = true;
          reject(new Error(`the interpreter exited during boot (code ${code})`));
        } else this.restart(`the interpreter exited (code ${code})`);
      });
      worker.on('error', (e) => {
        if (this.worker !== worker || this.closed) return;
        if (!booted) {
          booted = true;
          reject(e);
        } else this.restart(`the interpreter failed (${e.message})`);
      });
    });
  }

  private ready(m: Extract<FromWorker, { t: 'ready' }>): void {
    this.memory = new Int32Array(m.memory.buffer);
    this.irq = m.interrupt;
  }

  private onMessage(m: FromWorker): void {
    switch (m.t) {
      case 'ready':
        this.ready(m);
        this.output(m.banner);
        return;
      case 'done':
        this.requestDone(m.ret);
        return;
      case 'hard-reset':
        this.restart(undefined);
        return;
      case 'fatal':
        this.restart(`the interpreter failed (${m.message})`);
        return;
    }
  }

  /**
   * A hard reset: a new interpreter (the old one is stopped wherever it is), the board's
   * banner and friendly prompt. What the host sent meanwhile is kept for the new REPL, so a
   * client's "\r\x03\r\x01" still gets it into the raw REPL. `soft`: reboot as pyexec's
   * soft reset does instead ("MPY: soft reboot", the same REPL mode, no banner).
   */
  private restart(reason: string | undefined, soft = false): void {
    if (this.closed) return;
    clearTimeout(this.watchdog);
    this.watchdog = undefined;
    this.stopFatalWatch();
    const old = this.worker;
    this.worker = undefined;
    void old?.terminate();
    this.drainOutput();
    this.stats.restarts++;
    if (reason && !this.stuckNoticeGiven) {
      this.stuckNoticeGiven = true;
      this.opts.onNotice?.(`virtual board: ${reason}; restarted the interpreter (${soft ? 'as a soft reset' : 'a hard reset'}: files kept, RAM lost)`);
    }
    this.memory = undefined;
    this.irq = undefined;
    const wasRaw = this.mode === 'raw';
    this.queue = [...this.ring.drain(), ...this.queue];
    this.mode = 'friendly';
    this.rawLineLen = 0;
    this.held = [];
    this.paste = undefined;
    this.interruptedRequest = false;
    if (soft) {
      // As pyexec's soft reboot: the same REPL mode afterwards (raw: Ctrl-A re-enters it).
      this.stats.softResets++;
      this.output(Buffer.from('MPY: soft reboot\r\n', 'latin1'));
      if (wasRaw) this.queue.unshift(0x01);
    }
    this.start(soft ? RESET_CAUSE.powerOn : RESET_CAUSE.hard, !soft).catch((e: unknown) => {
      this.opts.onNotice?.(`virtual board: cannot restart the interpreter: ${(e as Error).message}`);
    });
  }

  // ------------------------------------------------------------------ output, interrupts

  private drainOutput(): void {
    const b = this.outputRing.drain();
    if (b.length > 0) this.output(b);
  }

  private output(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const text = this.outputTail + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
    if (text.includes(RAW_BANNER)) {
      this.mode = 'raw';
      this.rawLineLen = 0;
      this.outputTail = '';
    } else this.outputTail = text.slice(-RAW_BANNER.length);
    this.send(bytes);
  }

  /** Ctrl-C while a request runs: what a board's UART handler does for the interrupt char. */
  private interrupt(): void {
    this.stats.interrupts++;
    this.interruptedRequest = true;
    const mem = this.memory;
    const a = this.irq;
    if (mem && a) {
      // mp_sched_keyboard_interrupt(): forget the last traceback, make the static
      // KeyboardInterrupt pending, and flag the scheduler if it is idle.
      Atomics.store(mem, (a.exception + 8) >> 2, 0);
      Atomics.store(mem, a.pending >> 2, a.exception);
      Atomics.compareExchange(mem, a.sched >> 2, a.schedIdle, a.schedPending);
    }
    // Only then wake a reader blocked in input() or sys.stdin, as a board's UART IRQ sets
    // the pending exception before the waiting read sees the Ctrl-C. Woken first, the
    // reader could return, the code end and runPasted look for the exception before it
    // was written: the request ended without KeyboardInterrupt and requestDone took the
    // late exception for a Ctrl-C between REPL characters.
    this.ring.interrupt();
    this.watchdog ??= setTimeout(() => {
      this.watchdog = undefined;
      if (this.state === 'busy') this.restart(`Python did not stop within ${STUCK_MS / 1000} s of Ctrl-C`);
    }, STUCK_MS);
  }

  private requestDone(ret: number): void {
    clearTimeout(this.watchdog);
    this.watchdog = undefined;
    this.stopFatalWatch();
    if (ret & PYEXEC_FORCED_EXIT) {
      this.stats.softResets++;
      this.memory = undefined;
      this.irq = undefined;
      this.post({ t: 'soft-reset', raw: this.mode === 'raw' });
      return;
    }
    const back = this.ring.drain();
    const mem = this.memory;
    const a = this.irq;
    if (this.interruptedRequest && mem && a && Atomics.load(mem, a.pending >> 2) === a.exception) {
      // The Ctrl-C came when no Python was running (between REPL characters): it was a
      // REPL character after all, as it is on a board whose interrupt char is disabled then.
      Atomics.store(mem, a.pending >> 2, 0);
      back.unshift(0x03);
    }
    this.interruptedRequest = false;
    this.queue = [...back, ...this.queue];
    this.state = 'idle';
    this.pump();
  }

  private post(m: ToWorker): void {
    this.state = 'busy';
    this.request = m.t;
    this.watchFatal();
    // Whatever the host sent after this request is what running code would read first.
    if (this.queue.length > 0) {
      this.stats.stdinOverflow += this.ring.push(this.queue);
      this.queue = [];
    }
    this.worker?.postMessage(m);
  }

  /**
   * The port's main.c ends nlr_jump_fail() and __fatal_error() in `while (1);` — reached,
   * for one, when the heap is full as mp_js_do_exec turns an exception into text (this port
   * collects garbage only between commands, so a program that keeps allocating gets there).
   * Busy with no nlr_push active, twice in a row, after malloc found the RAM full, is that
   * loop: the command ends with an error and the interpreter reboots as in a soft reset, in
   * the same REPL mode.
   */
  private watchFatal(): void {
    this.stopFatalWatch();
    if (this.request === 'soft-reset') return;
    let strikes = 0;
    const oom = this.ring.outOfMemory;
    this.fatalWatch = setInterval(() => {
      const mem = this.memory;
      const at = this.irq?.nlrTop;
      if (this.state !== 'busy' || !mem || at === undefined) return;
      // Only after malloc found the RAM full: a long batch of REPL characters (a big paste
      // in friendly paste mode) also runs outside nlr_push, and must not be taken for it.
      strikes = Atomics.load(mem, at >> 2) === 0 && this.ring.outOfMemory !== oom ? strikes + 1 : 0;
      if (strikes >= 2) this.recoverFromFatal();
    }, FATAL_CHECK_MS);
  }

  private stopFatalWatch(): void {
    clearInterval(this.fatalWatch);
    this.fatalWatch = undefined;
  }

  private recoverFromFatal(): void {
    this.stopFatalWatch();
    const raw = this.mode === 'raw';
    const why = 'MemoryError: the virtual board ran out of memory reporting an error (its port collects garbage only between commands); soft reboot';
    this.drainOutput();
    this.output(Buffer.from(raw ? `\x04${why}\r\n\x04` : `\r\n${why}\r\n`, 'latin1'));
    this.restart('the interpreter stopped in a fatal error (out of memory)', true);
  }

  // ------------------------------------------------------------------ the REPL side

  private pump(): void {
    const batch: number[] = [];
    while (this.state === 'idle' && this.queue.length > 0 && !this.closed) {
      const c = this.queue.shift()!;
      if (this.paste) {
        const code = this.pasteByte(c);
        if (code) {
          this.flushBatch(batch);
          this.post({ t: 'paste', code });
        }
        continue;
      }
      if (batch.length > 0 && this.held.length === 0 && this.mode === 'raw' && this.rawLineLen === 0 && c === 0x05) {
        // Perhaps a raw-paste request: the REPL first catches up, so that the reply
        // follows everything earlier bytes print and the paste data stays on this side.
        this.queue.unshift(c);
        break;
      }
      for (const b of this.requestFilter(c)) {
        batch.push(b);
        this.shadow(b);
      }
      if (this.startsSomething(c)) this.flushBatch(batch);
    }
    this.flushBatch(batch);
  }

  private flushBatch(batch: number[]): void {
    if (batch.length === 0 || this.state !== 'idle') return;
    const bytes = Uint8Array.from(batch);
    batch.length = 0;
    this.post({ t: 'chars', bytes });
  }

  /** A byte after which the REPL may run code, reboot or switch modes: the batch ends there. */
  private startsSomething(c: number): boolean {
    if (c >= 0x01 && c <= 0x05) return true;
    return this.mode === 'friendly' && (c === 0x0d || c === 0x0a);
  }

  /** Tracks the raw REPL's line length for bytes handed to the REPL. */
  private shadow(c: number): void {
    if (this.mode !== 'raw') return;
    if (c === 0x01 || c === 0x03) this.rawLineLen = 0;
    else if (c === 0x02) this.mode = 'friendly';
    else if (c === 0x04) {
      if (this.rawLineLen > 0) this.stats.rawExecs++;
      this.rawLineLen = 0;
    } else this.rawLineLen++;
  }

  /** Recognises "\x05A\x01" on an empty raw-REPL line; returns the bytes for the REPL. */
  private requestFilter(c: number): number[] {
    if (this.held.length === 1) {
      // "\x05" then the command byte; control bytes mean it was not a request after all.
      if (c >= 0x01 && c <= 0x04) return this.release(c);
      this.held.push(c);
      return [];
    }
    if (this.held.length === 2) {
      if (c !== 0x01) return this.release(c);
      const cmd = this.held[1]!;
      this.held = [];
      return this.rawPasteRequest(cmd);
    }
    if (this.mode === 'raw' && this.rawLineLen === 0 && c === 0x05) {
      this.held.push(c);
      return [];
    }
    return [c];
  }

  private release(c: number): number[] {
    const bytes = [...this.held, c];
    this.held = [];
    return bytes;
  }

  private rawPasteRequest(cmd: number): number[] {
    this.stats.rawPasteRequests++;
    const how = this.opts.rawPaste ?? 'accept';
    if (how === 'unsupported') {
      // What a pre-v1.14 raw REPL does with "\x05A\x01": the first two bytes go into the
      // line buffer and "\x01" resets it, re-printing the banner.
      return [0x03, 0x01];
    }
    if (how === 'refuse' || cmd !== 0x41) {
      // pyexec.c do_reader_stdin: "R\x00" for an unsupported command, then the raw REPL's
      // reset prints ">".
      this.send(Buffer.from('R\x00>', 'latin1'));
      return [];
    }
    // "R\x01", the window as u16 LE, then "\x01": two windows are free at the start.
    this.send(Buffer.from([0x52, 0x01, this.window & 0xff, this.window >> 8, 0x01]));
    this.paste = { data: [], credit: 2 * this.window, sinceCredit: 0 };
    return [];
  }

  /** One byte of raw-paste data; returns the code when the transfer ends. */
  private pasteByte(c: number): Uint8Array | undefined {
    const p = this.paste!;
    if (c === 0x03) {
      // mp_reader_stdin_readbyte: Ctrl-C ends reception ("\x04") and raises
      // KeyboardInterrupt, reported with the usual framing.
      this.paste = undefined;
      this.send(Buffer.from('\x04\x04KeyboardInterrupt: \r\n\x04>', 'latin1'));
      return undefined;
    }
    if (c === 0x04) {
      this.paste = undefined;
      this.send(Buffer.from([0x04])); // end of reception acknowledged
      this.stats.rawPasteExecs++;
      return Uint8Array.from(p.data);
    }
    if (p.credit === 0) {
      // A board's stdin buffer would overflow here and the byte be lost.
      this.stats.flowControlViolations++;
      return undefined;
    }
    p.credit--;
    p.data.push(c);
    if (++p.sinceCredit === this.window) {
      p.sinceCredit = 0;
      p.credit += this.window;
      this.send(Buffer.from([0x01]));
    }
    return undefined;
  }
}
