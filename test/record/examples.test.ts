// The shipped recordings (examples/*.trace, made by `mcu-gc record` from examples/*.py on the
// v1.27.0 MPS2_AN385 firmware) parse as format-2 traces and replay on other boards.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrace } from '../../emulator/trace/parse.js';
import { runTrace } from '../../emulator/trace/run.js';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');
const scripts = readdirSync(EXAMPLES).filter((f) => f.endsWith('.py'));

describe('shipped example recordings', () => {
  it('every example script has its recording', () => {
    expect(scripts.length).toBe(8);
    for (const s of scripts) expect(readdirSync(EXAMPLES)).toContain(s.replace(/\.py$/, '.trace'));
  });

  for (const s of scripts) {
    const name = s.replace(/\.py$/, '');
    it(`${name}: recorded from reset, replays to the device's final dump`, () => {
      const text = readFileSync(join(EXAMPLES, `${name}.trace`), 'utf8');
      const t = parseTrace(text, { defaults: { conservativeClear: true } });
      expect(t.formatVersion).toBe(2);
      expect(t.sourceLine).toMatch(new RegExp(`board=qemu .*script=${name}\\.py`));
      expect(t.heaps[0]).toMatchObject({ start: 0x2f2bc, end: 0x522bc });
      const out = runTrace(t).output;
      // the recording ends at the device's mem_info(1): its dump is the replay's last output
      expect(out).toMatch(/GC memory layout; from 2ffb0:\n00000000: /);
      expect(out).not.toMatch(/= invalid/);
    });
  }
});
