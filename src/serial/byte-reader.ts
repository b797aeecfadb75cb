// Buffered reads from a serial stream with the waits the raw REPL needs: "until the data
// ends with X" (mpremote's read_until), "exactly N bytes", each with an inter-byte timeout
// (restarted by every byte, like pyserial's) and an optional overall timeout. A device that
// disconnects, or a timeout, fails the pending read with a TransportError naming the step.

import { TransportError } from './errors.js';

/** The part of a serial stream (serialport's SerialPortStream) the reader listens to. */
export interface ReadableByteStream {
  on(event: 'data', cb: (chunk: Buffer) => void): unknown;
  on(event: 'close', cb: () => void): unknown;
  on(event: 'error', cb: (e: Error) => void): unknown;
  off(event: 'data', cb: (chunk: Buffer) => void): unknown;
  off(event: 'close', cb: () => void): unknown;
  off(event: 'error', cb: (e: Error) => void): unknown;
}

export interface WaitOptions {
  /** Protocol step named in errors, e.g. "entering raw REPL". */
  step: string;
  /** Fail when no byte arrives for this long (ms). 0 or Infinity: wait forever. */
  timeoutMs: number;
  /** Fail when the whole wait takes longer than this (ms). */
  overallMs?: number;
  /**
   * Streaming: bytes before the ending are handed over as they arrive and not kept
   * (a capture can be long). The ending itself is consumed and not passed on.
   */
  onData?: (chunk: Uint8Array) => void;
  /** Checked after every arrival with the bytes of this wait so far; a string fails the wait. */
  failIf?: (received: Uint8Array) => string | undefined;
}

interface Waiter {
  check(): void;
  fail(e: Error): void;
}

/** How much of a streamed read is kept for error messages and failIf checks. */
const STREAM_TAIL = 4096;

