// mcu-gc run-script FILE — like `mpremote run FILE`: the local file's bytes run on the board.

import type { CommandModule } from 'yargs';
import { readBytes } from '../io/files.js';
import { withSerialOptions, type SerialArgs } from '../serial/connect.js';
import { runOnDevice } from './exec.js';
import { checkScriptBytes } from '../serial/script-bytes.js';

interface Args extends SerialArgs {
  file: string;
}

const command: CommandModule<object, Args> = {
  command: 'run-script <file>',
  describe: 'Run a local Python file on a board over the raw REPL (like mpremote run)',
  builder: (y) =>
    withSerialOptions(y.positional('file', { type: 'string', demandOption: true, describe: 'local .py file' })).example(
      '$0 run-script --port a0 bench.py',
      'run bench.py on /dev/ttyACM0',
    ) as never,
  handler: async (args) => {
    const code = readBytes(args.file); // a missing file fails before the port is touched
    checkScriptBytes(code, args.file);
    process.exitCode = await runOnDevice(code, args);
  },
};

export default command;
