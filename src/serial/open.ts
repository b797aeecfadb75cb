// Opening a real serial port (serialport's native bindings) and wrapping it in a RawRepl.
// Settings follow mpremote: 115200 baud, exclusive access, DTR/RTS as the OS sets them on
// open (asserted) unless asked otherwise.

import { statSync } from 'node:fs';
import { SerialPort } from 'serialport';
import { UserError } from '../errors.js';
import { RawRepl, setSignal, type RawReplOptions } from './raw-repl.js';

export interface SerialOpenOptions extends RawReplOptions {
  /** Default 115200. Never 1200: that is the "touch" that sends many boards to their bootloader. */
  baudRate?: number;
  /**
   * DTR level after opening. ESP32/ESP8266 boards with a USB-UART bridge wire DTR/RTS to
   * GPIO0/EN, so changing them can reset the chip or enter the ROM bootloader; stm32 USB
   * CDC only sends while DTR is asserted. Leave undefined to keep the OS default.
   */
  dtr?: boolean;
  /** RTS level after opening (see dtr). */
  rts?: boolean;
}

export const DEFAULT_BAUD = 115200;

export async function openSerialPort(path: string, opts: SerialOpenOptions = {}): Promise<SerialPort> {
  const baudRate = opts.baudRate ?? DEFAULT_BAUD;
  if (!Number.isInteger(baudRate) || baudRate <= 0) throw new UserError(`invalid baud rate ${baudRate}`);
  if (baudRate === 1200) {
    throw new UserError('refusing to open at 1200 baud: closing a USB CDC port at 1200 baud sends many boards to their bootloader');
  }
  notASerialDevice(path);
  const port = new SerialPort({ path, baudRate, autoOpen: false, lock: true });
  await new Promise<void>((resolve, reject) => {
    port.open((err) => {
      if (err) reject(new UserError(`cannot open ${path}: ${describeOpenError(err.message)}`));
      else resolve();
    });
  });
  // mpremote (transport_serial.py __init__) on CP210x bridges sets DTR then RTS after the
  // open; doing it in that order is harmless elsewhere. A pty has no modem lines: ignored.
  if (opts.dtr !== undefined) await setSignal(port, { dtr: opts.dtr });
  if (opts.rts !== undefined) await setSignal(port, { rts: opts.rts });
  return port;
}

/** Opens the port and returns a RawRepl (not yet in the raw REPL: call enter()). */
export async function openRawRepl(path: string, opts: SerialOpenOptions = {}): Promise<RawRepl> {
  const port = await openSerialPort(path, opts);
  return new RawRepl(port, opts);
}

/** A regular file or folder given as --port fails deep in the driver ("Inappropriate ioctl"): say what it is. */
function notASerialDevice(path: string): void {
  let st;
  try {
    st = statSync(path);
  } catch {
    return; // missing: the open reports it (with its hint)
  }
  if (st.isCharacterDevice()) return;
  const what = st.isDirectory() ? 'a folder' : st.isFile() ? 'a regular file' : st.isFIFO() ? 'a pipe' : st.isSocket() ? 'a socket' : 'not a character device';
  throw new UserError(`cannot open ${path}: not a serial device (${what}; see \`mcu-gc ports\`)`);
}

function describeOpenError(msg: string): string {
  if (/ENOENT|No such file/i.test(msg)) return 'no such device (is the board plugged in? see `mcu-gc ports`)';
  if (/EACCES|Permission denied/i.test(msg)) return 'permission denied (on Linux, add yourself to the dialout or uucp group)';
  if (/EBUSY|Resource temporarily unavailable|lock/i.test(msg)) return 'the port is busy (another program — a terminal, mpremote, an IDE — has it open)';
  return msg.replace(/^Error:\s*/, '');
}
