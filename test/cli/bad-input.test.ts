// Issue 12: every bad input found by hand or by the fuzzer gets one line on stderr saying
// what and where, exit 2 (1 for a failed check), never `internal error`. Each case here
// failed before its fix (most ended in `internal error`, exit 70, or were silently accepted).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { serializeImage } from '../../src/image/format.js';
import type { HeapImage } from '../../emulator/image.js';
import { parseBoard } from '../../src/boards/load.js';
import { connectOptionsFrom, type SerialArgs } from '../../src/serial/connect.js';
import { describeFsError, writeFileAtomic } from '../../src/io/files.js';
import { internalErrorMessage } from '../../src/cli/internal-error.js';
import { reportError } from '../../src/cli/report-error.js';
import { progressBar } from '../../src/report/progress.js';
import { checkText } from '../../src/image/report.js';
import { UserError } from '../../src/errors.js';
import { tempDir } from '../helpers/temp.js';
import { cli, problemsOf, type CliRun } from './run-in-process.js';

const dir = tempDir('mcu-gc-bad-');
const vectors = new URL('../conformance/vectors/', import.meta.url).pathname;
const dumps = new URL('../memdump/fixtures/', import.meta.url).pathname;

function file(name: string, data: string | Uint8Array): string {
  const f = join(dir, name);
  writeFileSync(f, data);
  return f;
}

/** One line on stderr, `mcu-gc: ` + what, with the exit code. */
function oneLineError(r: CliRun, code = 2): string {
  expect(problemsOf(r)).toEqual([]);
  expect(r.code).toBe(code);
  const lines = r.err.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^mcu-gc: /);
  return lines[0]!.slice('mcu-gc: '.length);
}

/** A heap image of all-free areas (zeroed tables), `sizes` bytes each, 64 KiB apart. */
function image(sizes: number[], extra: Partial<HeapImage> = {}): string {
  const img: HeapImage = {
    profile: 'v1.27',
    word: 4,
    block: 16,
    finaliser: true,
    split: sizes.length > 1,
    splitAuto: false,
    weakref: false,
    areas: sizes.map((n, i) => ({ start: 0x20000000 + i * 0x10000, end: 0x20000000 + i * 0x10000 + n, bytes: new Uint8Array(n) })),
    roots: [],
    stack: [],
    types: new Map(),
    ...extra,
  };
  return serializeImage(img);
}

describe('traces whose heap cannot be emulated fail at their heap line, in file order', () => {
  it('a heap of about 4 GiB (was: Invalid typed array length)', async () => {
    const f = file('4g.trace', 'gc v1.27\nheap 0x1000 0xfffffff0\ninfo\n');
    expect(oneLineError(await cli(['trace', f]))).toMatch(new RegExp(`^${f}:2:13: heap 0x1000\\.\\.0xfffffff0 is too large to emulate .*\\(byte 21\\)$`));
  });

  it('word 8 with a 1 TiB heap (was: Array buffer allocation failed)', async () => {
    const f = file('1t.trace', 'gc v1.27\nword 8\nheap 0x1000 0x10000001000\ninfo\n');
    expect(oneLineError(await cli(['trace', f]))).toMatch(new RegExp(`^${f}:3:13: heap .* too large to emulate`));
  });

  it('a word-4 heap at 0x100000000 (was: accepted silently)', async () => {
    const f = file('hi.trace', 'gc v1.27\nheap 0x100000000 0x100001000\ninfo\n');
    expect(oneLineError(await cli(['trace', f]))).toContain(`${f}:2:18: heap 0x100000000..0x100001000 does not fit a 32-bit address space`);
  });

  it('the same heap is fine with word 8', async () => {
    const f = file('hi8.trace', 'gc v1.27\nword 8\nheap 0x100000000 0x100001000\ninfo\n');
    const r = await cli(['trace', f]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^info total=/);
  });

  it('an earlier error is reported before the heap line, a later one after it', async () => {
    const early = file('early.trace', 'gc v9\nheap 0x1000 0xfffffff0\nfrob\n');
    expect(oneLineError(await cli(['trace', early]))).toContain(`${early}:1:4: unknown GC version 'v9'`);
    const late = file('late.trace', 'gc v1.27\nheap 0x1000 0xfffffff0\nfrob\n');
    expect(oneLineError(await cli(['trace', late]))).toContain(`${late}:2:13:`);
  });

  it('gc_add heap lines add up, and the one that goes over is named', async () => {
    const f = file('split.trace', 'gc v1.27\nsplit 1\nheap 0x1000 0x2000\nalloc a 1\nheap 0x10000000 0x1f000000\nheap 0x20000000 0x2f000000\n');
    expect(oneLineError(await cli(['trace', f]))).toContain(`${f}:6:17: heap 0x20000000..0x2f000000 is too large to emulate (with the earlier heap lines`);
  });
});

