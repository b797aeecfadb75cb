// mcu-gc ports — the serial ports, like `mpremote connect list` (devs).

import type { CommandModule } from 'yargs';
import { formatPortTable, listPorts } from '../serial/ports.js';

interface Args {
  json: boolean;
}

const command: CommandModule<object, Args> = {
  command: 'ports',
  describe: 'List serial ports: path, USB VID:PID, serial number, description (like mpremote devs), and running mcu-gc virtual boards',
  builder: (y) => y.option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
  handler: async (args) => {
    const ports = await listPorts();
    if (args.json) {
      process.stdout.write(
        JSON.stringify(
          ports.map((p) => ({
            path: p.path,
            vid: p.vid ?? null,
            pid: p.pid ?? null,
            serialNumber: p.serialNumber ?? null,
            manufacturer: p.manufacturer ?? null,
            product: p.product ?? null,
            description: p.description,
          })),
          null,
          2,
        ) + '\n',
      );
    } else {
      process.stdout.write(formatPortTable(ports));
    }
  },
};

export default command;
