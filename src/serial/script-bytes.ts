// What may be sent as a script over the raw REPL. The code travels in-band: Ctrl-D (0x04)
// ends the code (the board runs only what came before it, silently truncated), Ctrl-C
// (0x03) raises KeyboardInterrupt, Ctrl-A/B/E switch REPL modes, and bytes that are not
// UTF-8 reach the compiler as garbage. MicroPython's lexer takes UTF-8 text with tabs,
// newlines, CR and form feeds, so anything else is refused before the port is opened.

import { UserError, located } from '../errors.js';

const CONTROL_NAMES: Record<number, string> = {
  0x00: 'NUL',
  0x01: 'Ctrl-A: enters the raw REPL',
  0x02: 'Ctrl-B: leaves the raw REPL',
  0x03: 'Ctrl-C: interrupts the running code',
  0x04: 'Ctrl-D: ends the code early',
  0x05: 'Ctrl-E: paste mode',
};

/** Throws a located UserError at the first byte the raw REPL would not take as source text. */
export function checkScriptBytes(bytes: Uint8Array, where: string): void {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x0a) {
      line++;
      lineStart = i + 1;
      continue;
    }
    if (b >= 0x20 && b !== 0x7f) continue;
    if (b === 0x09 || b === 0x0d || b === 0x0c) continue;
    const name = CONTROL_NAMES[b] ?? 'a control character';
    const column = new TextDecoder().decode(bytes.subarray(lineStart, i)).length + 1;
    throw new UserError(
      located(where, line, `byte 0x${b.toString(16).padStart(2, '0')} (${name}) cannot be sent as source over the raw REPL; the script must be Python text`, column, i),
    );
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // Find the first bad sequence for the message.
    let lo = 0;
    let hi = bytes.length;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid));
        lo = mid;
      } catch {
        hi = mid;
      }
    }
    // lo: the longest prefix that decodes, maybe ending inside a sequence; back up to its start.
    let at = lo;
    while (at > 0 && (bytes[at]! & 0xc0) === 0x80) at--;
    const before = bytes.subarray(0, at);
    const nl = before.lastIndexOf(0x0a);
    const lineNo = before.reduce((n, b) => n + (b === 0x0a ? 1 : 0), 1);
    const column = new TextDecoder().decode(before.subarray(nl + 1)).length + 1;
    throw new UserError(located(where, lineNo, 'not UTF-8 text (a binary file?); the script must be Python source', column, at));
  }
}
