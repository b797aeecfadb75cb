// Taking a mem_info(1) snapshot from a board over the raw REPL, disturbing its heap as little
// as possible:
//  - no soft reset unless asked (mpremote's default reset would wipe the heap under study);
//  - the capture command names only ROM qstrs (`__import__`, `gc`, `collect`, `mem_info`, …)
//    and binds no global, so it interns no string and grows no dict; it builds no string on
//    the device: mem_info prints straight to stdout with the GC lock-free gc_dump_* printers
//    (py/gc.c), and print() of a small int formats on the C stack (py/objint.c);
//  - the only heap it holds while the dump runs is its own compiled code (and, in chunked raw
//    mode, the REPL's line buffer). That is measured: a second, smaller command collects and
//    dumps again, and the blocks in use in the first dump but free in the second are the
//    capture's own.

import type { GcVersion } from '../../emulator/config.js';
import type { ExecOptions, ExecResult } from '../serial/raw-repl.js';
import { TransportError } from '../serial/errors.js';
import { type ParsedMemInfo, parseMemInfo } from '../memdump/index.js';
import { type CaptureFootprint, type DeviceIdentity, SNAPSHOT_FORMAT, type Snapshot } from './snapshot.js';

/** What capture needs from a connection: RawRepl.exec. */
export interface Executor {
  exec(code: string | Uint8Array, opts?: ExecOptions): Promise<ExecResult>;
}

export interface CaptureOptions {
  /** Setup code run (as its own command) before the capture. */
  script?: { file: string; code: string | Uint8Array };
  /** gc.collect() right before the dump (default true). */
  collect?: boolean;
  /** Measure the capture's own heap use with a second dump (default true). */
  footprint?: boolean;
  port?: string;
  softReset?: boolean;
  /** Streams the setup script's stdout as it arrives. */
  onScriptOutput?: (chunk: Uint8Array) => void;
  /** Byte counts as the dump arrives (for a progress display). */
  onDumpBytes?: (received: number) => void;
  /** Inter-byte timeout while the board prints, ms. */
  timeoutMs?: number;
}

/** Reads the board's identity; every name used is a ROM qstr, nothing is stored. */
export const IDENTIFY_CODE = [
  "print(repr(__import__('sys').implementation))",
  "print(__import__('sys').platform)",
  'try:',
  " print(repr(__import__('os').uname()))",
  'except:',
  ' try:',
  "  print(repr(__import__('uos').uname()))",
  ' except:',
  '  print()',
].join('\n');

/**
 * The command was refused by the compiler, so none of it ran: the traceback's last line is a
 * SyntaxError and no frame names a function (a compile error prints `File "<stdin>", line N`;
 * an exception while running, even a SyntaxError from exec() or an import, prints
 * `…, in <module>`).
 */
export function refusedByCompiler(r: ExecResult): boolean {
  const lines = r.stderr.trim().split(/\r?\n/);
  return /^SyntaxError\b/.test(lines[lines.length - 1] ?? '') && !lines.some((l) => /^\s*File ".*", line \d+, in /.test(l));
}

/**
 * Runs one of mcu-gc's own commands (or a setup script), sending it again when the compiler
 * refused it: our code is generated and valid, so that means bytes were lost on the way in
 * (seen with chunked raw mode on the micro:bit under a loaded QEMU). None of it ran, so
 * sending it again changes nothing on the board; a script with a real syntax error is
 * reported after the last try.
 *
 * `cannotRaise`: the command raises nothing by itself (ROM names only, nothing that can run
 * out of heap), so any exception but a KeyboardInterrupt is a lost byte too — one dropped
 * letter of `mem_alloc` is an AttributeError, not a SyntaxError (seen once in CI on the
 * micro:bit: the capture came back with no dump at all). What ran before the exception is a
 * gc.collect(), a print or a dump, which running again does not change; `onRetry` drops what
 * the first sending streamed.
 */