export class ByteReader {
  private buf: Buffer = Buffer.alloc(0);
  private waiter: Waiter | undefined;
  private closedReason: string | undefined;
  private readonly onDataFn = (chunk: Buffer): void => {
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk]);
    this.lastArrival = Date.now();
    this.waiter?.check();
  };
  private readonly onCloseFn = (): void => this.markClosed('the device disconnected (port closed)');
  private readonly onErrorFn = (e: Error): void => this.markClosed(`port error: ${e.message}`);
  /** Time of the last byte, for the inter-byte timeout. */
  private lastArrival = Date.now();

  constructor(private readonly stream: ReadableByteStream) {
    stream.on('data', this.onDataFn);
    stream.on('close', this.onCloseFn);
    stream.on('error', this.onErrorFn);
  }

  detach(): void {
    this.stream.off('data', this.onDataFn);
    this.stream.off('close', this.onCloseFn);
    this.stream.off('error', this.onErrorFn);
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  /** Bytes received and not yet consumed. */
  get available(): number {
    return this.buf.length;
  }

  /** Takes everything received so far (mpremote's "flush input" loop). */
  takeAll(): Buffer {
    const b = this.buf;
    this.buf = Buffer.alloc(0);
    return b;
  }

  /** Bytes received so far, not consumed (for peeking at a prompt). */
  peek(): Buffer {
    return this.buf;
  }

  /**
   * Reads until the received data contains `ending` and returns everything up to and
   * including it (or, when streaming, only the ending). Text before the ending — stale
   * output, boot messages — is part of the result, as with mpremote's ends-with matching.
   */
  readUntil(ending: Uint8Array | string, opts: WaitOptions): Promise<Buffer> {
    const end = typeof ending === 'string' ? Buffer.from(ending, 'latin1') : Buffer.from(ending);
    let scanned = 0;
    let streamedTail = Buffer.alloc(0);
    return this.wait(opts, () => {
      const idx = this.buf.indexOf(end, Math.max(0, scanned - end.length + 1));
      if (idx >= 0) {
        const head = this.buf.subarray(0, idx);
        this.buf = this.buf.subarray(idx + end.length);
        if (opts.onData) {
          if (head.length > 0) opts.onData(head);
          return { done: Buffer.from(end) };
        }
        return { done: Buffer.concat([head, end]) };
      }
      if (opts.onData && this.buf.length > end.length) {
        // Hand over all but a possible partial ending.
        const give = this.buf.subarray(0, this.buf.length - (end.length - 1));
        this.buf = this.buf.subarray(give.length);
        streamedTail = Buffer.concat([streamedTail, give]);
        if (streamedTail.length > STREAM_TAIL) streamedTail = streamedTail.subarray(streamedTail.length - STREAM_TAIL);
        opts.onData(give);
        scanned = this.buf.length;
        return { soFar: Buffer.concat([streamedTail, this.buf]) };
      }
      scanned = this.buf.length;
      return { soFar: opts.onData ? Buffer.concat([streamedTail, this.buf]) : this.buf };
    });
  }

  /** Reads exactly n bytes. */
  readExactly(n: number, opts: WaitOptions): Promise<Buffer> {
    return this.wait(opts, () => {
      if (this.buf.length >= n) {
        const out = Buffer.from(this.buf.subarray(0, n));
        this.buf = this.buf.subarray(n);
        return { done: out };
      }
      return { soFar: this.buf };
    });
  }

  private markClosed(reason: string): void {
    if (this.closedReason === undefined) this.closedReason = reason;
    this.waiter?.fail(new Error(reason));
  }

  private wait(opts: WaitOptions, attempt: () => { done: Buffer } | { soFar: Buffer }): Promise<Buffer> {
    if (this.waiter) return Promise.reject(new Error(`internal: overlapping serial reads (${opts.step})`));
    return new Promise<Buffer>((resolve, reject) => {
      const started = Date.now();
      this.lastArrival = started;
      let soFar: Buffer = Buffer.alloc(0);
      let timer: NodeJS.Timeout | undefined;
      const finish = (): void => {
        if (timer) clearTimeout(timer);
        this.waiter = undefined;
      };
      const failWith = (problem: string): void => {
        finish();
        reject(new TransportError(opts.step, problem, soFar));
      };
      const arm = (): void => {
        if (timer) clearTimeout(timer);
        const now = Date.now();
        const limits: number[] = [];
        if (opts.timeoutMs > 0 && Number.isFinite(opts.timeoutMs)) limits.push(this.lastArrival + opts.timeoutMs - now);
        if (opts.overallMs !== undefined && opts.overallMs > 0) limits.push(started + opts.overallMs - now);
        if (limits.length === 0) return;
        timer = setTimeout(onTimer, Math.max(0, Math.min(...limits)));
      };
      const onTimer = (): void => {
        const now = Date.now();
        if (opts.overallMs !== undefined && opts.overallMs > 0 && now - started >= opts.overallMs) {
          failWith(`timed out after ${seconds(opts.overallMs)} in total`);
        } else if (opts.timeoutMs > 0 && now - this.lastArrival >= opts.timeoutMs) {
          failWith(`timed out: no byte for ${seconds(opts.timeoutMs)}`);
        } else {
          arm();
        }
      };
      const check = (): void => {
        let r: { done: Buffer } | { soFar: Buffer };
        try {
          r = attempt();
        } catch (e) {
          finish();
          reject(e);
          return;
        }
        if ('done' in r) {
          finish();
          resolve(r.done);
          return;
        }
        soFar = r.soFar;
        const bad = opts.failIf?.(soFar);
        if (bad !== undefined) {
          failWith(bad);
          return;
        }
        arm();
      };
      this.waiter = {
        check,
        fail: (e) => failWith(e.message),
      };
      if (this.closedReason !== undefined) {
        // Bytes that arrived before the close can still satisfy the read.
        const r = attempt();
        if ('done' in r) {
          finish();
          resolve(r.done);
        } else {
          soFar = r.soFar;
          failWith(this.closedReason);
        }
        return;
      }
      check();
    });
  }
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(2)} s`;
}
