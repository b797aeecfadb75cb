// GDB remote serial protocol framing (the "Overview" and "Packets" sections of GDB's
// manual, appendix E): `$payload#cc` where cc is the modulo-256 sum of the payload bytes in
// two lowercase hex digits; `}` escapes `#`, `$`, `}` and `*` (the byte XOR 0x20); replies may
// be run-length encoded (`X*n`: X repeated n-29 more times). `+`/`-` acknowledge a packet.

export const ACK = 0x2b; // '+'
export const NACK = 0x2d; // '-'
export const INTERRUPT = 0x03; // Ctrl-C: stop the target (sent outside any packet)

function checksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let s = 0;
  for (let i = start; i < end; i++) s = (s + bytes[i]!) & 0xff;
  return s;
}

/** Frames a payload (binary-safe: the special bytes are escaped). */
export function encodePacket(payload: string | Uint8Array): Buffer {
  const raw = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
  const body: number[] = [];
  for (const b of raw) {
    if (b === 0x23 || b === 0x24 || b === 0x7d || b === 0x2a) body.push(0x7d, b ^ 0x20);
    else body.push(b);
  }
  const bytes = Uint8Array.from(body);
  const cs = checksum(bytes).toString(16).padStart(2, '0');
  return Buffer.concat([Buffer.from('$'), bytes, Buffer.from('#' + cs)]);
}

/** Undoes `}` escapes and `*` run-length encoding of a received payload. */
export function decodePayload(body: Uint8Array): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const b = body[i]!;
    if (b === 0x7d && i + 1 < body.length) {
      out += String.fromCharCode(body[++i]! ^ 0x20);
    } else if (b === 0x2a && i + 1 < body.length && out.length > 0) {
      const n = body[++i]! - 29;
      out += out[out.length - 1]!.repeat(Math.max(0, n));
    } else {
      out += String.fromCharCode(b);
    }
  }
  return out;
}

/** What the parser found in the byte stream. */
export type Frame =
  | { kind: 'ack' }
  | { kind: 'nack' }
  | { kind: 'packet'; payload: string }
  /** A packet whose checksum did not match: the receiver asks for it again with `-`. */
  | { kind: 'bad'; expected: number; got: number }
  /** An asynchronous notification (`%Name:...#cc`); the client ignores these. */
  | { kind: 'notification'; payload: string };

/** Incremental parser: feed bytes as they arrive, take whole frames out. */
export class PacketParser {
  private buf = Buffer.alloc(0);

  push(chunk: Uint8Array): Frame[] {
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk]);
    const frames: Frame[] = [];
    let i = 0;
    while (i < this.buf.length) {
      const c = this.buf[i]!;
      if (c === ACK) {
        frames.push({ kind: 'ack' });
        i++;
      } else if (c === NACK) {
        frames.push({ kind: 'nack' });
        i++;
      } else if (c === 0x24 || c === 0x25) {
        const hash = this.buf.indexOf(0x23, i + 1);
        if (hash < 0 || hash + 2 >= this.buf.length) break; // incomplete
        const body = this.buf.subarray(i + 1, hash);
        const got = parseInt(this.buf.toString('latin1', hash + 1, hash + 3), 16);
        const expected = checksum(body);
        if (c === 0x25) frames.push({ kind: 'notification', payload: decodePayload(body) });
        else if (got !== expected) frames.push({ kind: 'bad', expected, got: Number.isNaN(got) ? -1 : got });
        else frames.push({ kind: 'packet', payload: decodePayload(body) });
        i = hash + 3;
      } else {
        i++; // noise between packets (e.g. a stray byte): skipped, as gdb does
      }
    }
    this.buf = this.buf.subarray(i);
    return frames;
  }
}

/** Hex text of bytes, as `M` and `m` use. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export function fromHex(text: string): Uint8Array {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) throw new Error(`not hex bytes: '${text.slice(0, 40)}'`);
  return Uint8Array.from(Buffer.from(text, 'hex'));
}