export async function execOwn(
  repl: Executor,
  code: string | Uint8Array,
  opts: ExecOptions = {},
  o: { tries?: number; retry?: () => boolean; cannotRaise?: boolean; onRetry?: () => void } = {},
): Promise<ExecResult> {
  for (let i = 1; ; i++) {
    const r = await repl.exec(code, opts);
    // A compile error is raised before anything runs, so nothing reached onStdout either.
    const lost = refusedByCompiler(r) || (o.cannotRaise === true && r.stderr !== '' && r.exception?.type !== 'KeyboardInterrupt');
    if (i >= (o.tries ?? 3) || !lost || (o.retry && !o.retry())) return r;
    o.onRetry?.();
  }
}

/** The capture command. No string literal, no global, no import statement. */
export function captureCode(collect: boolean): string {
  const lines: string[] = [];
  if (collect) lines.push("__import__('gc').collect()");
  lines.push("print(__import__('gc').mem_alloc())");
  lines.push("__import__('micropython').mem_info(1)");
  // After the dump: mem_free() may allocate (a long int on split-heap-auto ports, where it
  // adds max new split), which no longer matters.
  lines.push("print(__import__('gc').mem_alloc(),__import__('gc').mem_free())");
  return lines.join('\n');
}

/** --no-collect: the dump right before the capture command (no collection). */
export const PRE_DUMP_CODE = "__import__('micropython').mem_info(1)";

/** The footprint probe: the same collection and dump, from a shorter command. */
export const FOOTPRINT_CODE = "__import__('gc').collect()\n__import__('micropython').mem_info(1)";

export function parseIdentity(stdout: string): DeviceIdentity {
  const lines = stdout.split(/\r?\n/);
  const id: DeviceIdentity = {};
  const impl = lines[0] ?? '';
  if (impl) id.implementation = impl;
  const v = /version=\((\d+), (\d+), (\d+)/.exec(impl);
  if (v) id.version = `${v[1]}.${v[2]}.${v[3]}`;
  if (lines[1]) id.platform = lines[1];
  const uname = lines[2] ?? '';
  if (uname) id.uname = uname;
  const machine = /machine='([^']*)'/.exec(uname) ?? /_machine='([^']*)'/.exec(impl);
  if (machine) id.machine = machine[1]!;
  return id;
}

/** MicroPython version → the engine profile whose py/gc.c it follows. */
export function profileFor(version: string | undefined): GcVersion | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(version ?? '');
  if (!m) return undefined;
  const [maj, min, patch] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  if (maj > 1 || min >= 28) return 'v1.28';
  if (min >= 20) return 'v1.27';
  // Before v1.9.4 the nearest gc.c known here is v1.9.2's (the BBC micro:bit's core).
  if (min < 9 || (min === 9 && patch < 4)) return 'v1.9.2';
  return 'v1.9.4';
}

/** Splits the capture command's stdout into the dump and the numbers printed around it. */
function splitCaptureOutput(text: string): { parsed: ParsedMemInfo; memAlloc?: number; after?: { memAlloc: number; memFree: number } } {
  const parsed = parseMemInfo(text);
  const out: { parsed: ParsedMemInfo; memAlloc?: number; after?: { memAlloc: number; memFree: number } } = { parsed };
  const b = parsed.before.filter((l) => l.trim() !== '');
  const before = b[b.length - 1];
  if (before !== undefined && /^\d+$/.test(before.trim())) out.memAlloc = Number(before.trim());
  const a = /^(\d+) (\d+)$/.exec((parsed.after[0] ?? '').trim());
  if (a) out.after = { memAlloc: Number(a[1]), memFree: Number(a[2]) };
  return out;
}

/**
 * Blocks in use in `during` but free in `later`: the capture command's own allocations,
 * provided nothing else on the board changed in between (a quiet REPL).
 */