describe('files and folders', () => {
  it('trace on a folder says it is a directory (was: internal error: EISDIR)', async () => {
    expect(oneLineError(await cli(['trace', dir]))).toBe(`${dir}: cannot read: is a directory`);
  });

  it('run with a missing trace file names the file (was: "neither a built-in (…) nor a gctrace file")', async () => {
    const missing = join(dir, 'nope.trace');
    expect(oneLineError(await cli(['run', '--board=esp32', missing]))).toBe(`${missing}: cannot read: no such file or directory`);
    expect(oneLineError(await cli(['run', '--board=esp32', 'nope.trace']))).toBe('nope.trace: cannot read: no such file or directory');
    // A bare word is still taken for a mistyped built-in.
    expect(oneLineError(await cli(['run', '--board=esp32', 'sensorlogger']))).toMatch(/^workload 'sensorlogger' is neither a built-in \(sensor-logger, /);
  });

  it('a read-only file system is named as such; write errors name the user\'s file, never the temporary one', () => {
    expect(describeFsError(Object.assign(new Error("EROFS: read-only file system, open '/x/.out.json.1.2.tmp'"), { code: 'EROFS' }))).toBe('read-only file system');
    writeFileSync(join(dir, 'placeholder'), '');
    // A folder we cannot write to: as root, permissions do not stop us, so use a path under a file.
    const target = join(dir, 'placeholder', 'out.json');
    let msg = '';
    try {
      writeFileAtomic(target, '{}');
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toBe(`${target}: cannot write: a path component is not a directory`);
    expect(msg).not.toContain('.tmp');
  });

  it('an unknown error code keeps the reason but not Node\'s temporary path', () => {
    const s = describeFsError(Object.assign(new Error("EDQUOT: disk quota exceeded, write '/x/.f.1.tmp'"), { code: 'EDQUOT', syscall: 'write' }));
    expect(s).toBe('edquot (write)');
  });
});

describe('command-line options', () => {
  it('--board given twice is one line where it names one board (was: internal error: nameOrAlias.trim is not a function)', async () => {
    expect(oneLineError(await cli(['layout', '--board=esp32', '--board=rp2-pico']))).toBe('--board: given twice (--board … --board); give it once');
  });

  it('--seed and --vs without a value are refused (were: seed 1, no comparison)', async () => {
    expect(oneLineError(await cli(['run', '--board=esp32', '--seed']))).toBe('--seed: needs a value');
    expect(oneLineError(await cli(['run', '--board=esp32', '--vs']))).toBe('--vs: needs a value');
    expect(oneLineError(await cli(['run', '--board=esp32', '--seed', '--json']))).toBe('--seed: needs a value');
  });

  it('--no-threshold on an option that takes a value is refused (fuzz: internal error a.threshold.trim)', async () => {
    expect(oneLineError(await cli(['layout', '--board=qemu', '--no-threshold']))).toBe('--no-threshold: --threshold takes a value; there is no --no- form');
    expect((await cli(['analyze', '--no-collect', '--help'])).code).toBe(0);
  });

  it('--vs= (empty) is refused before the run (was: no comparison, silently)', async () => {
    expect(oneLineError(await cli(['run', '--board=esp32', '--vs=']))).toBe('--vs: give a board and/or flags, e.g. --vs esp32s3 or --vs "--block-size 32"');
  });

  it('a negative number is still a value', async () => {
    const r = await cli(['layout', '--board=esp32', '--threshold', '-1']);
    expect(r.code).toBe(0);
  });

  it('yargs validation errors are one line (were: "Invalid values:" / "Argument: …")', async () => {
    expect(oneLineError(await cli(['layout', '--board=esp32', '--gc-version', 'v9']))).toBe(
      'Invalid values: Argument: gc-version, Given: "v9", Choices: "v1.9.2", "v1.9.4", "v1.27", "v1.28" (see mcu-gc --help)',
    );
  });

  it('no command: "(see --help)" once (was: "(see --help). (see mcu-gc --help)")', async () => {
    expect(oneLineError(await cli([]))).toBe('Name a command (see mcu-gc --help)');
  });

  it('--max-new-split -1 is refused (was: accepted)', async () => {
    const raw = file('ram.bin', new Uint8Array(0x1000));
    expect(oneLineError(await cli(['analyze', raw, '--base', '0x20000000', '--heap', '0x20000000:0x20001000', '--max-new-split', '-1']))).toBe(
      '--max-new-split -1: must be a whole number of bytes, at least 0',
    );
  });

  it('--type banana is refused (was: an empty graph)', async () => {
    const img = file('one.json', image([0x1000]));
    const out = join(dir, 'g.dot');
    expect(oneLineError(await cli(['analyze', img, '--graph', 'dot', out, '--type', 'banana']))).toMatch(/^--type banana: not a type name \(.*str.*\) or dump letter/);
    expect(readdirSync(dir)).not.toContain('g.dot');
    const ok = await cli(['analyze', img, '--graph', 'dot', out, '--type', 'list']);
    expect(ok.code).toBe(0);
  });

  it('--device-dump pointing at garbage is refused (was: ignored)', async () => {
    const raw = file('ram2.bin', new Uint8Array(0x1000));
    const junk = file('junk.txt', 'hello\nthis is not mem_info\n');
    expect(oneLineError(await cli(['analyze', raw, '--base', '0x20000000', '--heap', '0x20000000:0x20001000', '--device-dump', junk]))).toBe(
      `${junk}: no "GC memory layout; from ADDR:" line: not micropython.mem_info(1) output`,
    );
  });
});

describe('heap images', () => {
  it('analyze --after of a different layout says so (was: compared 6 areas with 1)', async () => {
    const a = file('a6.json', image([0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000]));
    const b = file('b1.json', image([0x1000]));
    expect(oneLineError(await cli(['analyze', a, '--after', b]))).toBe(`${b}: not the same heap as ${a}: 6 areas vs 1`);
  });

  it('a split-heap-auto image whose added area empties is analysed (fuzz: internal error reading \'address\')', async () => {
    // With a (zeroed) root section: an image without roots is not collected at all.
    const f = file('auto.json', image([0x1000, 0x1000], { splitAuto: true, roots: [{ start: 0x30000000, bytes: new Uint8Array(64) }] }));
    const r = await cli(['analyze', f, '--json']);
    expect(problemsOf(r)).toEqual([]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).collect.record).toBeDefined();
  });

  it('roots placed inside the heap are refused (was: accepted, overwriting heap bytes)', async () => {
    const f = file('roots.json', image([0x1000], { roots: [{ start: 0x20000800, bytes: new Uint8Array(16) }] }));
    expect(oneLineError(await cli(['analyze', f]))).toBe(`${f}: roots[0] [0x20000800, 0x20000810) overlaps heap areas[0] [0x20000000, 0x20001000)`);
  });

  it('an end before the start is printed as hex with 0x (was: "2f000")', async () => {
    const good = JSON.parse(image([0x1000])) as { areas: Array<{ end: string }> };
    good.areas[0]!.end = '0x1f000';
    const f = file('end.json', JSON.stringify(good));
    expect(oneLineError(await cli(['analyze', f]))).toBe(`${f}: areas[0].end 0x1f000 is not after its start 0x20000000`);
  });
});

describe('counts read as English', () => {
  it('a one-block head is "(1 block)" in the check against the device (was: "(1 blocks)")', () => {
    const head = (addr: number, blocks: number) => ({ id: 0, addr, blocks, area: 0, block: 0, typeWord: 0, finaliser: false }) as never;
    const text = checkText({ bothFreed: 0, bothKept: 0, deviceFreedEmulatorKept: [head(0x20000100, 1), head(0x20000200, 2)], emulatorFreedDeviceHead: [] });
    expect(text).toContain('device freed, emulator kept: 0x20000100 (1 block)\n');
    expect(text).toContain('device freed, emulator kept: 0x20000200 (2 blocks)\n');
  });
});

describe('dumps and vectors', () => {
  const good = join(dumps, 'v1.27-minimal-raw-repl.txt');
  const text = readFileSync(good, 'utf8');

  it.each([
    ['a bad letter in the table', text.replace(/^(00000000: h=S)h/m, '$1Q'), /:5: unexpected character "Q"/],
    ['a wrong line offset', text.replace(/^00000400:/m, '00000480:'), /:6: offset 00000480 should be 00000400/],
    ['total: abc', text.replace(/total: \d+/, 'total: abc'), /:3: "No\. of 1-blocks" line without the GC: line/],
    ['a truncated dump', text.slice(0, 300), /:2: the GC line says total \d+ but the block map gives \d+/],
  ])('diff of a dump with %s is exit 2 with the line (was: notes, exit 0/1)', async (_n, bad, re) => {
    const f = file(`bad-${_n.replace(/\W+/g, '-')}.txt`, bad);
    const msg = oneLineError(await cli(['diff', good, f]));
    expect(msg.startsWith(f)).toBe(true);
    expect(msg).toMatch(re);
  });

  it('diff --max-runs abc is refused (was: NaN, no runs listed)', async () => {
    expect(oneLineError(await cli(['diff', good, good, '--max-runs', 'abc']))).toBe("--max-runs: 'abc' is not a number");
    expect(oneLineError(await cli(['diff', good, good, '--max-runs=-2']))).toBe('--max-runs -2: expected a whole number of runs, at least 0');
  });

  it('diff of two good dumps still compares (exit 0 when identical)', async () => {
    expect((await cli(['diff', good, good])).code).toBe(0);
  });

  it('conformance on a broken trace reports the trace error, exit 2 (was: FAIL, exit 1)', async () => {
    const d = tempDir('mcu-gc-conf-');
    writeFileSync(join(d, 'x.trace'), 'gc v1.27\nheap 0x1000 0x2000\nfrob a\n');
    writeFileSync(join(d, 'x.expected'), '');
    expect(oneLineError(await cli(['conformance', d]))).toBe(`${join(d, 'x.trace')}:3:1: unknown operation 'frob' (byte 28)`);
  });

  it('conformance of good vectors still passes', async () => {
    const d = tempDir('mcu-gc-conf-');
    for (const f of ['basic-1000.trace', 'basic-1000.expected', 'layout-1000.trace', 'layout-1000.expected']) writeFileSync(join(d, f), readFileSync(join(vectors, f)));
    const r = await cli(['conformance', d]);
    expect(r.out).toBe('2 passed, 0 failed\n');
    expect(r.code).toBe(0);
  });
});

describe('runs', () => {
  it('a heap too small for boot is an emulated boot failure, exit 1 (fuzz: internal error MemoryError)', async () => {
    expect(oneLineError(await cli(['run', '--board=rp2-pico', '--heap-size', '256']), 1)).toMatch(
      /^--board rp2-pico: emulated firmware would fail at boot: MemoryError: memory allocation failed, allocating \d+ bytes \(a \d+-byte heap pool is too small; try a larger --heap-size\)$/,
    );
  });

  it('a split 0 trace runs on a split-heap-auto board, without growth (fuzz: internal error split-heap-auto)', async () => {
    const f = file('s0.trace', 'gc v1.27\nsplit 0\nalloc a 1\n');
    const r = await cli(['run', '--board=esp32', f]);
    expect(problemsOf(r)).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/heap areas\s+1 at boot, 1 at end/);
  });
});

