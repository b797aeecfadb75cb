// The virtual board's interpreter thread: the official MicroPython WebAssembly build
// (npm @micropython/micropython-webassembly-pyscript), run here so that Python that loops,
// sleeps or waits for input never blocks the main thread, which keeps the pty, the serial
// protocol's timing (raw-paste flow control) and Ctrl-C handling.
//
// What this file adds to the package, at the boundary between the wasm module and its
// JavaScript imports (a board has each of these in its C port):
// * a fixed, shared linear memory (wasm-patch.ts): RAM that does not grow; the main thread
//   can raise KeyboardInterrupt by writing into it;
// * MicroPython's errno numbers for every system call (errno.ts);
// * output: one message per write, so it streams as it is printed, with "\n" → "\r\n" for
//   text as a board's mp_hal_stdout_tx_strn_cooked does (raw for sys.stdout.buffer);
// * stdin: sys.stdin and input() block on the ring the main thread fills (stdin-ring.ts);
// * time.sleep: the port busy-waits on ticks_ms(); here the wait naps, and a Ctrl-C ends it;
// * the flash (host-fs.ts), `machine` and input() (machine-py.ts).

import { parentPort, workerData } from 'node:worker_threads';
import { loadMicroPython, type MicroPythonInstance } from '@micropython/micropython-webassembly-pyscript';
import { toMicroPythonErrno } from './errno.js';
import { hostFs, type EmscriptenFS } from './host-fs.js';
import { BOOT_PY, MACHINE_PY, PROBE_PY } from './machine-py.js';
import { OutputRing } from './output-ring.js';
import { StdinRing } from './stdin-ring.js';
import { withFixedSharedMemory } from './wasm-patch.js';
import type { FromWorker, InterruptAddresses, ToWorker, WasmMemory, WorkerInit } from './worker-protocol.js';

interface WasmApi {
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: object } }>;
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const PYEXEC_FORCED_EXIT = 0x100;
/** Keep equal to board.ts SCRATCH_PAGES * 64 KiB. */
const SCRATCH_BYTES = 256 * 1024 - 64;
const init = workerData as WorkerInit;
const port = parentPort!;
const ring = new StdinRing(init.ring);
const output = new OutputRing(init.output);
const post = (m: FromWorker): void => port.postMessage(m);

interface WasmExports {
  memory: WasmMemory;
  malloc(n: number): number;
  free(p: number): void;
  mp_sched_keyboard_interrupt(): void;
  emscripten_stack_get_base(): number;
}

// ---------------------------------------------------------------- output

let out: number[] = [];
/** Where output goes: the host, nowhere (boot), or a buffer (banners). */
let sink: 'host' | 'discard' | number[] = 'discard';
let lastWasCR = false;

function flushOut(cooked: boolean): void {
  if (out.length === 0) return;
  const bytes = out;
  out = [];
  if (sink === 'discard') return;
  let sent: number[] = bytes;
  if (cooked) {
    sent = [];
    for (const b of bytes) {
      if (b === 10 && !lastWasCR) sent.push(13);
      sent.push(b);
      lastWasCR = b === 13;
    }
  } else {
    lastWasCR = bytes[bytes.length - 1] === 13;
  }
  if (sink === 'host') output.write(sent);
  else sink.push(...sent);
}

function say(text: string): void {
  for (const b of Buffer.from(text, 'utf8')) out.push(b);
  flushOut(false);
}

// Text or binary? sys.stdout and sys.stdout.buffer both end in write(1, …) here, so the
// call stack tells them apart: print(), the REPL and tracebacks are text (cooked on a
// board); a stream's .write() method is left raw, which keeps sys.stdout.buffer binary
// (mpremote mount's protocol) at the price of sys.stdout.write() not being cooked. The
// frame that differs is found once per worker by printing both ways (PROBE_PY).
let probes: number[][] | undefined;
let rawWriteFrame: { depth: number; fn: number } | undefined;
const JS_FRAMES_ABOVE = 4; // new Error, wasmFrames, isCookedWrite, the fd_write wrapper

