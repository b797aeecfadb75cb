// Decoder for the bytes literal MicroPython prints for `print(bytearray_obj)`:
// `bytearray(b'…')` with py/objstr.c mp_str_print_quoted's escaping — the quote is `'`
// unless the data holds `'` and no `"`; `\\`, the quote, `\n`, `\r`, `\t` escaped by name;
// other bytes below 0x20, 0x7f and bytes ≥ 0x80 as `\xNN`; everything else as itself.
// Text-safe (no raw binary on the wire), the same encoding mpremote reads files with.
// Incremental, so a progress display can follow a long transfer.

export class BytesReprError extends Error {
  constructor(
    message: string,
    /** Character offset in the text fed so far. */
    readonly at: number,
  ) {
    super(message);
    this.name = 'BytesReprError';
  }
}

type State = 'prefix' | 'body' | 'escape' | 'hex1' | 'hex2' | 'suffix' | 'done';

export class BytesReprDecoder {
  private state: State = 'prefix';
  private prefix = '';
  private quote = '';
  private hex = 0;
  private out: Uint8Array;
  private n = 0;
  private pos = 0;

  constructor(expected = 4096) {
    this.out = new Uint8Array(Math.max(16, expected));
  }

  /** Decoded bytes so far. */
  get length(): number {
    return this.n;
  }

  get done(): boolean {
    return this.state === 'done';
  }

  private push(b: number): void {
    if (this.n === this.out.length) {
      const bigger = new Uint8Array(this.out.length * 2);
      bigger.set(this.out);
      this.out = bigger;
    }
    this.out[this.n++] = b;
  }

  /** Feeds text; returns the characters not consumed (what follows the closing `)`). */
  feed(text: string): string {
    for (let i = 0; i < text.length; i++, this.pos++) {
      const ch = text[i]!;
      const c = text.charCodeAt(i);
      switch (this.state) {
        case 'prefix':
          // Line ends between two printed literals.
          if (this.prefix === '' && (ch === '\r' || ch === '\n')) break;
          this.prefix += ch;
          if (this.prefix === "bytearray(b'" || this.prefix === 'bytearray(b"') {
            this.quote = ch;
            this.state = 'body';
          } else if (!"bytearray(b'".startsWith(this.prefix) && !'bytearray(b"'.startsWith(this.prefix)) {
            throw new BytesReprError(`expected bytearray(b'…), got ${JSON.stringify(this.prefix)}`, this.pos);
          }
          break;
        case 'body':
          if (ch === '\\') this.state = 'escape';
          else if (ch === this.quote) this.state = 'suffix';
          else if (c > 0xff) throw new BytesReprError(`character U+${c.toString(16)} in a bytes literal`, this.pos);
          else this.push(c);
          break;
        case 'escape':
          this.state = 'body';
          if (ch === 'n') this.push(10);
          else if (ch === 'r') this.push(13);
          else if (ch === 't') this.push(9);
          else if (ch === '\\' || ch === "'" || ch === '"') this.push(c);
          else if (ch === 'x') this.state = 'hex1';
          else throw new BytesReprError(`unknown escape \\${ch}`, this.pos);
          break;
        case 'hex1':
        case 'hex2': {
          const d = parseInt(ch, 16);
          if (Number.isNaN(d)) throw new BytesReprError(`bad hex digit ${JSON.stringify(ch)} in \\x escape`, this.pos);
          if (this.state === 'hex1') {
            this.hex = d;
            this.state = 'hex2';
          } else {
            this.push(this.hex * 16 + d);
            this.state = 'body';
          }
          break;
        }
        case 'suffix':
          if (ch !== ')') throw new BytesReprError(`expected ) after the bytes literal, got ${JSON.stringify(ch)}`, this.pos);
          this.state = 'done';
          return text.slice(i + 1);
        case 'done':
          return text.slice(i);
      }
    }
    return '';
  }

  bytes(): Uint8Array {
    return this.out.slice(0, this.n);
  }
}

/** Encodes bytes as MicroPython prints them (for tests and symmetry). */
export function encodeBytesRepr(b: Uint8Array): string {
  let hasSingle = false;
  let hasDouble = false;
  for (const x of b) {
    if (x === 0x27) hasSingle = true;
    if (x === 0x22) hasDouble = true;
  }
  const q = hasSingle && !hasDouble ? '"' : "'";
  let s = `bytearray(b${q}`;
  for (const x of b) {
    if (x === q.charCodeAt(0) || x === 0x5c) s += '\\' + String.fromCharCode(x);
    else if (x === 10) s += '\\n';
    else if (x === 13) s += '\\r';
    else if (x === 9) s += '\\t';
    else if (x < 0x20 || x >= 0x7f) s += '\\x' + x.toString(16).padStart(2, '0');
    else s += String.fromCharCode(x);
  }
  return s + q + ')';
}
