// A pseudo-terminal configured like a USB CDC serial port: raw, no echo, no CR/LF
// translation, so every byte passes through unchanged in both directions. The board side
// holds the master; clients (mcu-gc, mpremote, a terminal) open the slave path.

import { execFileSync } from 'node:child_process';
import { closeSync, write } from 'node:fs';
import { createRequire } from 'node:module';
import tty from 'node:tty';

interface NativePty {
  open(cols: number, rows: number): { master: number; slave: number; pty: string };
}

export interface RawPty {
  /** The slave device path, e.g. /dev/pts/3. */
  readonly path: string;
  /** Bytes the client wrote. */
  onData(cb: (chunk: Buffer) => void): void;
  /** Sends bytes to the client (queued; a full kernel buffer is retried, nothing dropped). */
  write(data: Uint8Array): void;
  close(): void;
}

export function openRawPty(): RawPty {
  const require = createRequire(import.meta.url);
  // node-pty's native openpty(3): a master/slave pair without spawning a process.
  const native = (require('node-pty') as { native: NativePty | null }).native;
  if (!native) throw new Error('node-pty has no native pty support on this platform');
  const { master, slave, pty } = native.open(80, 24);
  try {
    // A tty starts "cooked" (echo, ICRNL, ONLCR, ISIG…); a serial device is raw.
    // stty is the portable way to set termios on another fd's terminal.
    execFileSync('stty', ['-F', pty, 'raw', '-echo', '-echoe', '-echok', '-echoctl', '-echoke'], { stdio: 'ignore' });
  } catch (e) {
    closeSync(master);
    closeSync(slave);
    throw new Error(`cannot make ${pty} raw with stty: ${(e as Error).message}`);
  }
  // The slave fd stays open (never read): without it the master would see EIO/hang-up each
  // time a client closes the port, and the board would "disconnect" between sessions.
  const reader = new tty.ReadStream(master);
  // EIO on the master just means no client has the port open; nothing to report.
  reader.on('error', () => {});
  const queue: Buffer[] = [];
  let writing = false;
  let closed = false;
  const pump = (): void => {
    if (writing || closed || queue.length === 0) return;
    writing = true;
    const buf = queue[0]!;
    write(master, buf, 0, buf.length, null, (err, n) => {
      writing = false;
      if (closed) return;
      if (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') {
          setTimeout(pump, 2);
          return;
        }
        queue.length = 0;
        return;
      }
      if (n >= buf.length) queue.shift();
      else queue[0] = buf.subarray(n);
      pump();
    });
  };
  return {
    path: pty,
    onData(cb) {
      reader.on('data', (d: Buffer | string) => cb(typeof d === 'string' ? Buffer.from(d, 'latin1') : d));
    },
    write(data) {
      if (closed || data.length === 0) return;
      queue.push(Buffer.from(data));
      pump();
    },
    close() {
      if (closed) return;
      closed = true;
      reader.destroy(); // closes the master fd
      try {
        closeSync(slave);
      } catch {
        /* already closed */
      }
    },
  };
}
