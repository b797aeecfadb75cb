// `mcu-gc run --board=B FILE.trace`: a gctrace as the workload on any board (see
// emulator/trace-board.ts for what the board supplies and what the trace overrides).
// Every failure is one located line: file:line for the trace, exit 2 for input that
// cannot run on this board, exit 1 for an emulated firmware crash.

import { type BoardOverrides, type BoardSpec, BoardError, buildBoard } from '../../emulator/board.js';
import type { GcHeap } from '../../emulator/heap.js';
import { hex } from '../../emulator/memory.js';
import type { Pacing } from '../../emulator/pacing.js';
import { type RunReport, runTraceOnBoard } from '../../emulator/run.js';
import { TraceBoardConflict, boardMachineForTrace, traceConfigOnBoard } from '../../emulator/trace-board.js';
import { TraceError, TraceReader, parseTrace } from '../../emulator/trace/parse.js';
import { UserError, located } from '../errors.js';
import { traceErrorMessage } from '../trace/errors.js';

/** Does the header (everything before the first operation) have a `heap` line? */
function headerHasHeap(text: string): boolean {
  const head = text.split(/^\s*(?:alloc|free|realloc|collect|setp|setw|type|root|rootw|stack|stackw|lock|unlock|threshold|auto|info|dump|nbytes|stats|weak)\b/m)[0] ?? '';
  return /^\s*heap\s/m.test(head);
}

function lineOfKey(text: string, key: string): number {
  const i = text.split('\n').findIndex((l) => new RegExp(`^\\s*${key}\\b`).test(l));
  return i < 0 ? 0 : i + 1;
}

/**
 * Runs a gctrace (its text) on a board. `file` is for messages; `cli` are the what-if flags
 * (heap placement flags conflict with a trace that places its own heap).
 */
export function runTraceText(text: string, file: string, spec: BoardSpec, cli: BoardOverrides = {}, pacing?: Pacing, onOp?: TraceProgress): RunReport {
  return runTraceOnBoardText(text, file, spec, cli, pacing, onOp).report;
}

/** runTraceText, also giving the heap as the trace left it (for fragmentation and analyses). */
/** Called every operation with its index and the trace's operation count (for a progress bar). */
export type TraceProgress = (index: number, total: number) => void;

export function runTraceOnBoardText(
  text: string,
  file: string,
  spec: BoardSpec,
  cli: BoardOverrides = {},
  pacing?: Pacing,
  onOp?: TraceProgress,
): { report: RunReport; heap: GcHeap } {
  const hasHeap = headerHasHeap(text);
  const fail = (e: TraceBoardConflict, shift: number): UserError => {
    const line = e.line ? e.line - shift : e.key ? lineOfKey(text, e.key) : 0;
    return new UserError(line > 0 ? located(file, line, `${e.message} (--board ${spec.id})`) : `${file}: ${e.message} (--board ${spec.id})`, 2);
  };
  if (hasHeap) {
    for (const [flag, set] of [
      ['--heap-start', cli.heapStart !== undefined],
      ['--heap-size', cli.heapSize !== undefined],
      ['--pool-start/--pool-total', cli.pool !== undefined],
    ] as const) {
      if (set) throw new UserError(located(file, lineOfKey(text, 'heap'), `the trace places its own heap here: drop ${flag}`), 2);
    }
  }
  let shift = 0;
  let prefixText = '';
  try {
    // First the header alone, with gctrace's own defaults, to learn which keys it sets.
    const header = new TraceReader(hasHeap ? text : `heap 0x1000 0x100000\n${text}`);
    const { config, notes } = traceConfigOnBoard(spec, header, cli);
    let prefix = '';
    if (!hasHeap) {
      // No `heap` line: the board's own heap (and, with split heaps, its boot-time gc_add areas).
      let b;
      try {
        b = buildBoard(spec, { ...cli, config });
      } catch (e) {
        if (e instanceof BoardError) throw new UserError(`--board ${spec.id}: ${e.message}`);
        throw e;
      }
      prefix = `heap ${hex(b.heapStart)} ${hex(b.heapEnd)}\n`;
      if (config.split) for (const a of cli.add ?? spec.heap.add) prefix += `heap ${hex(a.start)} ${hex(a.end)}\n`;
      notes.push(`the trace has no heap line: it runs on ${spec.id}'s heap`);
    }
    shift = prefix === '' ? 0 : prefix.split('\n').length - 1;
    prefixText = prefix;
    const trace = parseTrace(prefix + text, { defaults: config });
    const board = boardMachineForTrace(spec, config, [...trace.heaps, ...trace.laterHeaps], notes);
    const total = trace.ops.length;
    const report = runTraceOnBoard(board, trace, file, { ...(pacing ? { pacing } : {}), ...(onOp ? { onOp: (i: number) => onOp(i, total) } : {}) });
    return { report, heap: board.machine.heap };
  } catch (e) {
    if (e instanceof TraceBoardConflict) throw fail(e, shift);
    if (e instanceof TraceError && shift > 0) {
      const moved = new TraceError(e.message, Math.max(1, e.line - shift), e.column, e.offset >= 0 ? Math.max(0, e.offset - Buffer.byteLength(prefixText)) : -1);
      moved.crash = e.crash;
      throw traceErrorMessage(file, moved);
    }
    throw traceErrorMessage(file, e);
  }
}
