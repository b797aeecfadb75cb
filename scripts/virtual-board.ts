// Manual use without the CLI: `node dist/scripts/virtual-board.js [heap-size] [link]`.
// Starts a virtual board, prints its tty path, serves until Ctrl-C / SIGTERM.
// (The CLI command `mcu-gc virtual-board` is the same with more options.)

import { startVirtualBoard } from '../src/virtual-board/board.js';
import { parseByteSize } from '../src/virtual-board/size.js';

const heapArg = process.argv[2];
const heapSize = heapArg === undefined ? undefined : parseByteSize(heapArg);
if (heapArg !== undefined && heapSize === undefined) {
  process.stderr.write(`virtual-board: bad heap size ${JSON.stringify(heapArg)} (e.g. 64k)\n`);
  process.exit(2);
}
const board = await startVirtualBoard({ heapSize, link: process.argv[3] });
process.stdout.write(`${board.path}\n`);
const stop = (): void => board.close();
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