describe('board regions the host cannot back', () => {
  const unix32 = readFileSync(new URL('../../ports/unix32.yaml', import.meta.url), 'utf8');
  it('a region past the 32-bit address space is its line (fuzz seed 5 case 74099: was internal error Invalid array buffer length)', () => {
    const text = unix32.replace(/(name: stack, kind: ram, base: 0xFFFC0000, size: )0x[0-9a-fA-F]+/, '$10x1fffffffffffff');
    expect(text).not.toBe(unix32);
    expect(() => parseBoard(text, 'unix32.yaml')).toThrow(/^unix32\.yaml:\d+: key regions\[3\]\.size: region stack \[0xfffc0000, 0x200000fffc0000\) ends past the 32-bit address space$/);
  });
  it('regions of more than 1 GiB in all are refused, not allocated', () => {
    const text = unix32.replace(/(name: mmap_heap, kind: ram, base: 0xF7A00000, size: )0x[0-9a-fA-F]+/, '$10x8000000').replace(/(name: text, kind: rom, base: 0x56555000, size: )0x[0-9a-fA-F]+/, '$10x40000000');
    expect(() => parseBoard(text, 'unix32.yaml')).toThrow(/emulates at most 1024 MiB of regions in all/);
  });
});

describe('board YAML type errors say what was expected', () => {
  const esp32 = readFileSync(new URL('../../ports/esp32.yaml', import.meta.url), 'utf8');
  it.each([
    ['wordSize: 4', 'wordSize: "four"', /:\d+: key gc\.wordSize: expected 4 or 8, not "four"$/],
    ['blockSize: 16', 'blockSize: x', /key gc\.blockSize: expected a number, not "x"$/],
    ['version: v1.27', 'version: v9', /key gc\.version: expected "v1\.9\.2", "v1\.9\.4", "v1\.27" or "v1\.28", not "v9"$/],
  ])('%s → %s', (from, to, re) => {
    expect(() => parseBoard(esp32.replace(from, to), 'esp32.yaml')).toThrow(re);
  });
});