function wasmFrames(): number[] {
  const frames: number[] = [];
  for (const m of (new Error().stack ?? '').matchAll(/wasm-function\[(\d+)\]/g)) frames.push(Number(m[1]));
  return frames;
}

/** The words around the interpreter's thread state: at rest, and inside the probe's code. */
let restState: Int32Array | undefined;
let probeState: Int32Array | undefined;
let nlrTop: number | undefined;
const STATE_SPAN = 256; // mp_state_thread_t is small; further words change for other reasons

function stateWords(): Int32Array | undefined {
  if (!irq || !memoryWords) return undefined;
  return memoryWords.slice((irq.pending - STATE_SPAN) >> 2, (irq.pending + STATE_SPAN) >> 2);
}

/**
 * nlr_top sits beside mp_pending_exception in the thread state: the one word there that is
 * 0 at rest and points into the C stack while Python runs.
 */
function findNlrTop(ex: WasmExports): number | undefined {
  if (!irq || !restState || !probeState) return undefined;
  const stackTop = ex.emscripten_stack_get_base();
  const found: number[] = [];
  for (let i = 0; i < restState.length; i++) {
    const v = probeState[i]!;
    if (restState[i] === 0 && v >= 1024 && v < stackTop) found.push(irq.pending - STATE_SPAN + i * 4);
  }
  return found.length === 1 ? found[0] : undefined;
}

/** Address of the "\n" literal print() ends lines with (learnt from PROBE_PY). */
let printEnd = 0;
let probeIov: number[] = [];

function iovBase(iov: number): number {
  return memoryWords ? memoryWords[iov >> 2]! >>> 0 : -1;
}

function isCookedWrite(): boolean {
  if (probes) {
    probes.push(wasmFrames());
    return true;
  }
  if (!rawWriteFrame) return true;
  return wasmFrames()[rawWriteFrame.depth] !== rawWriteFrame.fn;
}

function learnRawWriteFrame(stacks: number[][]): void {
  const print = stacks[0];
  const write = stacks[stacks.length - 1];
  if (!print || !write || stacks.length < 2) return;
  let d = 0;
  while (d < print.length && d < write.length && print[d] === write[d]) d++;
  if (d < write.length && d < print.length) {
    rawWriteFrame = { depth: d, fn: write[d]! };
    Error.stackTraceLimit = JS_FRAMES_ABOVE + d + 2;
  }
}

// ---------------------------------------------------------------- imports

let exportsOfLast: WasmExports | undefined;
let interruptsSeen = ring.interrupts;
let tickOffset = 0;
let lastTick = NaN;
let sameTick = 0;
const nap = new Int32Array(new SharedArrayBuffer(4));

type Fn = (...a: number[]) => number;

function wrapImports(imports: Record<string, Record<string, unknown>>): void {
  const done = new Set<object>();
  for (const mod of Object.values(imports)) {
    if (done.has(mod)) continue; // Emscripten passes one object as both env and wasi
    done.add(mod);
    for (const [name, f] of Object.entries(mod)) {
      if (typeof f !== 'function') continue;
      const fn = f as Fn;
      if (name.startsWith('__syscall_')) {
        // -errno on failure.
        mod[name] = (...a: number[]) => {
          const r = fn(...a);
          return typeof r === 'number' && r < 0 ? -toMicroPythonErrno(-r) : r;
        };
      } else if (name === 'fd_write') {
        mod[name] = (fd: number, iov: number, iovcnt: number, pnum: number) => {
          if (probes && (fd === 1 || fd === 2)) {
            probeIov.push(iovcnt === 1 ? iovBase(iov) : 0);
            probeState ??= stateWords();
          }
          const r = fn(fd, iov, iovcnt, pnum);
          // Only a write with a "\n" in it needs to know whether it is text (the stack is
          // the same here as before the call). print()'s line end is the commonest, and
          // comes from one string literal: known by its address, it needs no stack.
          if (fd === 1 || fd === 2) flushOut(!out.includes(10) || (printEnd !== 0 && iovcnt === 1 && iovBase(iov) === printEnd) || isCookedWrite());
          return r > 0 ? toMicroPythonErrno(r) : r;
        };
      } else if (name.startsWith('fd_')) {
        // WASI: the errno itself, 0 on success.
        mod[name] = (...a: number[]) => {
          const r = fn(...a);
          return r > 0 ? toMicroPythonErrno(r) : r;
        };
      } else if (name === 'emscripten_resize_heap') {
        // The RAM is fixed (wasm-patch.ts): sbrk fails, malloc returns NULL.
        mod[name] = () => {
          ring.noteOutOfMemory();
          return 0;
        };
      } else if (name === 'mp_js_ticks_ms') {
        mod[name] = () => {
          // While a KeyboardInterrupt is pending the clock leaps 2^31 ms at every reading,
          // which ends mp_hal_delay_ms's `while (ticks - start < ms)` (a board's delay
          // checks for pending exceptions instead); the VM then raises it. time.ticks_ms()
          // keeps 30 bits, so Python never sees the leaps.
          if (interruptPending()) tickOffset += 0x80000000;
          const t = fn();
          if (t === lastTick) {
            // Called over and over within one millisecond: a sleep's busy-wait. Nap.
            if (++sameTick > 100) Atomics.wait(nap, 0, 0, 1);
          } else {
            lastTick = t;
            sameTick = 0;
          }
          return (t + tickOffset) | 0;
        };
      }
    }
  }
}

