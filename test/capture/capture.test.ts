// Capture against the virtual board (the real WebAssembly MicroPython behind a real pty,
// driven over the real serial code path).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureSnapshot, type Executor } from '../../src/capture/device.js';
import { buildHeapImage } from '../../src/capture/ram.js';
import { readRam } from '../../src/capture/ram-device.js';
import { verifyImage } from '../../src/capture/verify.js';
import { parseImage, serializeImage } from '../../src/image/format.js';
import { openRawRepl } from '../../src/serial/open.js';
import type { RawRepl } from '../../src/serial/raw-repl.js';
import { startVirtualBoard, type VirtualBoard } from '../../src/virtual-board/board.js';

describe('capture from the virtual board', () => {
  let board: VirtualBoard;
  let repl: RawRepl;
  beforeAll(async () => {
    board = await startVirtualBoard({ heapSize: 96 * 1024 });
    repl = await openRawRepl(board.path);
    await repl.enter();
  });
  afterAll(async () => {
    await repl?.close();
    board?.close();
  });

  it('parsed GC numbers equal what MicroPython itself reports in the same command', async () => {
    const s = await captureSnapshot(repl, {
      script: { file: 'setup.py', code: 'keep = [bytearray(i * 5) for i in range(40)]\nd = {i: str(i) for i in range(30)}\nprint("setup done")' },
    });
    expect(s.complete).toBe(true);
    expect(s.parsed.issues).toEqual([]);
    // gc.mem_alloc() printed by the capture command right before mem_info, and right after.
    expect(s.memAlloc).toBeGreaterThan(2000);
    expect(s.parsed.gc!.used).toBe(s.memAlloc);
    expect(s.parsed.gc!.used).toBe(s.after!.memAlloc);
    // split-heap-auto: gc.mem_free() = free + max new split (py/modgc.c).
    expect(s.parsed.gc!.free + s.parsed.gc!.maxNewSplit!).toBe(s.after!.memFree);
    expect(s.parsed.gc!.total).toBe(96000);
    expect(s.device.version).toBe('1.27.0');
    expect(s.device.platform).toBe('webassembly');
    expect(s.script!.output).toContain('setup done');
    expect(s.footprint!.allocatedBeforeDump).toBe(0);
    expect(s.footprint!.codeBlocks).toBeGreaterThan(0);
    expect(s.footprint!.codeBlocks).toBeLessThan(200);
  });

  // The capture command's first sending arrives damaged, as seen on the micro:bit under a
  // loaded QEMU; every damage below is sent again and only the second answer is kept.
  it.each([
    ['a SyntaxError (the board says so before anything runs)', (c: string) => `)${c}`],
    // One dropped byte of `mem_alloc` is valid Python that raises: seen once in CI on the
    // micro:bit, where the capture then had no dump at all.
    ['one lost letter: an AttributeError before anything printed', (c: string) => c.replace('mem_alloc', 'mem_aloc')],
    // A dropped letter of mem_info raises after the first print: what arrived before it is
    // not part of the capture.
    ['one lost letter: an AttributeError after the first print', (c: string) => c.replace('mem_info', 'mem_ino')],
  ])('a capture command damaged on the way in is sent again: %s', async (_what, damage) => {
    let sent = 0;
    const lossy: Executor = {
      exec: (code, o) => (typeof code === 'string' && code.includes('mem_info(1)') && sent++ === 0 ? repl.exec(damage(code), o) : repl.exec(code, o)),
    };
    const s = await captureSnapshot(lossy, { footprint: false });
    expect(sent).toBe(2);
    expect(s.complete).toBe(true);
    expect(s.notes).toEqual([]);
    expect(s.raw.match(/GC: total/g)).toHaveLength(1);
    expect(s.raw).not.toMatch(/Error/);
    expect(s.parsed.gc!.used).toBe(s.memAlloc);
  });

  it('an exception every time: sent three times, then reported as the capture command\'s', async () => {
    let sent = 0;
    const failing: Executor = {
      exec: (code, o) => {
        if (typeof code === 'string' && code.includes('mem_info(1)')) {
          sent++;
          return repl.exec(`${code}\n1/0`, o);
        }
        return repl.exec(code, o);
      },
    };
    const s = await captureSnapshot(failing, { footprint: false });
    expect(sent).toBe(3);
    expect(s.complete).toBe(false);
    expect(s.raw.match(/GC: total/g)).toHaveLength(1);
    expect(s.notes.join('\n')).toContain('the capture command raised: ZeroDivisionError');
  });

  it('a setup script the compiler refused (a lost byte) is sent again; one that ran is not', async () => {
    const code = 'keep2 = [bytearray(8) for i in range(5)]\nprint("ran once")';
    let sent = 0;
    const lossy: Executor = {
      exec: (c, o) => (c === code && sent++ === 0 ? repl.exec(code.replace('(8)', '(8'), o) : repl.exec(c, o)),
    };
    const s = await captureSnapshot(lossy, { script: { file: 'keep.py', code }, footprint: false });
    expect(sent).toBe(2);
    expect(s.script!.output).toBe('ran once\r\n');
    expect(s.script!.error).toBeUndefined();

    // A SyntaxError raised while running (exec of bad text, nothing printed) is the script's
    // own: not sent again.
    let runs = 0;
    const counting: Executor = { exec: (c, o) => (c === 'exec("(")' && runs++, repl.exec(c, o)) };
    const t = await captureSnapshot(counting, { script: { file: 'ex.py', code: 'exec("(")' }, footprint: false });
    expect(runs).toBe(1);
    expect(t.script!.error).toMatch(/SyntaxError/);

    // A script with a real syntax error: refused three times, then reported.
    let tries = 0;
    const bad: Executor = { exec: (c, o) => (c === 'x = (' && tries++, repl.exec(c, o)) };
    const u = await captureSnapshot(bad, { script: { file: 'bad.py', code: 'x = (' }, footprint: false });
    expect(tries).toBe(3);
    expect(u.notes.join(' ')).toContain('raised SyntaxError');
  });

  it('a setup script that raises still gets its heap captured, with the error kept', async () => {
    const s = await captureSnapshot(repl, { script: { file: 'bad.py', code: 'junk = [0] * 50\n1/0' }, footprint: false });
    expect(s.script!.error).toContain('ZeroDivisionError');
    expect(s.complete).toBe(true);
    expect(s.notes.join(' ')).toContain('raised ZeroDivisionError');
    expect(s.parsed.gc!.used).toBe(s.memAlloc);
  });

  it('--ram: the heap image regenerates the dump printed in the same command, with the root section', async () => {
    const s = await captureSnapshot(repl, { footprint: false, script: { file: 'g.py', code: 'keep = [str(i) for i in range(50)]\njunk = [[i] for i in range(40)]\njunk = None' } });
    const progress: number[] = [];
    const ram = await readRam(repl, s.parsed, { collect: false, onProgress: (d) => progress.push(d), version: s.device.version, platform: s.device.platform });
    expect(ram.dump.issues).toEqual([]);
    const built = buildHeapImage(ram.dump, ram.plan, ram.bytes, 'v1.27');
    const img = parseImage(serializeImage(built.image, { test: true }), 'img.json');
    expect(img.areas).toHaveLength(1);
    // The ATB start comes from the firmware's own area descriptor; finalisers are on (the
    // pyscript variant enables MICROPY_ENABLE_FINALISER).
    expect(img.finaliser).toBe(true);
    expect(img.areas[0]!.end).toBe(s.parsed.areas[0]!.start + 96000);
    expect(img.splitAuto).toBe(true);
    expect(img.types.size).toBeGreaterThanOrEqual(3);
    // The WebAssembly port collects with the root section only (no C stack scan).
    expect(img.roots[0]!.bytes.length).toBeGreaterThan(0);
    expect(img.stack).toEqual([]);
    expect(built.notes.join('\n')).toMatch(/no stack: the WebAssembly port/);
    // Byte for byte: nothing allocates between the dump and the read.
    const check = verifyImage(img, ram.dumpText, ram.afterText);
    expect(check.lines[0]).toMatch(/regenerates the device's mem_info\(1\) GC text byte for byte/);
    expect(check.dumpExact).toBe(true);
    expect(progress.length).toBeGreaterThan(0);
  });

  it('--ram whose read arrives damaged every time: sent three times, then one line saying so', async () => {
    const s = await captureSnapshot(repl, { footprint: false });
    let sent = 0;
    // The first address of the read loses its first digit on every sending.
    const lossy: Executor = {
      exec: (code, o) => (typeof code === 'string' && code.includes('mem_info') && /M\(\d/.test(code) && ++sent ? repl.exec(code.replace(/M\((\d)/, 'M('), o) : repl.exec(code, o)),
    };
    const e = await readRam(lossy, s.parsed, { collect: false, version: s.device.version, platform: s.device.platform }).catch((x: unknown) => x);
    expect(sent).toBe(3);
    expect((e as Error).message).toMatch(/^reading the heap: the command arrived damaged every time it was sent \(an address outside what it reads, refused on the board before reading it\)/);
    // The board is fine: the next read works.
    expect((await readRam(repl, s.parsed, { collect: false, version: s.device.version, platform: s.device.platform })).dump.issues).toEqual([]);
  });

  it('--ram after names were interned since the dump: the root range still ends at the new qstr chunk', async () => {
    // Code compiled after the dump interns new names; a full qstr chunk is replaced by a
    // new one the dump never saw (CI's order of these tests once made the probes do this).
    const s = await captureSnapshot(repl, { footprint: false });
    const r = await repl.exec("exec(';'.join('zq%d=%d' % (i, i) for i in range(60)))");
    expect(r.stderr).toBe('');
    const ram = await readRam(repl, s.parsed, { collect: false, version: s.device.version, platform: s.device.platform });
    const roots = ram.plan.located.notes.find((n) => n.startsWith('root pointers'));
    expect(roots).toMatch(/vm\.qstr_last_chunk at 0x[0-9a-f]+ \(a chunk newer than the dump\)/);
    const built = buildHeapImage(ram.dump, ram.plan, ram.bytes, 'v1.27');
    const img = parseImage(serializeImage(built.image, { test: true }), 'img.json');
    expect(verifyImage(img, ram.dumpText, ram.afterText).dumpExact).toBe(true);
    // The same end as a read by a fresh dump finds by the chunk's own blocks.
    const fresh = await captureSnapshot(repl, { footprint: false });
    const again = await readRam(repl, fresh.parsed, { collect: false, version: s.device.version, platform: s.device.platform });
    expect(again.plan.located.notes.find((n) => n.startsWith('root pointers'))).not.toContain('newer than the dump');
    expect([ram.plan.located.roots.start, ram.plan.located.roots.end]).toEqual([again.plan.located.roots.start, again.plan.located.roots.end]);
  });
});