export function footprintBlocks(during: ParsedMemInfo, later: ParsedMemInfo): number | undefined {
  if (during.areas.length === 0 || during.areas.length !== later.areas.length) return undefined;
  let n = 0;
  for (let i = 0; i < during.areas.length; i++) {
    const a = during.areas[i]!.map;
    const b = later.areas[i]!.map;
    if (a.length !== b.length || during.areas[i]!.start !== later.areas[i]!.start) return undefined;
    for (let k = 0; k < a.length; k++) if (a[k] !== '.' && a[k] !== '?' && b[k] === '.') n++;
  }
  return n;
}

/** Blocks free in `before` but in use in `later`: what was allocated in between (no collection ran). */
export function newlyUsedBlocks(before: ParsedMemInfo, later: ParsedMemInfo): number | undefined {
  if (before.areas.length === 0 || before.areas.length !== later.areas.length) return undefined;
  let n = 0;
  for (let i = 0; i < later.areas.length; i++) {
    const a = before.areas[i]!.map;
    const b = later.areas[i]!.map;
    if (a.length !== b.length || before.areas[i]!.start !== later.areas[i]!.start) return undefined;
    for (let k = 0; k < b.length; k++) if (a[k] === '.' && b[k] !== '.' && b[k] !== '?') n++;
  }
  return n;
}

/** Thrown when the link fails mid-capture; carries the partial snapshot. */
export class IncompleteCapture extends Error {
  constructor(
    readonly snapshot: Snapshot,
    readonly transportError: TransportError,
  ) {
    super(transportError.message);
    this.name = 'IncompleteCapture';
  }
}

