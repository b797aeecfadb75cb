// The recorded trace's text: a format-2 gctrace (FORMAT.md, "Recorded traces") whose header
// says where it came from, then the operations the recorder wrote.

export interface TraceSourceInfo {
  /** How the activity was observed: 'gdb' (breakpoints) or 'log' (MICROPY_DEBUG_VERBOSE output). */
  via: 'gdb' | 'log';
  firmware: string;
  micropython: string;
  /** The mcu-gc board config the device corresponds to (replays on another board use that board's heap). */
  board: string;
  machine?: string;
  script: string;
  date: string;
}

function token(v: string): string {
  // One header token per value: spaces would split it.
  return v.replace(/\s+/g, '_') || '-';
}

export function traceText(src: TraceSourceInfo, heap: { start: number; end: number } | null, ops: string[], notes: string[]): string {
  const head = [
    'gctrace 2',
    `# Recorded by mcu-gc record ${src.via === 'gdb' ? 'through a GDB stub, from reset' : 'from a MICROPY_DEBUG_VERBOSE log'}.`,
    `source via=${src.via} firmware=${token(src.firmware)} micropython=${token(src.micropython)} board=${token(src.board)}${src.machine ? ` machine=${token(src.machine)}` : ''} script=${token(src.script)} date=${token(src.date)}`,
    ...notes.map((n) => `# ${n}`),
  ];
  if (heap) head.push(`heap 0x${heap.start.toString(16)} 0x${heap.end.toString(16)}`);
  return head.join('\n') + '\n' + ops.join('\n') + (ops.length ? '\n' : '');
}

/** `board=X` from a trace's source line, if any. */
export function sourceBoard(sourceLine: string | undefined): string | undefined {
  const m = /(?:^|\s)board=(\S+)/.exec(sourceLine ?? '');
  return m ? m[1] : undefined;
}