// Emscripten instantiates with WebAssembly.instantiate(binary, imports) on Node.
const realInstantiate = WebAssemblyApi.instantiate.bind(WebAssemblyApi);
WebAssemblyApi.instantiate = async (source: ArrayBuffer | Uint8Array, imports: object) => {
  const bytes = withFixedSharedMemory(source instanceof Uint8Array ? source : new Uint8Array(source), init.memoryPages);
  wrapImports(imports as Record<string, Record<string, unknown>>);
  const r = await realInstantiate(bytes, imports);
  exportsOfLast = r.instance.exports as unknown as WasmExports;
  return r;
};

// ---------------------------------------------------------------- stdin, machine

function stdinByte(): number | null {
  const b = ring.read(interruptsSeen);
  if (b === undefined) {
    interruptsSeen = ring.interrupts;
    return null; // EOF for this read; the pending KeyboardInterrupt follows
  }
  return b;
}

const g = globalThis as Record<string, unknown>;

/** input()'s line editor (a board's shared/readline without history): echoes, handles backspace. */
g.mcuGcReadline = (): string | number | undefined => {
  const line: number[] = [];
  let afterCR = false;
  let escape = 0;
  for (;;) {
    const b = ring.read(interruptsSeen);
    if (b === undefined) {
      interruptsSeen = ring.interrupts;
      return undefined; // → None: Ctrl-C
    }
    const wasCR = afterCR;
    afterCR = b === 13;
    if (escape > 0) {
      // ESC [ X: cursor keys and the like are not edited here; drop them.
      escape = b === 0x5b && escape === 2 ? 1 : 0;
      continue;
    }
    if (b === 0x1b) {
      escape = 2;
      continue;
    }
    if (b === 10 && wasCR) continue; // CR LF from a host: one Enter
    if (b === 13 || b === 10) {
      say('\r\n');
      return Buffer.from(line).toString('utf8');
    }
    if (b === 4) {
      if (line.length === 0) return 4; // Ctrl-D on an empty line: EOFError
      continue;
    }
    if (b === 8 || b === 0x7f) {
      if (line.length > 0) {
        // Remove a whole UTF-8 character.
        while (line.length > 0 && (line[line.length - 1]! & 0xc0) === 0x80) line.pop();
        line.pop();
        say('\b \b');
      }
      continue;
    }
    if (b < 0x20) continue;
    line.push(b);
    out.push(b);
    flushOut(false);
  }
};

g.mcuGcHardReset = (): never => {
  flushOut(true);
  post({ t: 'hard-reset' });
  const never = new Int32Array(new SharedArrayBuffer(4));
  for (;;) Atomics.wait(never, 0, 0);
};

g.mcuGcResetCause = (): number => init.resetCause;

// ---------------------------------------------------------------- boot

