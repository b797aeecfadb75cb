// mcu-gc virtual-board — a real MicroPython (the official WebAssembly build) behind a
// pseudo-terminal, for trying mcu-gc, mpremote or a terminal without hardware.

import type { CommandModule } from 'yargs';
import { UserError } from '../errors.js';
import { DEFAULT_HEAP_SIZE, startVirtualBoard } from '../virtual-board/board.js';
import { parseByteSize } from '../virtual-board/size.js';
import { serveQemuBoard } from '../qemu/virtual-board.js';

interface Args {
  'heap-size': string;
  link?: string;
  banner: boolean;
  'raw-paste': string;
  qemu?: string;
  firmware?: string;
}

const command: CommandModule<object, Args> = {
  command: 'virtual-board',
  describe: 'Run MicroPython (WebAssembly) behind a pseudo-terminal and print its tty path; serves until Ctrl-C',
  builder: (y) =>
    y
      .option('heap-size', { type: 'string', default: '64k', describe: 'GC heap size in bytes (k/m suffixes allowed)' })
      .option('link', { type: 'string', describe: 'also create a symlink to the tty at this path (like socat link=)' })
      .option('banner', { type: 'boolean', default: false, describe: 'send the boot banner to the tty at start (as a board does at power-up)' })
      .option('raw-paste', {
        type: 'string',
        choices: ['accept', 'refuse', 'unsupported'],
        default: 'accept',
        describe: 'answer raw-paste requests as v1.14+ (accept), with R\\x00 (refuse), or as pre-v1.14 firmware (unsupported)',
      })
      .option('qemu', {
        type: 'string',
        choices: ['microbit', 'mps2-an385'],
        describe: 'run real firmware under qemu-system-arm instead: the BBC micro:bit MicroPython (Debian firmware-microbit-micropython) or a MicroPython qemu-port ELF (--firmware)',
      })
      .option('firmware', { type: 'string', describe: 'with --qemu: the firmware file (.elf; .hex for microbit)' })
      .example('$0 virtual-board --qemu microbit --link /tmp/mbit', 'then: mcu-gc compare --board=microbit --port /tmp/mbit')
      .example('$0 virtual-board --link /tmp/mpy', 'then: mcu-gc exec --port /tmp/mpy "print(1)"') as never,
  handler: async (args) => {
    if (args.firmware !== undefined && args.qemu === undefined) throw new UserError('--firmware goes with --qemu microbit|mps2-an385');
    if (args.qemu !== undefined) {
      await serveQemuBoard({ machine: args.qemu, ...(args.firmware !== undefined ? { firmware: args.firmware } : {}), ...(args.link !== undefined ? { link: args.link } : {}) });
      return;
    }
    const heapSize = parseByteSize(args['heap-size']);
    if (heapSize === undefined || heapSize < 4096) {
      throw new UserError(`--heap-size: expected bytes with an optional k/m suffix, at least 4k (got ${JSON.stringify(args['heap-size'])})`);
    }
    let board;
    try {
      board = await startVirtualBoard({
        heapSize,
        link: args.link,
        banner: args.banner,
        rawPaste: args['raw-paste'] as 'accept' | 'refuse' | 'unsupported',
      });
    } catch (e) {
      throw new UserError(`cannot start the virtual board: ${(e as Error).message}`);
    }
    process.stdout.write(`${board.path}\n`);
    process.stderr.write(
      `virtual board: MicroPython (WebAssembly), ${heapSize} byte heap${heapSize === DEFAULT_HEAP_SIZE ? ' (default)' : ''}, on ${board.path}` +
        (board.link ? ` (link ${board.link})` : '') +
        '; Ctrl-C to stop\n',
    );
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        board.close();
        resolve();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      process.once('SIGHUP', stop);
    });
  },
};

export default command;
