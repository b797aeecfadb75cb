// The recording's self-check: replay the trace as `mcu-gc run --board=B FILE` does and
// compare with what the device printed and did — the final mem_info(1) (GC totals, block
// counts and the dump, byte for byte) and every collection's freed count.

import { buildBoard, type BoardMachine } from '../../emulator/board.js';
import { runTraceOnBoard, type RunReport } from '../../emulator/run.js';
import { traceMachine } from '../../emulator/trace/run.js';
import { parseTrace } from '../../emulator/trace/parse.js';
import { loadBoard } from '../boards/load.js';
import { boardFromArgs } from '../commands/layout.js';

export interface SelfCheck {
  ok: boolean;
  /** One line per check, each starting with "ok" or "MISMATCH". */
  lines: string[];
  report: RunReport;
}

/** The part of mem_info(1) output the replay must reproduce: from the `GC:` line to the end. */
export function gcPart(memInfo: string): string {
  const t = memInfo.replace(/\r\n/g, '\n');
  const i = t.indexOf('GC: total:');
  return i < 0 ? '' : t.slice(i).replace(/\n+$/, '\n');
}

export function selfCheck(text: string, board: string, memInfo: string, deviceFreed: number[]): SelfCheck {
  const base = boardFromArgs(board, {});
  const trace = parseTrace(text, { defaults: base.config });
  const b = buildBoard(loadBoard(board), { config: trace.config });
  // The board's GC config, in a memory map made around the recorded heap (as `mcu-gc trace`
  // builds one): the board's own map may place its type objects or root section inside the
  // device's heap when its config does not match this firmware's link map.
  const own: BoardMachine = { ...b, machine: traceMachine(trace) };
  const report = runTraceOnBoard(own, trace, 'recorded');
  const lines: string[] = [];
  let ok = true;
  const check = (good: boolean, what: string): void => {
    ok &&= good;
    lines.push(`${good ? 'ok      ' : 'MISMATCH'} ${what}`);
  };
  const replayFreed = report.collections.map((c) => c.freed);
  check(
    replayFreed.length === deviceFreed.length,
    `collections: device ${deviceFreed.length}, replay ${replayFreed.length}`,
  );
  const firstBad = deviceFreed.findIndex((f, i) => replayFreed[i] !== f);
  check(
    firstBad < 0,
    firstBad < 0
      ? `blocks freed by each collection (${deviceFreed.reduce((s, f) => s + f, 0)} in all)`
      : `collection ${firstBad + 1}: device freed ${deviceFreed[firstBad]}, replay ${replayFreed[firstBad] ?? '-'}`,
  );
  const dev = gcPart(memInfo);
  if (dev) {
    const out = report.traceOutput ?? '';
    const info = /info total=(\d+) used=(\d+) free=(\d+) max_free=(\d+) n1=(\d+) n2=(\d+) max_block=(\d+)\n(?![\s\S]*\ninfo )/.exec(out);
    const dumpAt = out.lastIndexOf('GC memory layout;');
    const replay = info
      ? `GC: total: ${info[1]}, used: ${info[2]}, free: ${info[3]}\n No. of 1-blocks: ${info[5]}, 2-blocks: ${info[6]}, max blk sz: ${info[7]}, max free sz: ${info[4]}\n` +
        (dumpAt >= 0 ? out.slice(dumpAt).replace(/\n+$/, '\n') : '')
      : '';
    const dl = dev.split('\n');
    const rl = replay.split('\n');
    const bad = dl.findIndex((l, i) => rl[i] !== l);
    check(
      dev === replay,
      dev === replay
        ? `final mem_info(1): ${dl.length - 1} lines from 'GC: total' on, byte for byte`
        : `final mem_info(1) line ${bad + 1}: device '${dl[bad] ?? ''}', replay '${rl[bad] ?? ''}'`,
    );
  } else {
    lines.push('-        no final mem_info(1) from the device (the recording ended early): dump not compared');
  }
  return { ok, lines, report };
}