describe('serial options and scripts', () => {
  const base: SerialArgs = { port: 'auto', baud: 115200, timeout: 10, 'soft-reset': false, 'raw-paste': true, 'chunk-size': 256, 'chunk-delay': 10, 'interrupt-delay': 50 };

  it('--timeout 1e9 is refused (was: TimeoutOverflowWarning, a 1 ms timeout)', async () => {
    expect(oneLineError(await cli(['exec', '--port', '/dev/null-nothing', '--timeout', '1e9', 'print(1)']))).toBe(
      '--timeout 1000000000: expected seconds (0: no limit), from 0 to 86400',
    );
  });

  it('--timeout 30 also bounds entering the raw REPL (was: a fixed 10 s cap)', () => {
    expect(connectOptionsFrom({ ...base, timeout: 30 }).enterTimeoutMs).toBe(30_000);
    expect(connectOptionsFrom({ ...base, timeout: 2 }).enterTimeoutMs).toBe(10_000);
  });

  it('--baud abc says what a baud rate is (was: "got NaN")', async () => {
    expect(oneLineError(await cli(['exec', '--port', '/dev/null-nothing', '--baud', 'abc', 'print(1)']))).toBe("--baud: 'abc' is not a number");
    expect(oneLineError(await cli(['exec', '--port', '/dev/null-nothing', '--baud', '-5', 'print(1)']))).toBe('--baud -5: expected bits per second, e.g. 115200, from 0 to 100000000');
  });

  it('a regular file as the port is "not a serial device" (was: Inappropriate ioctl …)', async () => {
    const f = file('not-a-port', 'x');
    expect(oneLineError(await cli(['exec', '--port', f, 'print(1)']))).toBe(`cannot open ${f}: not a serial device (a regular file; see \`mcu-gc ports\`)`);
  });

  it.each([
    ['Ctrl-D', 'print(1)\nx = "\x04"\n', ':2:6: byte 0x04 (Ctrl-D: ends the code early)', 14],
    ['Ctrl-C', 'print(1)\x03\n', ':1:9: byte 0x03 (Ctrl-C: interrupts the running code)', 8],
    ['binary bytes', Buffer.from([0x70, 0x0a, 0xff, 0xfe, 0x41]), ':2:1: not UTF-8 text (a binary file?)', 2],
  ])('run-script refuses a file with %s, before touching the port (was: sent raw)', async (_n, data, where, byte) => {
    const f = file(`s-${_n.replace(/\W+/g, '')}.py`, data);
    const msg = oneLineError(await cli(['run-script', '--port', '/dev/null-nothing', f]));
    expect(msg.startsWith(`${f}${where}`)).toBe(true);
    expect(msg.endsWith(`(byte ${byte})`)).toBe(true);
  });

  it('exec refuses code holding Ctrl-D the same way', async () => {
    expect(oneLineError(await cli(['exec', '--port', '/dev/null-nothing', 'print(1)\x04']))).toMatch(/^CODE:1:9: byte 0x04 \(Ctrl-D: ends the code early\)/);
  });

  it('run-script accepts tabs, CR LF, form feeds and UTF-8 (then fails only at the missing port)', async () => {
    const f = file('ok.py', 'if 1:\r\n\tprint("héllo ✓")\f\n');
    expect(oneLineError(await cli(['run-script', '--port', '/dev/null-nothing', f]))).toMatch(/^cannot open \/dev\/null-nothing: no such device/);
  });
});

