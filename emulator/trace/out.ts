// The trace runner's output, written as ASCII bytes into one reused buffer and handed to a
// sink in chunks: a long replay prints hundreds of thousands of lines, and building a
// string per line (then joining, then encoding them) cost more than the emulation itself.

const CHUNK = 1 << 16;
// The first chunk is handed over early (at 4 KiB): the flush path then runs while V8 is still
// gathering type feedback, before it optimises the writers. A first flush at 64 KiB came after
// that, and each writer inlined into the runner was deoptimised on it and compiled again.
const FIRST_CHUNK = 1 << 12;
const HEX = new Uint8Array([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

export class OutBuf {
  private buf = new Uint8Array(CHUNK);
  private len = 0;
  /** Flush when len would pass this: FIRST_CHUNK until the first flush, then the buffer's size. */
  private limit = FIRST_CHUNK;

  /** `sink` gets each full chunk (a view valid only during the call), and the rest on flush(). */
  constructor(private readonly sink: (chunk: Uint8Array) => void) {}

  private room(n: number): void {
    if (this.len + n > this.limit) {
      this.flush();
      if (n > this.buf.length) {
        this.buf = new Uint8Array(n);
        this.limit = n;
      }
    }
  }

  /** Text made of characters below 256 (the output is ASCII). */
  ascii(s: string): void {
    const n = s.length;
    this.room(n);
    const buf = this.buf;
    let len = this.len;
    for (let i = 0; i < n; i++) buf[len++] = s.charCodeAt(i);
    this.len = len;
  }

  byte(c: number): void {
    if (this.len >= this.limit) this.flush();
    this.buf[this.len++] = c;
  }

  bytes(src: Uint8Array, start: number, end: number): void {
    this.room(end - start);
    // A loop, not set(subarray()): names are a few bytes, and a view per name is garbage.
    const buf = this.buf;
    let len = this.len;
    for (let i = start; i < end; i++) buf[len++] = src[i]!;
    this.len = len;
  }

  /** 0x-prefixed lowercase hex, as `hx()` printed it. */
  hex(v: number): void {
    if (v >= 4294967296) {
      this.ascii('0x' + v.toString(16));
      return;
    }
    this.room(10);
    const buf = this.buf;
    buf[this.len++] = 48;
    buf[this.len++] = 120;
    let digits = 1;
    while (digits < 8 && v >>> (4 * digits) !== 0) digits++;
    for (let d = digits - 1; d >= 0; d--) buf[this.len++] = HEX[(v >>> (4 * d)) & 15]!;
  }

  /** A non-negative integer in decimal. */
  dec(v: number): void {
    if (v >= 2147483648 || v < 0) {
      this.ascii(String(v));
      return;
    }
    this.room(10);
    const buf = this.buf;
    let digits = 1;
    for (let t = v; t >= 10; t = (t / 10) | 0) digits++;
    let at = this.len + digits;
    this.len = at;
    do {
      buf[--at] = 48 + (v % 10);
      v = (v / 10) | 0;
    } while (v !== 0);
  }

  flush(): void {
    // (From the first flush on, chunks are the buffer's size.)
    this.limit = this.buf.length;
    if (this.len === 0) return;
    this.sink(this.buf.subarray(0, this.len));
    this.len = 0;
  }
}
