// mcu-gc boards: the board configs mcu-gc knows, one line each: the user's own folders
// (--ports-dir, MCU_GC_PORTS) first, then the shipped ports/, each marked with where it
// came from. A broken config is listed with its one-line error; it breaks no other row.

import type { CommandModule } from 'yargs';
import { buildBoard } from '../../emulator/board.js';
import { type BoardEntry, boardEntries, tryLoadEntry } from '../boards/load.js';
import { type PortsDirArgs, withPortsDirOption } from '../boards/options.js';

interface Args extends PortsDirArgs {
  json: boolean;
}

export interface BoardRow {
  id: string;
  name: string;
  aliases: string[];
  chip: string;
  micropython: string;
  gc: string;
  heapBytes: number;
  poolBytes: number;
  blockSize: number;
  splitAuto: boolean;
  file: string;
  /** 'shipped', 'ports-dir DIR', 'MCU_GC_PORTS DIR'. */
  origin: string;
  extends?: string;
  /** An earlier folder has a board with this id: that one is used. */
  shadowedBy?: string;
  /** Set when the config cannot be used (then only id, file and origin are meaningful). */
  error?: string;
}

function originText(e: BoardEntry): string {
  return e.origin === 'shipped' ? 'shipped' : `${e.origin} ${e.dir}`;
}

export function boardRows(): BoardRow[] {
  return boardEntries().map((e) => {
    const base = { id: e.id, file: e.shown, origin: originText(e), ...(e.shadowedBy ? { shadowedBy: e.shadowedBy } : {}) };
    const s = tryLoadEntry(e);
    let row: BoardRow;
    if ('error' in s) {
      row = { ...base, name: '', aliases: e.aliases, chip: '', micropython: '', gc: '', heapBytes: 0, poolBytes: 0, blockSize: 0, splitAuto: false, error: s.error };
    } else {
      let b;
      try {
        b = buildBoard(s);
      } catch (err) {
        return { ...base, name: s.name, aliases: s.aliases, chip: s.chip, micropython: s.micropython, gc: s.gc.version, heapBytes: 0, poolBytes: 0, blockSize: s.gc.blockSize, splitAuto: s.gc.splitAuto, error: `${e.shown}: ${(err as Error).message}` };
      }
      row = {
        ...base,
        name: s.name,
        aliases: s.aliases,
        chip: s.chip,
        micropython: s.micropython,
        gc: s.gc.version,
        heapBytes: b.heapEnd - b.heapStart + s.heap.add.reduce((n, a) => n + a.end - a.start, 0),
        poolBytes: b.areas.reduce((n, a) => n + a.poolBytes, 0),
        blockSize: s.gc.blockSize,
        splitAuto: s.gc.splitAuto,
        ...(s.extends ? { extends: s.extends } : {}),
      };
    }
    return row;
  });
}

const command: CommandModule<object, Args> = {
  command: 'boards',
  describe: 'List the boards mcu-gc knows: yours (--ports-dir, $MCU_GC_PORTS) and the shipped ports/*.yaml',
  builder: (y) => withPortsDirOption(y.option('json', { type: 'boolean', default: false, describe: 'machine-readable output' })) as never,
  handler: (args) => {
    const rows = boardRows();
    if (args.json) {
      process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      return;
    }
    const head = ['id', 'chip', 'MicroPython', 'heap (GC: total)', 'block', 'from', 'aliases'];
    const body = rows.map((r) =>
      r.error
        ? [r.id, `BROKEN: ${r.error}`, '', '', '', r.origin, '']
        : [
            r.id,
            r.chip,
            r.micropython,
            `${r.poolBytes}${r.splitAuto ? ' + grows' : ''}`,
            String(r.blockSize),
            `${r.origin}${r.extends ? ` (extends ${r.extends})` : ''}${r.shadowedBy ? ` (hidden by ${r.shadowedBy})` : ''}`,
            r.aliases.join(', '),
          ],
    );
    // A broken row's message is long: it does not widen the columns of the others.
    const w = head.map((h, i) => Math.max(h.length, ...body.filter((b) => !b[1]!.startsWith('BROKEN')).map((b) => b[i]!.length)));
    const line = (cells: string[]): string =>
      cells.map((c, i) => (i === cells.length - 1 || c.startsWith('BROKEN') ? c : c.padEnd(w[i]!))).join('  ').trimEnd();
    process.stdout.write([line(head), ...body.map(line)].join('\n') + '\n');
    const broken = rows.filter((r) => r.error).length;
    process.stdout.write(
      `${rows.length - broken} boards${broken ? `, ${broken} broken (each fails only the commands that use it)` : ''}. Use an id or alias with --board (e.g. mcu-gc run --board=ESP32_GENERIC), or a path (--board ./my-board.yaml).\n`,
    );
  },
};

export default command;