describe('internal error is a bug report template', () => {
  it('names the version, node, platform, the command line and where to file it, on one line', () => {
    const m = internalErrorMessage(new TypeError('x is not a function'), ['run', '--board', 'my board']);
    expect(m.split('\n').filter(Boolean)).toHaveLength(1);
    expect(m).toMatch(/^mcu-gc: internal error: TypeError: x is not a function — this is a bug in mcu-gc; please report it to .+ with: mcu-gc \d+\.\d+\.\d+, node v\d+/);
    expect(m).toContain(`(${process.platform} ${process.arch})`);
    expect(m).toContain("command: mcu-gc run --board 'my board'");
    expect(m).not.toContain('please report this)');
  });

  it('has no stack trace unless MCU_GC_DEBUG is set', () => {
    const e = new Error('boom');
    expect(internalErrorMessage(e, [])).not.toMatch(/\n\s+at /);
    process.env.MCU_GC_DEBUG = '1';
    try {
      expect(internalErrorMessage(e, [])).toMatch(/\n\s+at /);
    } finally {
      delete process.env.MCU_GC_DEBUG;
    }
  });

  it('an error that is not a UserError exits 70; a UserError keeps its code and one line', () => {
    const writes: string[] = [];
    const w = process.stderr.write;
    process.stderr.write = ((s: string) => (writes.push(s), true)) as typeof process.stderr.write;
    try {
      expect(reportError(new RangeError('bad'), ['trace', 'x'])).toBe(70);
      expect(reportError(new UserError('two\nlines', 1), [])).toBe(1);
    } finally {
      process.stderr.write = w;
    }
    expect(writes[0]).toMatch(/^mcu-gc: internal error: RangeError: bad/);
    expect(writes[1]).toBe('mcu-gc: two lines\n');
  });
});

