// An ELF whose heap comes from linker symbols (rp2's __GcHeapStart/__GcHeapEnd) and whose
// banner is one string: built here with the host C compiler (Debian gcc-multilib for -m32),
// skipped with the reason when there is none.

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { boardSpecWithElf } from '../../src/elf/board.js';
import { loadFirmware } from '../../src/elf/firmware.js';
import { buildBoard } from '../../emulator/board.js';
import { tempDir } from '../helpers/temp.js';

function buildElf(): string | undefined {
  const dir = tempDir('mcu-gc-elf-');
  writeFileSync(join(dir, 'fw.c'), 'const char banner[] = "MicroPython v1.22.2 on 2024-02-22; Raspberry Pi Pico with RP2040";\nvoid _start(void) {}\n');
  const out = join(dir, 'fw.elf');
  try {
    execFileSync('cc', ['-m32', '-nostdlib', '-static', '-Wl,--defsym,__GcHeapStart=0x20011000', '-Wl,--defsym,__GcHeapEnd=0x20040000', '-Wl,--defsym,__StackTop=0x20042000', '-o', out, join(dir, 'fw.c')], { stdio: 'ignore' });
    return out;
  } catch {
    return undefined;
  }
}

const elf = buildElf();

describe.skipIf(!elf)(`heap from linker symbols${elf ? '' : ' (skipped: no cc -m32; install gcc-multilib)'}`, () => {
  it('reads the heap bounds, the stack top and the banner', async () => {
    const f = await loadFirmware(elf!, { gcVersion: 'v1.27', gcStack: 64, finaliser: true, split: false, weakref: false });
    expect(f.heap?.value).toEqual({ start: 0x20011000, end: 0x20040000 });
    expect(f.heap?.from).toBe('symbols __GcHeapStart .. __GcHeapEnd');
    expect(f.stackTop?.value).toBe(0x20042000);
    expect(f.version?.value).toBe('1.22.2');
    expect(f.roots).toBeUndefined(); // no mp_state_ctx in this image
  });

  it('picks the board from the banner (the MCU when the board name is not a config), with a note on the release', async () => {
    const { spec, elf: report } = await boardSpecWithElf(undefined, elf!);
    expect(spec.id).toBe('rp2-pico');
    expect(report!.notes.join('\n')).toMatch(/banner names 'RP2040'/);
    expect(report!.notes.join('\n')).toMatch(/MicroPython v1\.22\.2, the board's facts are from v1\.27\.0 \(same GC profile v1\.27\)/);
    expect(report!.notes.join('\n')).toMatch(/no mp_state_ctx symbol/);
    const b = buildBoard(spec);
    expect(b.heapStart).toBe(0x20011000);
    expect(b.heapEnd).toBe(0x20040000);
  });
});
