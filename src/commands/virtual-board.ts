// mcu-gc virtual-board — a real MicroPython (the official WebAssembly build) behind a
// pseudo-terminal, for trying mcu-gc, mpremote or a terminal without hardware. The board
// itself lives in src/virtual-board/; this file only declares the options.

import type { CommandModule } from 'yargs';
import { UserError } from '../errors.js';
import { serveVirtualBoard } from '../virtual-board/serve.js';
import { serveQemuBoard } from '../qemu/virtual-board.js';

interface Args {
  'heap-size'?: string;
  memory?: string;
  fs?: string;
  link?: string;
  banner: boolean;
  'raw-paste'?: string;
  qemu?: string;
  firmware?: string;
}

const command: CommandModule<object, Args> = {
  command: 'virtual-board',
  describe: 'Run MicroPython (WebAssembly) behind a pseudo-terminal and print its tty path; serves until Ctrl-C',
  builder: (y) =>
    y
      .option('heap-size', { type: 'string', describe: 'GC heap bytes, k/m suffixes allowed (default 1m, as the webassembly board config)' })
      .option('memory', {
        type: 'string',
        describe: 'the RAM: linear memory the heap lives and grows in (split-heap-auto), MemoryError beyond (default 16m; with --heap-size alone the heap is fixed)',
      })
      .option('fs', { type: 'string', describe: 'keep the flash in this directory, so files survive restarts (default: a temporary one)' })
      .option('link', { type: 'string', describe: 'also create a symlink to the tty at this path (like socat link=)' })
      .option('banner', { type: 'boolean', default: false, describe: 'send the boot banner to the tty at start (as a board does at power-up)' })
      .option('raw-paste', {
        type: 'string',
        choices: ['accept', 'refuse', 'unsupported'],
        // No yargs default: with --qemu an explicit --raw-paste is refused, so it must show.
        describe: 'answer raw-paste requests as v1.14+ (accept, the default), with R\\x00 (refuse), or as pre-v1.14 firmware (unsupported)',
      })
      .option('qemu', {
        type: 'string',
        choices: ['microbit', 'mps2-an385'],
        describe: 'run real firmware under qemu-system-arm instead: the BBC micro:bit MicroPython (Debian firmware-microbit-micropython) or a MicroPython qemu-port ELF (--firmware)',
      })
      .option('firmware', { type: 'string', describe: 'with --qemu: the firmware file (.elf; .hex for microbit)' })
      .example('$0 virtual-board --qemu microbit --link /tmp/mbit', 'then: mcu-gc compare --board=microbit --port /tmp/mbit')
      .example('$0 virtual-board --link /tmp/mpy', 'then: mcu-gc exec --port /tmp/mpy "print(1)"')
      .example('$0 virtual-board --heap-size 16k', 'a small board: MemoryError past 16 KiB') as never,
  handler: async (args) => {
    if (args.firmware !== undefined && args.qemu === undefined) throw new UserError('--firmware goes with --qemu microbit|mps2-an385');
    if (args.qemu !== undefined) {
      // These shape the WebAssembly board only: real firmware has its heap, flash and raw-paste
      // support built in (and QEMU prints its own banner). Refused, not silently ignored.
      const wasmOnly: string[] = (['heap-size', 'memory', 'fs', 'raw-paste'] as const).filter((k) => args[k] !== undefined);
      if (args.banner) wasmOnly.push('banner');
      if (wasmOnly.length > 0) {
        throw new UserError(`--${wasmOnly[0]}: not with --qemu (it shapes the WebAssembly board; the firmware under QEMU has its own heap, flash and raw REPL)`);
      }
      await serveQemuBoard({ machine: args.qemu, ...(args.firmware !== undefined ? { firmware: args.firmware } : {}), ...(args.link !== undefined ? { link: args.link } : {}) });
      return;
    }
    await serveVirtualBoard({
      heapSize: args['heap-size'],
      memory: args.memory,
      fs: args.fs,
      link: args.link,
      banner: args.banner,
      rawPaste: (args['raw-paste'] ?? 'accept') as 'accept' | 'refuse' | 'unsupported',
    });
  },
};

export default command;
