// The virtual board's pieces that need no interpreter: the errno translation, the memory
// patch of the wasm binary, and the registry behind `mcu-gc ports`.

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EMSCRIPTEN_ERRNO, toMicroPythonErrno } from '../../src/virtual-board/errno.js';
import { listRunningBoards, registerBoard } from '../../src/virtual-board/registry.js';
import { readMemorySection, withFixedSharedMemory } from '../../src/virtual-board/wasm-patch.js';
import { tempDir } from '../helpers/temp.js';

describe('errno translation', () => {
  it("maps Emscripten's numbers to MicroPython's (Linux) ones", () => {
    // py/mperrno.h: ENOENT 2, EIO 5, EBADF 9, EAGAIN 11, EEXIST 17, ENOTDIR 20, EISDIR 21, EINVAL 22, ENOSPC 28.
    const expected: Record<string, number> = { ENOENT: 2, EIO: 5, EBADF: 9, EAGAIN: 11, EEXIST: 17, ENOTDIR: 20, EISDIR: 21, EINVAL: 22, ENOSPC: 28 };
    for (const [name, mp] of Object.entries(expected)) expect([name, toMicroPythonErrno(EMSCRIPTEN_ERRNO[name]!)]).toEqual([name, mp]);
    expect(EMSCRIPTEN_ERRNO.ENOENT).toBe(44);
    expect(toMicroPythonErrno(9999)).toBe(5); // unknown: EIO
  });
});

describe('the memory patch', () => {
  const require = createRequire(import.meta.url);
  const wasm = readFileSync(join(require.resolve('@micropython/micropython-webassembly-pyscript'), '..', 'micropython.wasm'));

  it('makes the one memory shared and fixed, leaving the rest of the module valid', () => {
    const before = readMemorySection(wasm);
    expect(before.shared).toBe(false);
    const patched = withFixedSharedMemory(wasm, 260);
    expect(readMemorySection(patched)).toEqual({ initialPages: 260, maximumPages: 260, shared: true });
    const WA = (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly;
    expect(WA.validate(patched)).toBe(true);
    // Only the memory section changed size.
    expect(Math.abs(patched.length - wasm.length)).toBeLessThan(8);
  });

  it('refuses what is not WebAssembly', () => {
    expect(() => withFixedSharedMemory(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), 4)).toThrow(/not a WebAssembly binary/);
  });
});

describe('the running-boards registry', () => {
  let dir: string;
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.MCU_GC_RUNTIME_DIR;
    dir = tempDir('mcu-gc-registry-');
    process.env.MCU_GC_RUNTIME_DIR = dir;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.MCU_GC_RUNTIME_DIR;
    else process.env.MCU_GC_RUNTIME_DIR = saved;
  });

  const entry = (pid: number, path: string) => ({ path, pid, heapSize: 1, memory: 1, fsDir: '/x', started: 'now' });

  it('lists a live board until it is unregistered', () => {
    const unregister = registerBoard(entry(process.pid, '/dev/null'));
    expect(listRunningBoards().map((b) => b.path)).toEqual(['/dev/null']);
    unregister();
    expect(listRunningBoards()).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('drops and removes records of boards that are gone (killed process, vanished tty)', () => {
    // A pid that surely is not running: a child that has already exited.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(join(dir, 'dead.json'), JSON.stringify(entry(Number(dead.stdout), '/dev/null')));
    writeFileSync(join(dir, 'gone.json'), JSON.stringify(entry(process.pid, join(dir, 'no-such-tty'))));
    writeFileSync(join(dir, 'junk.json'), '{not json');
    expect(listRunningBoards()).toEqual([]);
    expect(readdirSync(dir)).toEqual(['junk.json']);
  });
});