/** Runs the setup script, then the capture; returns the snapshot (not yet saved). */
export async function captureSnapshot(repl: Executor, opts: CaptureOptions = {}): Promise<Snapshot> {
  const collect = opts.collect ?? true;
  const timeoutMs = opts.timeoutMs;
  const notes: string[] = [];
  const timeout: ExecOptions = timeoutMs !== undefined ? { timeoutMs } : {};
  // The short commands of the capture: each raises nothing by itself (see execOwn).
  const own = (code: string): Promise<ExecResult> => execOwn(repl, code, timeout, { cannotRaise: true });
  const idRes = await own(IDENTIFY_CODE);
  const device = parseIdentity(idRes.stdout);
  if (idRes.stderr) notes.push(`identifying the board raised: ${idRes.exception?.type ?? 'an exception'}`);

  let script: Snapshot['script'];
  if (opts.script) {
    const chunks: Buffer[] = [];
    const r = await execOwn(repl, opts.script.code, {
      timeoutMs: 0, // a setup script may run silently for a long time (mpremote run follows with no timeout)
      onStdout: (c) => {
        chunks.push(Buffer.from(c));
        opts.onScriptOutput?.(c);
      },
    });
    script = { file: opts.script.file, output: Buffer.concat(chunks).toString('utf8') };
    if (r.stderr) {
      script.error = r.stderr.replace(/\r\n/g, '\n').trimEnd();
      notes.push(`the setup script raised ${r.exception?.type ?? 'an exception'}; the heap was captured as it left it`);
    }
  }

  // --no-collect: the footprint cannot come from a later collection (it would free the
  // garbage this capture is about, and count it as the capture's own). A dump without a
  // collection right before the capture command instead shows which blocks were free then.
  let pre: ParsedMemInfo | undefined;
  if (!collect && (opts.footprint ?? true)) {
    try {
      pre = parseMemInfo((await own(PRE_DUMP_CODE)).stdout);
    } catch (e) {
      if (!(e instanceof TransportError)) throw e;
      notes.push(`could not take the dump before the capture (for its footprint): ${e.message}`);
    }
  }

  const chunks: Buffer[] = [];
  let received = 0;
  const time = new Date().toISOString();
  const base = (): Snapshot => {
    const raw = Buffer.concat(chunks).toString('utf8');
    const split = splitCaptureOutput(raw);
    const s: Snapshot = {
      format: SNAPSHOT_FORMAT,
      complete: true,
      time,
      device,
      collected: collect,
      softReset: opts.softReset ?? false,
      raw,
      parsed: split.parsed,
      notes,
    };
    if (opts.port !== undefined) s.port = opts.port;
    if (script) s.script = script;
    if (split.memAlloc !== undefined) s.memAlloc = split.memAlloc;
    if (split.after) s.after = split.after;
    return s;
  };
  let res: ExecResult;
  try {
    // Sent again if bytes were lost on the way in (see execOwn): seen on the micro:bit
    // under a loaded QEMU, where one capture in a few came back as a SyntaxError.
    res = await execOwn(
      repl,
      captureCode(collect),
      {
        ...timeout,
        onStdout: (c) => {
          chunks.push(Buffer.from(c));
          received += c.length;
          opts.onDumpBytes?.(received);
        },
      },
      {
        cannotRaise: true,
        onRetry: () => {
          chunks.length = 0;
          received = 0;
        },
      },
    );
  } catch (e) {
    if (e instanceof TransportError) {
      const s = base();
      s.complete = false;
      s.notes.push(`the board stopped answering during the dump (${e.message}); this is what arrived`);
      throw new IncompleteCapture(s, e);
    }
    throw e;
  }
  const snap = base();
  snap.rawPaste = res.rawPaste;
  if (res.stderr) {
    snap.complete = false;
    snap.notes.push(`the capture command raised: ${res.stderr.replace(/\r\n/g, '\n').trim().split('\n').pop()}`);
  }
  if (!snap.parsed.complete) snap.complete = false;
  if (snap.memAlloc !== undefined && snap.parsed.gc && snap.memAlloc !== snap.parsed.gc.used) {
    snap.notes.push(`gc.mem_alloc() printed ${snap.memAlloc} just before the dump, which says used ${snap.parsed.gc.used}: something allocated in between (another thread or an interrupt handler?)`);
  }

  const fp: CaptureFootprint = collect
    ? {
        method: 'gc.mem_alloc() before the dump vs the dump; blocks in use in the dump but free after the capture command ended (a second, shorter collect + dump)',
        since: 'collect',
      }
    : {
        method: 'gc.mem_alloc() at the start of the capture command vs the dump; blocks free in a dump taken (without collecting) just before the capture command but in use in its dump',
        since: 'command start',
      };
  if (snap.memAlloc !== undefined && snap.parsed.gc) fp.allocatedBeforeDump = snap.parsed.gc.used - snap.memAlloc;
  if (!collect) {
    if (pre && snap.complete) {
      const n = newlyUsedBlocks(pre, snap.parsed);
      if (n !== undefined && snap.parsed.blockSize) {
        fp.codeBlocks = n;
        fp.codeBytes = n * snap.parsed.blockSize;
      }
    }
  } else if ((opts.footprint ?? true) && snap.complete) {
    try {
      const r2 = await own(FOOTPRINT_CODE);
      const later = parseMemInfo(r2.stdout);
      const n = footprintBlocks(snap.parsed, later);
      if (n !== undefined && snap.parsed.blockSize) {
        fp.codeBlocks = n;
        fp.codeBytes = n * snap.parsed.blockSize;
      }
    } catch (e) {
      if (!(e instanceof TransportError)) throw e;
      snap.notes.push(`could not measure the capture's footprint: ${e.message}`);
    }
  }
  snap.footprint = fp;
  return snap;
}

/** `capture-<board>-<YYYYMMDD-HHMMSS>.json` in the current folder (mpremote-style plain names). */
export function defaultSnapshotName(s: Snapshot): string {
  const board = (s.device.platform ?? 'board').replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 40) || 'board';
  const t = s.time.replace(/\.\d+Z$/, '').replace(/[-:]/g, '').replace('T', '-');
  return `capture-${board}-${t}.json`;
}
