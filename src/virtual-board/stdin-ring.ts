// The board's stdin ring buffer, shared between the main thread (which owns the pty and
// writes what the host sends while Python runs) and the interpreter's worker thread (whose
// sys.stdin and input() block on it with Atomics.wait, as a board's mp_hal_stdin_rx_chr
// waits for its UART interrupt). Single producer, single consumer. Like a board's ring
// (MICROPY_HW_STDIN_BUFFER_LEN) it has a fixed size: bytes that do not fit are dropped and
// counted.
//
// The control words also carry the interrupt sequence number (each Ctrl-C the main thread
// sees while Python runs bumps it and wakes a waiting reader) and an out-of-memory count.

const W = 0; // write index (main thread)
const R = 1; // read index (worker)
const INTERRUPT = 2; // Ctrl-C count
const OUT_OF_MEMORY = 3; // times malloc found the RAM full (worker.ts, micropython-device.ts)
const WORDS = 4;

export interface StdinRingBuffers {
  control: SharedArrayBuffer;
  data: SharedArrayBuffer;
}

export function createStdinRing(size = 65536): StdinRingBuffers {
  return { control: new SharedArrayBuffer(WORDS * 4), data: new SharedArrayBuffer(size) };
}

export class StdinRing {
  private readonly ctl: Int32Array;
  private readonly data: Uint8Array;
  constructor(bufs: StdinRingBuffers) {
    this.ctl = new Int32Array(bufs.control);
    this.data = new Uint8Array(bufs.data);
  }

  get available(): number {
    return (Atomics.load(this.ctl, W) - Atomics.load(this.ctl, R) + this.data.length) % this.data.length;
  }

  /** Main thread: appends what fits; returns how many bytes were dropped. */
  push(bytes: ArrayLike<number>): number {
    const n = this.data.length;
    let w = Atomics.load(this.ctl, W);
    const r = Atomics.load(this.ctl, R);
    let room = (r - w - 1 + n) % n;
    let i = 0;
    for (; i < bytes.length && room > 0; i++, room--) {
      this.data[w] = bytes[i]!;
      w = (w + 1) % n;
    }
    Atomics.store(this.ctl, W, w);
    Atomics.notify(this.ctl, W);
    return bytes.length - i;
  }

  /** Main thread, while the worker is idle: takes back everything unread. */
  drain(): number[] {
    const out: number[] = [];
    const n = this.data.length;
    const w = Atomics.load(this.ctl, W);
    let r = Atomics.load(this.ctl, R);
    while (r !== w) {
      out.push(this.data[r]!);
      r = (r + 1) % n;
    }
    Atomics.store(this.ctl, R, r);
    return out;
  }

  get interrupts(): number {
    return Atomics.load(this.ctl, INTERRUPT);
  }

  /** How often the interpreter's malloc has found the RAM full. */
  get outOfMemory(): number {
    return Atomics.load(this.ctl, OUT_OF_MEMORY);
  }

  /** Worker: malloc found the RAM full. */
  noteOutOfMemory(): void {
    Atomics.add(this.ctl, OUT_OF_MEMORY, 1);
  }

  /** Main thread: a Ctrl-C arrived; wakes a blocked reader. */
  interrupt(): void {
    Atomics.add(this.ctl, INTERRUPT, 1);
    Atomics.notify(this.ctl, W);
  }

  /**
   * Worker: the next byte, blocking until one arrives; undefined when the interrupt count
   * moves away from `interruptsSeen` first (Ctrl-C while waiting).
   */
  read(interruptsSeen: number): number | undefined {
    const n = this.data.length;
    for (;;) {
      if (Atomics.load(this.ctl, INTERRUPT) !== interruptsSeen) return undefined;
      const w = Atomics.load(this.ctl, W);
      const r = Atomics.load(this.ctl, R);
      if (r !== w) {
        const b = this.data[r]!;
        Atomics.store(this.ctl, R, (r + 1) % n);
        return b;
      }
      Atomics.wait(this.ctl, W, w, 1000);
    }
  }
}
