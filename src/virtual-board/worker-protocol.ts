// Messages between the virtual board's main thread (pty, serial protocol, watchdog) and
// the worker thread that runs the interpreter.

import type { OutputRingBuffers } from './output-ring.js';
import type { StdinRingBuffers } from './stdin-ring.js';

export interface WorkerInit {
  heapSize: number;
  /** Linear memory in 64 KiB pages, fixed for the life of the interpreter. */
  memoryPages: number;
  /** No --memory: fill the linear memory after boot so the heap cannot grow. */
  fixedHeap: boolean;
  /** Host directory holding the board's flash. */
  fsDir: string;
  ring: StdinRingBuffers;
  output: OutputRingBuffers;
  /** machine.reset_cause() after boot: 1 power-on, 2 hard reset. */
  resetCause: number;
}

/** Where the main thread writes to raise KeyboardInterrupt (see interrupt.ts). */
/** A WebAssembly.Memory (lib ES2022 has no WebAssembly types); shared, so it can be posted. */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
}

export interface InterruptAddresses {
  /** MP_STATE_MAIN_THREAD(mp_pending_exception). */
  pending: number;
  /** &MP_STATE_VM(mp_kbd_exception). */
  exception: number;
  /** MP_STATE_VM(sched_state) and its idle / pending values. */
  sched: number;
  schedIdle: number;
  schedPending: number;
  /**
   * MP_STATE_THREAD(nlr_top): 0 outside every nlr_push. The interpreter busy with it at 0
   * is spinning in nlr_jump_fail() / __fatal_error() (`while (1);` in the port's main.c).
   */
  nlrTop?: number;
}

export type ToWorker =
  /** Host bytes for the REPL (pyexec_event_repl_process_char), in order. */
  | { t: 'chars'; bytes: Uint8Array }
  /** Code received in raw-paste mode: compile and run with the raw REPL's framing. */
  | { t: 'paste'; code: Uint8Array }
  /** PYEXEC_FORCED_EXIT was returned: reboot the interpreter, staying in `mode`. */
  | { t: 'soft-reset'; raw: boolean };

/** Output itself travels through the output ring (output-ring.ts), drained before each of these. */
export type FromWorker =
  /** The interpreter (re)booted: its memory (shared) and the interrupt words in it. */
  | { t: 'ready'; memory: WasmMemory; interrupt: InterruptAddresses | undefined; banner: Uint8Array }
  /** The request finished; `ret` is pyexec's status (0x100: soft reset asked for). */
  | { t: 'done'; ret: number }
  /** machine.reset(): the worker waits to be replaced. */
  | { t: 'hard-reset' }
  | { t: 'fatal'; message: string };
