// --ports-dir on every command that takes --board: a user's own board config (here one that
// extends a shipped board) is found by compare, capture and record as it is by run/layout/check.
// compare and capture talk to the real WebAssembly MicroPython behind a pty (virtual board).

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVirtualBoard, type VirtualBoard } from '../../src/virtual-board/board.js';
import { runCli as cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

describe('--ports-dir on compare, capture and record', () => {
  const dir = tempDir('mcu-gc-portsdir-');
  const boards = join(dir, 'boards');
  let board: VirtualBoard;

  beforeAll(async () => {
    // The virtual board's defaults are the webassembly config's: a board that only renames it
    // must match the device exactly.
    mkdirSync(boards);
    writeFileSync(join(boards, 'my-wasm.yaml'), 'extends: webassembly\nid: my-wasm\n');
    writeFileSync(join(boards, 'my-pico.yaml'), 'extends: rp2-pico\nid: my-pico\n');
    board = await startVirtualBoard({ register: false });
  });
  afterAll(async () => {
    await board?.close();
  });

  it('compare --board from a --ports-dir folder: exact layout match, the user config named', async () => {
    const r = await cli(['compare', '--board', 'my-wasm', '--ports-dir', boards, '--port', board.path, '--no-save'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('layout: exact match');
    expect(r.stdout).toContain('emulator: my-wasm');
    expect(r.code).toBe(0);
    // Without the folder the same board name is unknown: the option is what found it.
    const without = await cli(['compare', '--board', 'my-wasm', '--port', board.path, '--no-save'], { cwd: dir });
    expect(without.code).toBe(2);
    expect(without.stderr).toMatch(/my-wasm/);
  });

  it('compare without --board takes the one config that fits the device, and asks when two do', async () => {
    const r = await cli(['compare', '--port', board.path, '--no-save'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^board webassembly \(ports\/webassembly\.yaml\): the one config that fits the device \(sys\.platform webassembly, JS with Emscripten, MicroPython 1\.27\.0\)/m);
    expect(r.stdout).toContain('layout: exact match');
    expect(r.code).toBe(0);
    // The user's my-wasm fits as well: which one is the user's call; the snapshot is kept.
    const two = await cli(['compare', '--ports-dir', boards, '--port', board.path, '--out', 'ask.json'], { cwd: dir });
    expect(two.code).toBe(2);
    expect(two.stderr).toBe(
      'mcu-gc: the device (sys.platform webassembly, JS with Emscripten, MicroPython 1.27.0) fits 2 board configs: my-wasm, webassembly; give --board NAME (the snapshot is saved: ask.json)\n',
    );
    expect(JSON.parse(readFileSync(join(dir, 'ask.json'), 'utf8')).complete).toBe(true);
  });

  it('capture takes --ports-dir', async () => {
    const r = await cli(['capture', '--ports-dir', boards, '--port', board.path, '--out', 'snap.json'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'snap.json'), 'utf8')).complete).toBe(true);
  });

  it('record --from-log --board from a --ports-dir folder', async () => {
    const log = join(dir, 'boot.log');
    writeFileSync(log, ['Initializing GC heap: 0x20010000..0x20018000 = 32768 bytes', 'gc_alloc(40 bytes -> 3 blocks)', 'gc_alloc(0x20010200)', ''].join('\n'));
    const r = await cli(['record', '--from-log', log, '--board', 'my-pico', '--ports-dir', boards]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'boot.trace'), 'utf8')).toMatch(/^source via=log .*board=my-pico/m);
  });
});

