// Every vector produced by MicroPython's real py/gc.c must come out byte for byte.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrace, runTrace } from '../emulator/index.js';

const here = new URL('.', import.meta.url).pathname;
const dirs = [join(here, 'conformance/vectors')];
// The shared copy, when the clone sits next to ../shared: it may hold newer vectors.
const shared = join(here, '../../shared/conformance/vectors');
try {
  if (readdirSync(shared).length) dirs.push(shared);
} catch {
  /* no ../shared beside this clone */
}

for (const dir of dirs) {
  const traces = readdirSync(dir).filter((f) => f.endsWith('.trace')).sort();
  describe(`conformance vectors in ${dir}`, () => {
    it('has vectors to run', () => {
      expect(traces.length).toBeGreaterThanOrEqual(96);
    });
    for (const f of traces) {
      it(f, () => {
        const expected = readFileSync(join(dir, f.replace(/\.trace$/, '.expected')), 'utf8');
        const got = runTrace(parseTrace(readFileSync(join(dir, f), 'utf8'))).output;
        expect(got).toBe(expected);
      });
    }
  });
}
