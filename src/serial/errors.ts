// Errors from talking to a device. Each names the protocol step that failed and shows
// what the device actually sent (a printable excerpt), because "timeout" alone never
// tells a user whether the board is busy, in a bootloader, or printing garbage.

import { UserError } from '../errors.js';

/** The link to the device failed: timeout, disconnect, or a protocol reply we do not understand. */
export class TransportError extends UserError {
  constructor(
    /** The protocol step, e.g. "entering raw REPL". */
    readonly step: string,
    /** What went wrong, e.g. "timed out after 10 s waiting for the raw REPL banner". */
    readonly problem: string,
    /** Bytes received during this step (the tail is shown in the message). */
    readonly received: Uint8Array = new Uint8Array(0),
  ) {
    super(`${step}: ${problem}; received ${describeReceived(received)}`, 1);
    this.name = 'TransportError';
  }
}

/** `N bytes: "...tail..."` with control bytes escaped, or `nothing`. */
export function describeReceived(bytes: Uint8Array, max = 160): string {
  if (bytes.length === 0) return 'nothing';
  const tail = bytes.length > max ? bytes.subarray(bytes.length - max) : bytes;
  return `${bytes.length} byte${bytes.length === 1 ? '' : 's'}: "${bytes.length > max ? '…' : ''}${printable(tail)}"`;
}

/** Escapes control and non-ASCII bytes as \r, \n, \xNN so an excerpt fits on one line. */
export function printable(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) {
    if (b === 0x0d) s += '\\r';
    else if (b === 0x0a) s += '\\n';
    else if (b === 0x5c) s += '\\\\';
    else if (b === 0x22) s += '\\"';
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return s;
}
