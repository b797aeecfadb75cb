// mpremote (v1.27.0) against the virtual board: the file system as on a board's flash
// (MicroPython's errno values, sizes, kept across soft and hard resets), machine.reset(),
// Ctrl-C, and the board listed by `mcu-gc ports`.

import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVirtualBoard, type VirtualBoard } from '../../src/virtual-board/board.js';
import { tempDir } from '../helpers/temp.js';
import { mpremote, mpremoteMissing } from './python-clients.js';

const missing = mpremoteMissing();
if (missing) console.warn(`skipping mpremote tests: ${missing}`);

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'mcu-gc.js');

describe.skipIf(missing !== undefined)('mpremote against the virtual board', () => {
  let board: VirtualBoard;
  let dir: string;
  let flash: string;
  beforeAll(async () => {
    dir = tempDir('mcu-gc-mpremote-');
    flash = join(dir, 'flash');
    // A registry of our own, so that `mcu-gc ports` below lists exactly this board.
    process.env.MCU_GC_RUNTIME_DIR = join(dir, 'run');
    board = await startVirtualBoard({ fsDir: flash });
  });
  afterAll(() => board?.close());

  it('fs cp / ls / cat / rm; a missing file is ENOENT (errno 2), as mpremote expects', async () => {
    const local = join(dir, 'hello.txt');
    writeFileSync(local, 'hello from the host\n');
    const r = await mpremote(board.path, ['fs', 'cp', local, ':hello.txt', '+', 'fs', 'ls', '+', 'fs', 'cat', ':hello.txt']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // ls shows the size, as a board's FAT or littlefs does.
    expect(r.stdout).toMatch(/^ +20 hello\.txt$/m);
    // cat prints the file with print(), which a board's UART driver cooks: CRLF.
    expect(r.stdout).toContain('hello from the host\r\n');
    // The flash is the host directory.
    expect(readFileSync(join(flash, 'hello.txt'), 'utf8')).toBe('hello from the host\n');

    const rm = await mpremote(board.path, ['fs', 'rm', ':missing.txt']);
    expect(rm.code).toBe(1);
    expect(rm.stderr.trim()).toBe('mpremote: rm: missing.txt: No such file or directory.');
    const errno = await mpremote(board.path, ['exec', 'try:\n  open("missing.txt")\nexcept OSError as e:\n  import errno\n  print(e.errno == errno.ENOENT, e)']);
    expect(errno.stdout.trim()).toBe('True [Errno 2] ENOENT');
  });

  it('files survive a soft reset and machine.reset() (mpremote reset): a hard reset', async () => {
    const r = await mpremote(board.path, ['exec', 'open("kept.txt", "w").write("x" * 5)\nnot_kept = 1', '+', 'soft-reset', '+', 'exec', 'print(open("kept.txt").read(), "not_kept" in globals())']);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('xxxxx False');

    const restarts = board.stats.restarts;
    const reset = await mpremote(board.path, ['reset']);
    expect(reset.code).toBe(0);
    // mpremote leaves without waiting (exec --no-follow); the board resets 100 ms later.
    while (board.stats.restarts === restarts) await new Promise((r) => setTimeout(r, 20));
    expect(board.stats.restarts).toBe(restarts + 1);
    const after = await mpremote(board.path, ['exec', 'import machine\nprint(machine.reset_cause() == machine.HARD_RESET, open("kept.txt").read())']);
    expect(after.stderr).toBe('');
    expect(after.stdout.trim()).toBe('True xxxxx');
  });

  it('mount: the board imports from a host directory (binary protocol over stdin and sys.stdout.buffer)', async () => {
    const share = join(dir, 'share');
    mkdirSync(share);
    writeFileSync(join(share, 'hostmod.py'), 'print("imported from the host")\nvalue = 6 * 7\n');
    const r = await mpremote(board.path, ['mount', share, 'exec', 'import hostmod, os\nprint(hostmod.value, os.listdir("/remote"))']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain("imported from the host\r\n42 ['hostmod.py']\r\n");
  });

  it('mcu-gc ports lists the running virtual board', async () => {
    const r = await new Promise<{ stdout: string; code: number }>((resolve) =>
      execFile(process.execPath, [CLI, 'ports', '--json'], { timeout: 30_000 }, (err, stdout) => resolve({ stdout, code: err ? 1 : 0 })),
    );
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as { path: string; description: string; vid: number | null }[];
    const mine = list.find((p) => p.path === board.path);
    expect(mine?.description).toContain(`mcu-gc virtual board (MicroPython WebAssembly, pid ${process.pid}`);
    // With the flags compare needs for it (the default heap: the webassembly config's).
    expect(mine?.description).toMatch(/; --board=webassembly\)$/);
    // No USB identity: `auto` does not pick it, as mpremote would not.
    expect(mine?.vid).toBeNull();
  });
});
