// Fault injection only: a scripted "device" on @serialport/binding-mock, so tests can make
// a board misbehave in ways a real MicroPython will not on demand (garbage, silence,
// unplugging, trickling bytes, resetting mid-command). Normal behaviour is tested against
// the real MicroPython in virtual-board.test.ts.

// serialport's SerialPortMock is SerialPortStream on @serialport/binding-mock.
import { SerialPortMock } from 'serialport';

type MockPort = {
  isOpen: boolean;
  emitData(data: Buffer): void;
  write(buf: Buffer): Promise<void>;
  pendingRead: ((err?: Error) => void) | null;
};

export interface ScriptedDevice {
  readonly stream: SerialPortMock;
  /** Everything the host wrote, in order, one entry per write. */
  readonly writes: Buffer[];
  /** All written bytes as one latin1 string. */
  written(): string;
  send(data: string | Buffer): void;
  /** Sends data one byte at a time, msPerByte apart. */
  trickle(data: string, msPerByte: number): Promise<void>;
  /** Simulates unplugging: the port's pending read fails as a disconnect. */
  unplug(): void;
}

let counter = 0;

/** onWrite sees each host write (and everything written so far) and may answer with dev.send. */
export async function openScriptedDevice(onWrite: (data: Buffer, dev: ScriptedDevice) => void): Promise<ScriptedDevice> {
  const path = `/dev/mock-board-${++counter}`;
  SerialPortMock.binding.createPort(path, { echo: false, record: false });
  const stream = new SerialPortMock({ path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => stream.open((err) => (err ? reject(err) : resolve())));
  const port = stream.port as unknown as MockPort;
  const writes: Buffer[] = [];
  const dev: ScriptedDevice = {
    stream,
    writes,
    written: () => Buffer.concat(writes).toString('latin1'),
    send: (data) => {
      if (port.isOpen) port.emitData(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
    },
    trickle: async (data, ms) => {
      for (const ch of data) {
        await new Promise((r) => setTimeout(r, ms));
        dev.send(ch);
      }
    },
    unplug: () => {
      const pending = port.pendingRead;
      port.pendingRead = null;
      pending?.(Object.assign(new Error('EIO: device unplugged'), { disconnected: true }));
    },
  };
  const origWrite = port.write.bind(port);
  port.write = async (buf: Buffer) => {
    await origWrite(buf);
    const copy = Buffer.from(buf);
    writes.push(copy);
    // Answer on a later tick, as a real device would.
    setTimeout(() => onWrite(copy, dev), 0);
  };
  return dev;
}

export const BANNER = 'raw REPL; CTRL-B to exit\r\n>';
