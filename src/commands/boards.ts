// mcu-gc boards: the board configs in ports/, one line each.

import type { CommandModule } from 'yargs';
import { buildBoard } from '../../emulator/board.js';
import { listBoards } from '../boards/load.js';

interface Args {
  json: boolean;
}

export function boardRows(): Array<{ id: string; name: string; aliases: string[]; chip: string; micropython: string; gc: string; heapBytes: number; poolBytes: number; blockSize: number; splitAuto: boolean; file: string }> {
  return listBoards().map((s) => {
    const b = buildBoard(s);
    return {
      id: s.id,
      name: s.name,
      aliases: s.aliases,
      chip: s.chip,
      micropython: s.micropython,
      gc: s.gc.version,
      heapBytes: b.heapEnd - b.heapStart + s.heap.add.reduce((n, a) => n + a.end - a.start, 0),
      poolBytes: b.areas.reduce((n, a) => n + a.poolBytes, 0),
      blockSize: s.gc.blockSize,
      splitAuto: s.gc.splitAuto,
      file: s.file ?? '',
    };
  });
}

const command: CommandModule<object, Args> = {
  command: 'boards',
  describe: 'List the boards mcu-gc knows (ports/*.yaml)',
  builder: (y) => y.option('json', { type: 'boolean', default: false, describe: 'machine-readable output' }),
  handler: (args) => {
    const rows = boardRows();
    if (args.json) {
      process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      return;
    }
    const head = ['id', 'chip', 'MicroPython', 'heap (GC: total)', 'block', 'aliases'];
    const body = rows.map((r) => [
      r.id,
      r.chip,
      r.micropython,
      `${r.poolBytes}${r.splitAuto ? ' + grows' : ''}`,
      String(r.blockSize),
      r.aliases.join(', '),
    ]);
    const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
    const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(w[i]!))).join('  ').trimEnd();
    process.stdout.write([line(head), ...body.map(line)].join('\n') + '\n');
    process.stdout.write(`${rows.length} boards. Use an id or alias with --board (e.g. mcu-gc run --board=ESP32_GENERIC).\n`);
  },
};

export default command;
