// mcu-gc record --from-log: a MICROPY_DEBUG_VERBOSE log to a trace file that run replays;
// an existing output is not replaced without --force.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli as cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';



describe('record --from-log', () => {
  it('writes a replayable trace, and keeps an existing one without --force', async () => {
    const dir = tempDir('mcu-gc-fromlog-');
    const log = join(dir, 'boot.log');
    writeFileSync(
      log,
      [
        'MPY: soft reboot',
        'Initializing GC heap: 0x20010000..0x20018000 = 32768 bytes',
        'gc_alloc(40 bytes -> 3 blocks)',
        'gc_alloc(0x20010200)',
        'gc_alloc(16 bytes -> 1 blocks)',
        'gc_alloc(0x20010230)',
        'gc_free(0x20010200)',
        '',
      ].join('\n'),
    );
    const r = await cli(['record', '--from-log', log, '--board=rp2-pico']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/imported 2 allocations, 1 frees/);
    expect(r.stderr).toMatch(/no pointer state/);
    const text = readFileSync(join(dir, 'boot.trace'), 'utf8');
    expect(text).toMatch(/^source via=log .*board=rp2-pico/m);
    expect(text).toMatch(/^alloc o1 40\nalloc o2 16\nfree o1$/m);
    const run = await cli(['run', '--board=rp2-pico', join(dir, 'boot.trace')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/allocations +2 \(failed 0\)/);
    const again = await cli(['record', '--from-log', log]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/boot\.trace: already exists \(use --force/);
  });
});
