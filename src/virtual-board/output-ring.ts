// What the interpreter prints, on its way from the worker to the pty: a shared ring the
// worker writes into and the main thread drains as soon as it is notified (or before it
// handles the worker's next message, so output always precedes "done"). One message per
// write would cost a postMessage for every byte a bytearray repr prints; the ring costs a
// copy. When the ring is full the worker waits, as code on a board waits for its UART.

const W = 0;
const R = 1;

export interface OutputRingBuffers {
  control: SharedArrayBuffer;
  data: SharedArrayBuffer;
}

export function createOutputRing(size = 1 << 16): OutputRingBuffers {
  return { control: new SharedArrayBuffer(8), data: new SharedArrayBuffer(size) };
}

type WaitAsync = (a: Int32Array, i: number, v: number) => { async: boolean; value: Promise<string> | string };

export class OutputRing {
  private readonly ctl: Int32Array;
  private readonly data: Uint8Array;
  constructor(bufs: OutputRingBuffers) {
    this.ctl = new Int32Array(bufs.control);
    this.data = new Uint8Array(bufs.data);
  }

  /** Worker: appends all of `bytes`, waiting for room. */
  write(bytes: ArrayLike<number>): void {
    const n = this.data.length;
    let i = 0;
    while (i < bytes.length) {
      let w = Atomics.load(this.ctl, W);
      const r = Atomics.load(this.ctl, R);
      let room = (r - w - 1 + n) % n;
      if (room === 0) {
        Atomics.wait(this.ctl, R, r, 100);
        continue;
      }
      for (; i < bytes.length && room > 0; i++, room--) {
        this.data[w] = bytes[i]!;
        w = (w + 1) % n;
      }
      Atomics.store(this.ctl, W, w);
      Atomics.notify(this.ctl, W);
    }
  }

  /** Main thread: everything written so far. */
  drain(): Uint8Array {
    const n = this.data.length;
    const w = Atomics.load(this.ctl, W);
    const r = Atomics.load(this.ctl, R);
    if (w === r) return new Uint8Array(0);
    const out = w > r ? this.data.slice(r, w) : concat(this.data.subarray(r), this.data.subarray(0, w));
    Atomics.store(this.ctl, R, w);
    Atomics.notify(this.ctl, R);
    return out;
  }

  /** Main thread: calls `sink` with new output whenever the worker writes, until stop() is called. */
  follow(sink: (bytes: Uint8Array) => void): { stop(): void } {
    let stopped = false;
    const ctl = this.ctl;
    const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;
    const loop = (): void => {
      if (stopped) return;
      const w = Atomics.load(this.ctl, W);
      if (w !== Atomics.load(this.ctl, R)) {
        const b = this.drain();
        if (b.length > 0) sink(b);
      }
      const res = waitAsync(this.ctl, W, w);
      // Woken, the drain waits for the event loop's next turn: a burst of small writes
      // (a repr printed byte by byte) then goes out as one chunk, not one per write.
      if (res.async) void (res.value as Promise<string>).then(() => setImmediate(loop));
      else setImmediate(loop);
    };
    loop();
    return {
      stop() {
        stopped = true;
        // Wake the pending waitAsync so that nothing keeps the process alive.
        Atomics.notify(ctl, W);
      },
    };
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
