// The capture / compare / diff commands end to end: the built CLI in a child process, the
// virtual board (real WebAssembly MicroPython on a real pty) as the device.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVirtualBoard, type VirtualBoard } from '../../src/virtual-board/board.js';
import { tempDir } from '../helpers/temp.js';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'mcu-gc.js');

function cli(args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd, timeout: 60_000, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 99) : 0;
      resolve({ code: typeof code === 'number' ? code : 99, stdout, stderr });
    });
  });
}

// Two virtual boards in one process break the first one (the wasm build keeps module-level
// state), so each describe runs its own board, one after the other.
const dir = tempDir('mcu-gc-capture-');

describe('against a board with the webassembly config\'s heap (loadMicroPython\'s 1 MiB)', () => {
  let big: VirtualBoard;
  beforeAll(async () => {
    big = await startVirtualBoard({ heapSize: 1024 * 1024 });
  });
  afterAll(() => big?.close());

  it('compare --board=webassembly: an exact layout match against a board with the config\'s heap', async () => {
    const r = await cli(['compare', '--board=webassembly', '--port', big.path, '--no-save', '--json'], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.comparison.layout.match).toBe(true);
    expect(j.checks.every((c: { ok: boolean }) => c.ok)).toBe(true);
    const total = j.comparison.stats.find((s: { name: string }) => s.name === 'total');
    expect(total.a).toBe(total.b);
    expect(total.a).toBe(1024512);
    // The text form says so too, without colour when piped.
    const t = await cli(['compare', '--board=webassembly', '--port', big.path, '--no-save'], dir);
    expect(t.code).toBe(0);
    expect(t.stdout).toContain('layout: exact match — 1 area of 16-byte blocks: 0x35800 (64032 blocks)');
    expect(t.stdout).not.toContain('\x1b[');
  });

  it('compare --script: device-only contents are said to be so; the layout still matches', async () => {
    writeFileSync(join(dir, 'setup.py'), 'big = [bytearray(100) for i in range(50)]\nprint("made", len(big))\n');
    const r = await cli(['compare', '--board=webassembly', '--port', big.path, '--script', 'setup.py', '--no-save', '--html', 'cmp.html'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('made 50');
    expect(r.stdout).toContain('setup.py ran on the device only');
    expect(r.stdout).toContain('exact match');
    expect(r.stdout).toMatch(/\n {2}used +\d+ +- *\n/);
    const html = readFileSync(join(dir, 'cmp.html'), 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).not.toMatch(/<script|src=|href=/i);
  });

  it('compare --script with a script that raises: the comparison says so (the heap is compared as it left it)', async () => {
    writeFileSync(join(dir, 'bad.py'), 'keep = [0] * 40\nint("x")\n');
    const r = await cli(['compare', '--board=webassembly', '--port', big.path, '--script', 'bad.py', '--no-save'], dir);
    expect(r.stdout).toMatch(/• device capture: the setup script raised ValueError; the heap was captured as it left it/);
    expect(r.stdout).toContain('exact match');
    expect(r.code).toBe(0);
  });
});

describe('against a board with a 64 KiB heap', () => {
  let small: VirtualBoard;
  beforeAll(async () => {
    small = await startVirtualBoard({ heapSize: 64 * 1024 });
  });
  afterAll(() => small?.close());

  it('capture saves a snapshot under a default name and never overwrites without --force', async () => {
    const r = await cli(['capture', '--port', small.path], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const name = readdirSync(dir).find((f) => /^capture-webassembly-\d{8}-\d{6}\.json$/.test(f));
    expect(name).toBeDefined();
    const snap = JSON.parse(readFileSync(join(dir, name!), 'utf8'));
    expect(snap.format).toBe('mcu-gc-snapshot/1');
    expect(snap.complete).toBe(true);
    expect(snap.raw).toContain('GC memory layout; from 30000:');
    expect(snap.parsed.gc.used).toBe(snap.memAlloc);
    expect(r.stdout).toContain(`saved ${name}`);
    expect(r.stdout).toMatch(/capture footprint: \d+ blocks/);

    const again = await cli(['capture', '--port', small.path, '--out', name!], dir);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(`mcu-gc: ${name}: already exists (use --force to replace it)\n`);
    expect(readFileSync(join(dir, name!), 'utf8')).toBe(JSON.stringify(snap, null, 1) + '\n');
    const forced = await cli(['capture', '--port', small.path, '--out', name!, '--force'], dir);
    expect(forced.code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, name!), 'utf8')).time).not.toBe(snap.time);
  });

  it('compare explains a mismatch, exits 1, and matches with the suggested flag', async () => {
    const r = await cli(['compare', '--board=webassembly', '--port', small.path, '--no-save'], dir);
    expect(r.code).toBe(1);
    // A malloc'd heap: its address is a run-time one (compared relative to the pool start); the size is the mismatch.
    expect(r.stdout).toContain('✓ pool start (area 0): device 0x30000, config 0x35800');
    expect(r.stdout).toContain('✗ pool size (area 0): device 64000 bytes, config 1024512 bytes');
    expect(r.stdout).toMatch(/malloc'd at start-up.*pass --heap-size 65536 to use the device's size/);
    expect(r.stdout).toContain('layout: differs');
    const fixed = await cli(['compare', '--board=webassembly', '--port', small.path, '--no-save', '--heap-size', '65536', '--color'], dir);
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toContain('\x1b['); // --color forces it
    expect(fixed.stdout).toContain('exact match');
  });

  it('mcu-gc ports names the flags compare needs for this board, and they match exactly', async () => {
    const list = JSON.parse((await cli(['ports', '--json'], dir)).stdout) as { path: string; description: string }[];
    const mine = list.find((p) => p.path === small.path)!;
    const flags = /; (--board=\S+(?: --heap-size \d+)?)\)$/.exec(mine.description)?.[1];
    expect(flags).toBe('--board=webassembly --heap-size 65536');
    const r = await cli(['compare', ...flags!.split(' '), '--port', small.path, '--no-save'], dir);
    expect(r.stdout).toContain('layout: exact match');
    expect(r.code).toBe(0);
  });

  it('diff: two snapshots, same and different; exit status as diff(1)', async () => {
    await cli(['capture', '--port', small.path, '--out', 'a.json'], dir);
    await cli(['exec', '--port', small.path, 'grow = [str(i) * 4 for i in range(60)]'], dir);
    await cli(['capture', '--port', small.path, '--out', 'b.json'], dir);
    const same = await cli(['diff', 'a.json', 'a.json'], dir);
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/block diff: all 4000 blocks are the same/);
    const d = await cli(['diff', 'a.json', 'b.json', '--json'], dir);
    expect(d.code).toBe(1);
    const j = JSON.parse(d.stdout);
    expect(j.comparison.layout.match).toBe(true);
    const used = j.comparison.stats.find((s: { name: string }) => s.name === 'used');
    expect(used.b - used.a).toBeGreaterThan(60 * 16);
    expect(j.comparison.diff.differingBlocks).toBeGreaterThan(60);
    // A plain mem_info text works as well as a snapshot.
    const snap = JSON.parse(readFileSync(join(dir, 'b.json'), 'utf8'));
    writeFileSync(join(dir, 'b.txt'), snap.raw);
    const t = await cli(['diff', 'b.json', 'b.txt'], dir);
    expect(t.code).toBe(0);
  });

  it('diff --html escapes what came from the device or the file system', async () => {
    const snap = JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8'));
    snap.port = '<img src=x onerror=alert(1)>';
    const evil = '<img src=x onerror=alert(1)>.json';
    writeFileSync(join(dir, evil), JSON.stringify(snap));
    const r = await cli(['diff', evil, 'b.json', '--html', 'd.html'], dir);
    expect(r.code).toBe(1);
    const html = readFileSync(join(dir, 'd.html'), 'utf8');
    expect(html).not.toContain('<img');
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;.json');
    const again = await cli(['diff', evil, 'b.json', '--html', 'd.html'], dir);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('d.html: already exists');
  });

  it('bad input: one line naming the file, exit 2, nothing written', async () => {
    writeFileSync(join(dir, 'notes.txt'), 'just some text\n');
    const r = await cli(['diff', 'notes.txt', 'a.json', '--html', 'never.html'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('mcu-gc: notes.txt:1: no micropython.mem_info() output found (expected "stack: …", "GC: total: …" lines)\n');
    expect(existsSync(join(dir, 'never.html'))).toBe(false);
    writeFileSync(join(dir, 'broken.json'), '{"format": "mcu-gc-snapshot/1",\n "raw": ]');
    const b = await cli(['diff', 'broken.json', 'a.json'], dir);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/^mcu-gc: broken\.json:2: not valid JSON: .* \(byte \d+\)\n$/);
  });
});
