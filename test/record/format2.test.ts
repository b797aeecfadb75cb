// Format 2 of the gctrace (what recordings use): the gctrace/source headers, xroot slots and
// snapshots, and how a replay treats objects born since the last snapshot; and the import of
// MICROPY_DEBUG_VERBOSE logs.

import { describe, expect, it } from 'vitest';
import { parseTrace, TraceError } from '../../emulator/trace/parse.js';
import { runTrace } from '../../emulator/trace/run.js';
import { importVerboseLog } from '../../src/record/from-log.js';
import { sourceBoard, traceText } from '../../src/record/trace-text.js';

const HEAD = 'gctrace 2\nsource via=gdb board=qemu script=t.py\nheap 0x20000000 0x20001000\n';

function run(text: string): string {
  return runTrace(parseTrace(text)).output;
}

describe('format 2 parsing', () => {
  it('reads the version and the source line', () => {
    const t = parseTrace(HEAD + 'alloc a 16\n');
    expect(t.formatVersion).toBe(2);
    expect(t.sourceLine).toBe('via=gdb board=qemu script=t.py');
    expect(sourceBoard(t.sourceLine)).toBe('qemu');
    expect(parseTrace('heap 0x20000000 0x20001000\nalloc a 16\n').formatVersion).toBe(1);
  });

  it('rejects format-2 lines in a format-1 trace, with the line and byte', () => {
    const text = 'heap 0x20000000 0x20001000\nalloc a 16\nxroot 0 a\n';
    try {
      parseTrace(text);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TraceError);
      expect((e as TraceError).line).toBe(3);
      expect((e as TraceError).offset).toBe(text.indexOf('xroot'));
      expect((e as TraceError).message).toMatch(/'xroot' needs 'gctrace 2'/);
    }
    expect(() => parseTrace('gc v1.27\ngctrace 2\nheap 0x20000000 0x20001000\n')).toThrow(/'gctrace' must come before/);
    expect(() => parseTrace(HEAD + 'xroot 65536 a\n')).toThrow(/out of range/);
    expect(() => parseTrace(HEAD + 'snapshot now\n')).toThrow(/too many arguments/);
  });
});

describe('format 2 roots', () => {
  it('an xroot slot keeps its object alive until the slot is cleared', () => {
    const out = run(HEAD + 'alloc a 16\nalloc b 16\nxroot 7 a\nsnapshot\ncollect\nxroot 7 0\nsnapshot\ncollect\n');
    expect(out.match(/collect freed=\d+/g)).toEqual(['collect freed=1', 'collect freed=1']);
  });

  it('objects allocated since the last snapshot are held; a snapshot releases them', () => {
    // a and b: born before any snapshot, so held; after `snapshot` nothing points at them.
    const out = run(HEAD + 'alloc a 16\nalloc b 32\ncollect\nsnapshot\nalloc c 16\ncollect\nsnapshot\ncollect\n');
    expect(out.match(/collect freed=\d+/g)).toEqual(['collect freed=0', 'collect freed=2', 'collect freed=1']);
  });

  it('a freed young object is no longer held (its address may be reused)', () => {
    const out = run(HEAD + 'alloc a 16\nfree a\nalloc b 16\ncollect\nsnapshot\ncollect\n');
    expect(out).toContain('alloc b = 0x20000');
    expect(out.match(/collect freed=\d+/g)).toEqual(['collect freed=0', 'collect freed=1']);
  });

  it('pointers written at a snapshot keep their targets alive through heap words', () => {
    const out = run(HEAD + 'alloc a 16\nalloc b 16\nalloc c 16\nsetp a 1 b\nxroot 0 a\nsnapshot\ncollect\n');
    expect(out).toContain('collect freed=1'); // only c
  });
});

describe('record --from-log: MICROPY_DEBUG_VERBOSE import', () => {
  const log = [
    'Initializing GC heap: 0x20000000..0x20001000 = 4096 bytes',
    'gc_alloc(20 bytes -> 2 blocks)',
    'gc_alloc(0x20000100)',
    'gc_alloc(16 bytes -> 1 blocks)',
    'gc_alloc(0x20000120)',
    'gc_free(0x20000100)',
    'gc_alloc(8): no free mem, triggering GC',
    'gc_free(0x20009999)',
    '',
  ].join('\n');

  it('turns gc_alloc/gc_free lines into operations and says what is missing', () => {
    const imp = importVerboseLog('v.log', log);
    expect(imp.heap).toEqual({ start: 0x20000000, end: 0x20001000 });
    expect(imp.ops).toEqual(['alloc o1 20', 'alloc o2 16', 'free o1']);
    expect(imp.counts).toMatchObject({ allocs: 2, frees: 1, gcTriggers: 1, skipped: 1 });
    expect(imp.notes.join(' ')).toMatch(/Missing: every pointer/);
    const text = traceText({ via: 'log', firmware: '-', micropython: 'v1.27.0', board: 'pyboard', script: 'v.log', date: 'd' }, imp.heap, imp.ops, imp.notes);
    // replays: with no snapshot, every allocation the log did not free is held
    expect(run(text + 'collect\n')).toContain('collect freed=0');
  });

  it('a file without gc lines is one line of error', () => {
    expect(() => importVerboseLog('x.log', 'hello\n')).toThrow(/^x\.log: no gc_alloc\/gc_free lines/);
  });
});