/**
 * Finds the words py/scheduler.c mp_sched_keyboard_interrupt() writes by calling it once
 * and comparing memory, then puts them back: the main thread repeats those writes on
 * Ctrl-C. The static state's addresses are fixed by the binary; no heap is touched.
 */
function findInterruptWords(ex: WasmExports): InterruptAddresses | undefined {
  const buf = ex.memory.buffer;
  const words = Math.min(buf.byteLength, 1 << 20) >> 2;
  const live = new Int32Array(buf, 0, words);
  const before = live.slice();
  ex.mp_sched_keyboard_interrupt();
  const changed: { at: number; old: number; now: number }[] = [];
  for (let i = 0; i < words; i++) if (live[i] !== before[i]) changed.push({ at: i * 4, old: before[i]!, now: live[i]! });
  for (const c of changed) live[c.at >> 2] = c.old;
  const pending = changed.find((c) => c.old === 0 && c.now > 0 && c.now % 4 === 0 && c.now < words * 4);
  const sched = changed.find((c) => c !== pending);
  if (!pending || !sched || changed.length !== 2) return undefined;
  return { pending: pending.at, exception: pending.now, sched: sched.at, schedIdle: sched.old, schedPending: sched.now };
}

/** No --memory: the heap is the board's RAM. Takes what malloc has left, bar a little for the C library. */
function fillFreeMemory(ex: WasmExports): void {
  const reserve = ex.malloc(8192);
  for (let size = 1 << 24; size >= 64; ) {
    if (ex.malloc(size) === 0) size >>= 1;
  }
  if (reserve !== 0) ex.free(reserve);
}

/**
 * runPython() copies the source into malloc'd memory; a board lexes raw-paste source
 * straight from stdin and needs no such buffer. The copy gets a block of its own (the
 * pages board.ts adds beyond the RAM), lent out by the package's Module._malloc/_free, so
 * it neither takes the board's RAM nor fails on a full one.
 */
function lendScratch(ex: WasmExports, module: unknown): void {
  const m = module as { _malloc(n: number): number; _free(p: number): void };
  const scratch = ex.malloc(SCRATCH_BYTES);
  const realMalloc = m._malloc;
  const realFree = m._free;
  let lent = false;
  m._malloc = (n: number): number => {
    if (scratch !== 0 && !lent && n > 256 && n <= SCRATCH_BYTES) {
      lent = true;
      return scratch;
    }
    const p = realMalloc(n);
    if (p === 0) throw new Error(`out of memory for a ${n}-byte buffer`);
    return p;
  };
  m._free = (p: number): void => {
    if (p === scratch && lent) lent = false;
    else realFree(p);
  };
}

let mp!: MicroPythonInstance;
let irq: InterruptAddresses | undefined;

let memoryWords: Int32Array | undefined;

function interruptPending(): boolean {
  return irq !== undefined && memoryWords !== undefined && memoryWords[irq.pending >> 2] === irq.exception;
}

/** Clears a KeyboardInterrupt the main thread made pending; true if there was one. */
function takePendingInterrupt(): boolean {
  if (!irq || !exportsOfLast) return false;
  const mem = new Int32Array(exportsOfLast.memory.buffer);
  if (Atomics.load(mem, irq.pending >> 2) !== irq.exception) return false;
  Atomics.store(mem, irq.pending >> 2, 0);
  return true;
}

async function boot(): Promise<{ memory: WasmMemory; interrupt: InterruptAddresses | undefined }> {
  sink = 'discard';
  out = [];
  const collect = (b: Uint8Array): void => {
    for (const x of b) out.push(x);
  };
  mp = await loadMicroPython({ heapsize: init.heapSize, linebuffer: false, stdout: collect, stderr: collect, stdin: stdinByte });
  const ex = exportsOfLast!;
  const interrupt = findInterruptWords(ex);
  irq = interrupt;
  memoryWords = new Int32Array(ex.memory.buffer);
  lendScratch(ex, mp._module);
  if (init.fixedHeap) fillFreeMemory(ex);
  const FS = mp.FS as EmscriptenFS;
  FS.mkdir('/flash');
  FS.mount(hostFs(FS), { root: init.fsDir }, '/flash');
  FS.mkdir('/.mcu-gc');
  (FS as unknown as { writeFile(p: string, d: string): void }).writeFile('/.mcu-gc/machine.py', MACHINE_PY);
  if (!rawWriteFrame) {
    probes = [];
    probeIov = [];
    restState = stateWords();
    mp.runPython(PROBE_PY);
    nlrTop = findNlrTop(ex);
    learnRawWriteFrame(probes);
    // PROBE_PY's writes: print's "." and its "\n", then the buffer's ".\n".
    if (probeIov.length === 3 && probeIov[1]! > 0) printEnd = probeIov[1]!;
    probes = undefined;
  }
  mp.runPython(BOOT_PY);
  flushOut(true);
  lastWasCR = false;
  return { memory: ex.memory, interrupt: interrupt && { ...interrupt, nlrTop } };
}

