// mcu-gc exec CODE — like `mpremote exec`: run code on the board, stream its stdout,
// print its traceback to stderr and exit 1 if it raised.

import type { CommandModule } from 'yargs';
import { checkScriptBytes } from '../serial/script-bytes.js';
import { connect, connectOptionsFrom, withSerialOptions, type SerialArgs } from '../serial/connect.js';

interface Args extends SerialArgs {
  code: string;
}

/** Runs code on the board named by args; returns the process exit code. */
export async function runOnDevice(code: string | Uint8Array, args: SerialArgs): Promise<number> {
  const repl = await connect(args.port, connectOptionsFrom(args));
  // Ctrl-C here is passed to the board (KeyboardInterrupt there), as mpremote does;
  // a second one leaves.
  let interrupts = 0;
  const onSigint = (): void => {
    if (++interrupts > 1) process.exit(130);
    repl.port.write(Buffer.from('\x03', 'latin1'));
  };
  process.on('SIGINT', onSigint);
  try {
    // While code runs there is no inter-byte limit (mpremote follows with timeout=None):
    // a program may be silent for minutes.
    const r = await repl.exec(code, { timeoutMs: 0, onStdout: (c) => process.stdout.write(c) });
    if (r.stderr !== '') {
      process.stderr.write(r.stderr.replace(/\r\n/g, '\n'));
      return 1;
    }
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
    await repl.close();
  }
}

const command: CommandModule<object, Args> = {
  command: 'exec <code>',
  describe: 'Run Python code on a board over the raw REPL (like mpremote exec)',
  builder: (y) =>
    withSerialOptions(y.positional('code', { type: 'string', demandOption: true, describe: 'Python source to run' })).example(
      '$0 exec --port /dev/ttyACM0 "import gc; print(gc.mem_free())"',
      'print the free heap',
    ) as never,
  handler: async (args) => {
    checkScriptBytes(Buffer.from(args.code, 'utf8'), 'CODE');
    process.exitCode = await runOnDevice(args.code, args);
  },
};

export default command;
