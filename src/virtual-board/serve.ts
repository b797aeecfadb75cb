// `mcu-gc virtual-board` (the WebAssembly board): validates the options, starts the board,
// prints its tty, and serves until SIGINT / SIGTERM / SIGHUP — which always works, because
// Python runs in a worker thread and the main thread never blocks.

import { existsSync, statSync } from 'node:fs';
import { UserError } from '../errors.js';
import { DEFAULT_HEAP_SIZE, DEFAULT_MEMORY, minimumMemory, startVirtualBoard } from './board.js';
import type { RawPasteMode } from './micropython-device.js';
import { parseByteSize } from './size.js';

export interface ServeOptions {
  heapSize?: string;
  memory?: string;
  fs?: string;
  link?: string;
  banner: boolean;
  rawPaste: RawPasteMode;
}

function size(flag: string, text: string, min: number): number {
  const n = parseByteSize(text);
  if (n === undefined || n < min) {
    throw new UserError(`--${flag}: expected bytes with an optional k/m suffix, at least ${min / 1024}k (got ${JSON.stringify(text)})`);
  }
  return n;
}

export async function serveVirtualBoard(o: ServeOptions): Promise<void> {
  const heapSize = o.heapSize === undefined ? undefined : size('heap-size', o.heapSize, 4096);
  const memory = o.memory === undefined ? undefined : size('memory', o.memory, 4096);
  const heap = heapSize ?? DEFAULT_HEAP_SIZE;
  if (memory !== undefined && memory < minimumMemory(heap)) {
    throw new UserError(
      `--memory ${o.memory}: too small for a ${heap}-byte heap; the linear memory also holds the static data, C stack and pystack: give at least ${Math.ceil(minimumMemory(heap) / 1024)}k`,
    );
  }
  if (o.fs !== undefined && existsSync(o.fs) && !statSync(o.fs).isDirectory()) {
    throw new UserError(`--fs ${o.fs}: exists and is not a directory`);
  }
  let board;
  try {
    board = await startVirtualBoard({ heapSize, memory, fsDir: o.fs, link: o.link, banner: o.banner, rawPaste: o.rawPaste });
  } catch (e) {
    throw new UserError(`cannot start the virtual board: ${(e as Error).message}`);
  }
  process.stdout.write(`${board.path}\n`);
  const ram = board.fixedHeap
    ? `${board.heapSize} byte heap, fixed`
    : `${board.heapSize} byte heap${heapSize === undefined ? ' (default)' : ''} in ${board.memory / 1024} KiB of memory${memory === undefined && board.memory === DEFAULT_MEMORY ? ' (default)' : ''}`;
  process.stderr.write(
    `virtual board: MicroPython (WebAssembly), ${ram}, on ${board.path}` +
      (board.link ? ` (link ${board.link})` : '') +
      (o.fs ? `, files in ${o.fs}` : '') +
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
}
