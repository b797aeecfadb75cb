// The user's own boards through the real CLI: a config written from scratch and one that
// `extends` a shipped board, both by path; folders given with --ports-dir and
// MCU_GC_PORTS; a broken file in such a folder breaks only the commands that use it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TINY_M0_YAML } from '../helpers/boards.js';
import { tempDir } from '../helpers/temp.js';

const bin = new URL('../../bin/mcu-gc.js', import.meta.url).pathname;
const dir = tempDir('mcu-gc-boards-');

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir, env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// A Cortex-M0+ board with 32 KiB of RAM, written from scratch.
const SCRATCH = TINY_M0_YAML;

const EXTENDS = `extends: esp32
id: my-esp32
gc:
  blockSize: 32
heap:
  size: 0x8000          # a 32 KiB initial heap instead of 56 KiB
regions:
  - { name: dram, note: "same range, my note" }
`;

writeFileSync(join(dir, 'tiny.yaml'), SCRATCH);
writeFileSync(join(dir, 'my-esp32.yaml'), EXTENDS);
mkdirSync(join(dir, 'ports'));
writeFileSync(join(dir, 'ports', 'my-esp32.yaml'), EXTENDS);
writeFileSync(join(dir, 'ports', 'broken.yaml'), EXTENDS.replace('blockSize: 32', 'blockSize: 24').replace('id: my-esp32', 'id: broken'));
mkdirSync(join(dir, 'more'));
writeFileSync(join(dir, 'more', 'tiny-m0.yaml'), SCRATCH);

describe('custom boards', () => {
  it('a config written from scratch runs by path', () => {
    const r = cli(['run', '--board=./tiny.yaml', 'dict-cache']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    // 20 KiB heap, 16-byte blocks: gc_init's layout gives a 19 968-byte pool.
    expect(r.out).toMatch(/^GC: total: 19968, used: \d+, free: \d+$/m);
    expect(r.out).toMatch(/^board\s+tiny-m0 \(v1\.27\.0, gc v1\.27, 32-bit, 16-byte blocks\)$/m);
  });

  it('a config that extends a shipped board changes only what it states', () => {
    const mine = cli(['layout', '--board=./my-esp32.yaml', '--json']);
    const base = cli(['layout', '--board=esp32', '--json']);
    expect(mine.code).toBe(0);
    const a = JSON.parse(mine.out);
    const b = JSON.parse(base.out);
    expect(a.board).toBe('my-esp32');
    expect(a.name).toBe('my-esp32 (extends esp32)');
    expect(a.config.blockSize).toBe(32);
    expect(a.heap.bytes).toBe(0x8000);
    expect(a.heap.start).toBe(b.heap.start);
    expect(a.regions).toEqual(b.regions.map((r: { name: string }) => (r.name === 'dram' ? { ...r, note: 'same range, my note' } : r)));
    expect(a.splitAuto).toEqual(b.splitAuto);
    // The inherited guess about heap.start stays; the one about the heap size is the user's own now.
    expect(a.inferred['heap.start']).toBe(b.inferred['heap.start']);
    const run = cli(['run', '--board=./my-esp32.yaml']);
    expect(run.code).toBe(0);
    // It runs on the ESP32's CPU: the pause model is inherited too.
    expect(run.out).toMatch(/GC pause \(estimated\).*ESP32 \(240 MHz\)/);
  });

  it('--ports-dir and MCU_GC_PORTS list the user\'s boards beside the shipped ones, marked', () => {
    const r = cli(['boards', '--json', '--ports-dir', 'ports'], { MCU_GC_PORTS: 'more' });
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as Array<{ id: string; origin: string; extends?: string; error?: string }>;
    expect(rows.find((x) => x.id === 'my-esp32')).toMatchObject({ origin: 'ports-dir ports', extends: 'esp32' });
    expect(rows.find((x) => x.id === 'tiny-m0')).toMatchObject({ origin: 'MCU_GC_PORTS more' });
    expect(rows.find((x) => x.id === 'esp32')).toMatchObject({ origin: 'shipped' });
    expect(rows.find((x) => x.id === 'my-esp32' && x.error === undefined)).toBeDefined();
    const text = cli(['boards', '--ports-dir', 'ports'], { MCU_GC_PORTS: 'more' });
    expect(text.out).toMatch(/^broken\s+BROKEN: ports\/broken\.yaml:4: key gc\.blockSize: block size must be a power of two\s+ports-dir ports$/m);
  });

  it('a broken file in a ports folder breaks no other board, and fails with file:line where it is used', () => {
    const ok = cli(['run', '--board=esp32', '--ports-dir', 'ports']);
    expect(ok.code).toBe(0);
    const mine = cli(['run', '--board=my-esp32', 'dict-cache'], { MCU_GC_PORTS: 'ports' });
    expect(mine.code).toBe(0);
    const bad = cli(['run', '--board=broken', '--ports-dir', 'ports']);
    expect(bad.code).toBe(2);
    expect(bad.err).toBe('mcu-gc: ports/broken.yaml:4: key gc.blockSize: block size must be a power of two\n');
  });

  it('an inherited key that no longer fits names the parent line and the file that inherits it', () => {
    writeFileSync(join(dir, 'big.yaml'), EXTENDS.replace('size: 0x8000 ', 'size: 0x10000'));
    const r = cli(['layout', '--board=big.yaml']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^mcu-gc: ports\/esp32\.yaml:\d+ \(inherited by \.\/big\.yaml\): key splitAuto\.segments\[0\]: the system-heap segment overlaps the GC heap \[0x3ffbf004, 0x3ffcf004\)\n$/);
  });

  it('unknown boards and unknown parents say what is known', () => {
    expect(cli(['run', '--board=nope']).err).toMatch(/^mcu-gc: unknown board 'nope' \(known: .*esp32.*; or give a path such as \.\/my-board\.yaml\)\n$/);
    writeFileSync(join(dir, 'orphan.yaml'), 'extends: esp99\nid: orphan\n');
    const r = cli(['run', '--board=./orphan.yaml']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^mcu-gc: \.\/orphan\.yaml:1: key extends: unknown board 'esp99' \(known: .*\)\n$/);
    writeFileSync(join(dir, 'noid.yaml'), 'extends: esp32\nname: x\n');
    expect(cli(['run', '--board=./noid.yaml']).err).toMatch(/^mcu-gc: \.\/noid\.yaml:1: key id: a config that extends another needs its own id\n$/);
    expect(cli(['run', '--board=./missing.yaml']).err).toMatch(/^mcu-gc: \.\/missing\.yaml: cannot read: no such file or directory\n$/);
  });
});
