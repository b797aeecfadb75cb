// virtual-board --qemu runs real firmware: the flags that shape the WebAssembly board (heap,
// RAM, flash folder, banner, raw-paste behaviour) are refused with one line before QEMU starts,
// not silently ignored. No QEMU is needed: the check comes first.

import { describe, expect, it } from 'vitest';
import { runCli as cli } from '../helpers/cli.js';

describe('virtual-board --qemu with WebAssembly-only flags', () => {
  for (const flags of [['--heap-size', '16k'], ['--memory', '1m'], ['--fs', '.'], ['--banner'], ['--raw-paste', 'refuse'], ['--raw-paste', 'accept']]) {
    it(`refuses ${flags.join(' ')}`, async () => {
      const r = await cli(['virtual-board', '--qemu', 'microbit', ...flags], { timeout: 20_000 });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`mcu-gc: ${flags[0]}: not with --qemu (it shapes the WebAssembly board; the firmware under QEMU has its own heap, flash and raw REPL)\n`);
    });
  }
});
