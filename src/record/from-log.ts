// Imports a MICROPY_DEBUG_VERBOSE log: py/gc.c's DEBUG_printf lines
//   "Initializing GC heap: START..END = N bytes"         (gc_init)
//   "gc_alloc(N bytes -> B blocks)" ... "gc_alloc(PTR)"  (request, then result)
//   "gc_free(PTR)"
//   "gc_realloc(PTR_IN -> PTR_OUT)"                      (after the move; no size printed)
//   "gc_alloc(N): no free mem, triggering GC"
// What such a log lacks, said in the trace: no pointer state at all (which words point where),
// so the replay cannot know what a collection keeps; no realloc sizes; no finaliser flags.
// The import keeps every allocation the log shows alive until the log frees it (a `free`),
// and leaves collections to the replay (objects only die by explicit frees in the log).

import { UserError, located } from '../errors.js';

export interface LogImport {
  heap: { start: number; end: number } | null;
  ops: string[];
  notes: string[];
  counts: { allocs: number; frees: number; reallocs: number; gcTriggers: number; skipped: number };
}

export function importVerboseLog(file: string, text: string): LogImport {
  const ops: string[] = [];
  const nameAt = new Map<number, string>();
  const counts = { allocs: 0, frees: 0, reallocs: 0, gcTriggers: 0, skipped: 0 };
  let heap: LogImport['heap'] = null;
  let next = 1;
  let pendingSize: number | null = null;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^Initializing GC heap: (?:0x)?([0-9a-fA-F]+)\.\.(?:0x)?([0-9a-fA-F]+) = \d+ bytes/.exec(line))) {
      if (heap) throw new UserError(located(file, i + 1, 'a second "Initializing GC heap" (a reset): import one session'));
      heap = { start: parseInt(m[1]!, 16), end: parseInt(m[2]!, 16) };
    } else if ((m = /^gc_alloc\((\d+) bytes -> \d+ blocks\)$/.exec(line))) {
      pendingSize = Number(m[1]);
    } else if ((m = /^gc_alloc\(\d+\): no free mem, triggering GC$/.exec(line))) {
      counts.gcTriggers++;
    } else if ((m = /^gc_alloc\((?:0x)?([0-9a-fA-F]+|\(nil\))\)$/.exec(line))) {
      if (pendingSize === null) {
        counts.skipped++;
        return;
      }
      const h = `o${next++}`;
      ops.push(`alloc ${h} ${pendingSize}`);
      const p = m[1] === '(nil)' ? 0 : parseInt(m[1]!, 16);
      if (p) nameAt.set(p, h);
      pendingSize = null;
      counts.allocs++;
    } else if ((m = /^gc_free\((?:0x)?([0-9a-fA-F]+)\)$/.exec(line))) {
      const h = nameAt.get(parseInt(m[1]!, 16));
      if (!h) {
        counts.skipped++;
        return;
      }
      ops.push(`free ${h}`);
      nameAt.delete(parseInt(m[1]!, 16));
      counts.frees++;
    } else if ((m = /^gc_realloc\((?:0x)?([0-9a-fA-F]+) -> (?:0x)?([0-9a-fA-F]+)\)$/.exec(line))) {
      // The log has no size: the move is kept as a name change only (the blocks the move
      // allocated and freed appear as their own gc_alloc/gc_free lines in the log).
      const from = parseInt(m[1]!, 16);
      const to = parseInt(m[2]!, 16);
      const h = nameAt.get(from);
      if (h && from !== to) {
        nameAt.delete(from);
        nameAt.set(to, h);
      }
      counts.reallocs++;
    }
  });
  if (!heap && ops.length === 0) {
    throw new UserError(`${file}: no gc_alloc/gc_free lines (a MicroPython built with MICROPY_DEBUG_VERBOSE prints them)`, 2);
  }
  const notes = [
    'Imported from a MICROPY_DEBUG_VERBOSE log: allocation sizes, addresses and frees only.',
    'Missing: every pointer (roots, stack, heap words), realloc sizes, finaliser flags. With no pointer',
    'state the replay keeps every block alive until the log frees it; collections free nothing the log',
    `did not free. ${counts.gcTriggers} "triggering GC" lines were seen; the device's collections are not reproduced.`,
  ];
  // Format 2 with no snapshot: every allocation is "younger than the last snapshot", i.e. held.
  return { heap, ops, notes, counts };
}