describe('progress bars', () => {
  const tty = process.stderr.isTTY;
  const write = process.stderr.write;
  afterEach(() => {
    process.stderr.isTTY = tty;
    process.stderr.write = write;
  });

  function capture(): string[] {
    const out: string[] = [];
    process.stderr.isTTY = true;
    process.stderr.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stderr.write;
    return out;
  }

  it('stay hidden for work shorter than the delay', () => {
    const out = capture();
    const p = progressBar('trace', 'lines', true, 60_000);
    expect(p.enabled).toBe(true);
    p.onProgress(10, 100);
    p.stop();
    expect(out.join('')).toBe('');
  });

  it('show once the delay has passed, with the unit', () => {
    const out = capture();
    const p = progressBar('trace', 'lines', true, 0);
    p.onProgress(10, 100);
    p.stop();
    expect(out.join('')).toContain('10/100 lines');
  });

  it('are off when stderr is not a terminal', () => {
    process.stderr.isTTY = false;
    expect(progressBar('run', 'ops', true).enabled).toBe(false);
  });
});


describe('long runs show progress on a terminal', () => {
  const tty = process.stderr.isTTY;
  afterEach(() => {
    process.stderr.isTTY = tty;
    vi.restoreAllMocks();
  });

  // A clock that moves 50 ms per reading: the run "takes" longer than the bar's one-second
  // delay without the test waiting for it (as a trace that exhausts its heap would).
  function slowClock(): void {
    let t = Date.now();
    vi.spyOn(Date, 'now').mockImplementation(() => (t += 50));
  }

  const ops = ['gc v1.27', 'heap 0x20000000 0x20004000', ...Array.from({ length: 400 }, (_, i) => `alloc a${i} 16`), 'info'].join('\n') + '\n';

  it('trace: a bar counting the lines of the file', async () => {
    const f = file('long.trace', ops);
    process.stderr.isTTY = true;
    slowClock();
    const r = await cli(['trace', f]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/trace \[.*\] \d+% \d+\/403 lines/);
  });

  it('trace --no-progress: no bar', async () => {
    const f = file('long2.trace', ops);
    process.stderr.isTTY = true;
    slowClock();
    const r = await cli(['trace', f, '--no-progress']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
  });

  it('run with a gctrace file: a bar counting operations', async () => {
    const f = file('long3.trace', ops.replace(/^heap .*\n/m, ''));
    process.stderr.isTTY = true;
    slowClock();
    const r = await cli(['run', '--board=rp2-pico', f]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/run \[.*\] \d+% \d+\/401 ops/);
  });
});