// ---------------------------------------------------------------- requests

/**
 * Raw-pasted code, with the framing of pyexec.c parse_compile_execute: stdout, "\x04",
 * traceback, "\x04", ">". It goes through mp_js_do_exec, whose source buffer lives outside
 * the GC heap, as a board's raw-paste source (lexed straight from stdin) never enters it.
 */
function runPasted(code: Uint8Array): number {
  let traceback = '';
  let ret = 0;
  try {
    (globalThis as { Module?: unknown }).Module = mp._module;
    mp.runPython(Buffer.from(code).toString('utf8'));
    // pyexec.c parse_compile_execute calls mp_handle_pending() after the code returns, so
    // a Ctrl-C that came during a last call without a pending-exception check (a sleep)
    // is raised there, with no traceback lines; mp_js_do_exec does not.
    if (takePendingInterrupt()) traceback = 'KeyboardInterrupt: \n';
  } catch (e) {
    const err = e as { name?: string; type?: string; message?: string };
    if (err.name !== 'PythonError') {
      err.type = 'RuntimeError';
      err.message = `RuntimeError: virtual board: ${err.message ?? String(e)}\n`;
    }
    if (err.type === 'SystemExit') ret = PYEXEC_FORCED_EXIT;
    else traceback = err.message ?? '';
    takePendingInterrupt(); // already raised, or superseded by this exception
  }
  flushOut(true);
  // SystemExit: "\x04\x04" and no prompt; the soft reboot follows (pyexec.c).
  for (const b of Buffer.from(ret ? '\x04\x04' : `\x04${traceback}\x04>`, 'utf8')) out.push(b);
  flushOut(true);
  return ret;
}

async function handle(m: ToWorker): Promise<void> {
  interruptsSeen = ring.interrupts;
  let ret = 0;
  if (m.t === 'chars') {
    for (const c of m.bytes) {
      ret = mp.replProcessChar(c);
      flushOut(true);
      if (ret & PYEXEC_FORCED_EXIT) break;
    }
  } else if (m.t === 'paste') {
    ret = runPasted(m.code);
  } else {
    say('MPY: soft reboot\r\n');
    const booted = await boot();
    const banner: number[] = [];
    sink = banner;
    mp.replInit();
    flushOut(true);
    if (m.raw) {
      // The board stays in raw mode across the reboot (pyexec_mode_kind is kept), so it
      // prints the raw banner, not the friendly one.
      banner.length = 0;
      mp.replProcessChar(0x01);
      flushOut(true);
      if (banner[0] === 13 && banner[1] === 10) banner.splice(0, 2);
    }
    sink = 'host';
    post({ t: 'ready', ...booted, banner: Uint8Array.from(banner) });
  }
  post({ t: 'done', ret });
}

let queue = Promise.resolve();
port.on('message', (m: ToWorker) => {
  queue = queue.then(() => handle(m)).catch((e: unknown) => post({ t: 'fatal', message: (e as Error).message ?? String(e) }));
});

try {
  const booted = await boot();
  const banner: number[] = [];
  sink = banner;
  mp.replInit();
  flushOut(true);
  sink = 'host';
  post({ t: 'ready', ...booted, banner: Uint8Array.from(banner) });
} catch (e) {
  post({ t: 'fatal', message: (e as Error).message ?? String(e) });
}
