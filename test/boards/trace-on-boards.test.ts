// Every shipped gctrace vector on every shipped board, in-process (what `mcu-gc run
// --board=X VECTOR` does): it runs wherever the board's memory map can hold the trace's
// heap (same word size, heap inside RAM), and fails with one clean located line elsewhere.
// Where the board changed nothing the trace's behaviour depends on (no split-heap-auto
// growth or give-back happened), the trace's own output must be byte-identical to what
// py/gc.c printed (the .expected file): the board's root section, stack and type objects
// may sit anywhere, but they must not change a single collection. One thing may differ:
// the letter gc_dump_alloc_table prints for a head whose first word was never set as a whole
// (a realloc copying 3 bytes of a type word): on nrf52840 the leftover 0x00050000 is the
// board's mp_type_tuple, as it would be on that device. Dump rows are compared as block
// kinds (head / tail / free), everything else byte for byte.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listBoards } from '../../src/boards/load.js';
import { runTraceText } from '../../src/boards/trace.js';
import { UserError } from '../../src/errors.js';

const dir = new URL('../conformance/vectors/', import.meta.url).pathname;
const vectors = readdirSync(dir).filter((f) => f.endsWith('.trace')).sort();

/** Dump rows with every head letter as 'h' (the type letters depend on where the types are). */
function kinds(text: string): string {
  return text.replace(/^([0-9a-f]{5,8}: )(.*)$/gm, (_m, off: string, row: string) => off + row.replace(/[A-Za-z]/g, (c) => (c === 'm' ? c : 'h')));
}

describe('every vector on every board', () => {
  it("has ../shared's 96 vectors and the project's own v1.9.2 ones", () => {
    const v192 = vectors.filter((f) => /^\s*gc\s+v1\.9\.2\b/m.test(readFileSync(join(dir, f), 'utf8')));
    expect(v192.length).toBeGreaterThan(0);
    expect(vectors.length - v192.length).toBe(96);
  });
  const boards = listBoards();
  const stats = new Map<string, { ran: number; identical: number }>();
  for (const spec of boards) {
    it(`${spec.id}: runs what fits, one clean line for the rest`, () => {
      let ran = 0;
      let identical = 0;
      for (const v of vectors) {
        const text = readFileSync(join(dir, v), 'utf8');
        const file = `vectors/${v}`;
        let r;
        try {
          r = runTraceText(text, file, spec);
        } catch (e) {
          expect(e, `${v}: ${(e as Error).message}`).toBeInstanceOf(UserError);
          const msg = (e as UserError).message;
          expect((e as UserError).exitCode, msg).toBe(2);
          expect(msg, v).toMatch(new RegExp(`^vectors/${v.replace('.', '\\.')}:\\d+: (the trace's heap \\[0x[0-9a-f]+, 0x[0-9a-f]+\\) does not fit in ${spec.id}'s RAM|the trace is for \\d+-bit words)`));
          expect(msg).not.toContain('\n');
          continue;
        }
        ran++;
        const grew = r.counters.areasAdded > 0 || r.counters.areasFreed > 0;
        if (!grew) {
          const expected = readFileSync(join(dir, v.replace(/\.trace$/, '.expected')), 'utf8');
          const got = kinds(r.traceOutput!);
          const want = kinds(expected);
          if (got !== want) expect(got.split('\n'), `${spec.id} ${v}`).toEqual(want.split('\n'));
          identical++;
        }
      }
      stats.set(spec.id, { ran, identical });
    });
  }
  it('the matrix is not all refusals: vectors ran on most 32-bit boards, some with split-heap-auto growth', () => {
    const ran = [...stats.values()].filter((s) => s.ran > 0).length;
    expect(ran).toBeGreaterThanOrEqual(8);
    const grew = [...stats.values()].reduce((n, s) => n + s.ran - s.identical, 0);
    expect(grew).toBeGreaterThan(0);
  });
});
