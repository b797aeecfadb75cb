// One recording session: the firmware under a GDB stub (QEMU started here, halted at reset,
// or a stub the user runs), the recorder servicing breakpoints, and the script run over the
// firmware's serial raw REPL at the same time; at the end, micropython.mem_info(1), whose
// dump the replay must reproduce.

import { readElf } from '../elf/read.js';
import { GdbClient, GdbError } from '../gdb/client.js';
import { startQemu, type QemuInstance } from '../qemu/launch.js';
import type { QemuMachineId } from '../qemu/machines.js';
import { connect } from '../serial/connect.js';
import type { RawRepl } from '../serial/raw-repl.js';
import type { GcConfig } from '../../emulator/config.js';
import { Recorder, type RecordProgress, type RecordResult } from './recorder.js';
import { gcSymbols } from './symbols.js';
import { UserError } from '../errors.js';

export const FINAL_MEM_INFO = 'import micropython\nmicropython.mem_info(1)\n';

export interface SessionOptions {
  elf: string;
  config: GcConfig;
  script: string;
  /** Start this QEMU machine with the ELF (halted, GDB stub on a free port). */
  qemu?: QemuMachineId;
  /** Or: an already-running stub (target halted at reset) and the device's serial port. */
  gdb?: { host: string; port: number };
  serialPort?: string;
  onProgress?: (p: RecordProgress) => void;
  /** Snapshot the pointer state every N allocations between collections. */
  snapshotEvery?: number;
  /** Run gc.threshold(N) on the device before the script: more collections, so more pointer snapshots. */
  threshold?: number;
  /** Check every gc_alloc/gc_realloc result against the replay (a return breakpoint each: slower). */
  verify?: boolean;
  onStdout?: (chunk: Uint8Array) => void;
  /** Set to a function that ends the recording (Ctrl-C). */
  onStopHandle?: (stop: () => void) => void;
}

export interface SessionResult extends RecordResult {
  /** The device's mem_info(1) output at the end ('' when the recording ended early). */
  memInfo: string;
  /** The script's traceback, if it raised. */
  scriptError: string;
}

export async function recordSession(o: SessionOptions): Promise<SessionResult> {
  const elf = await readElf(o.elf);
  const syms = gcSymbols(elf);
  if (!syms.rootSection) {
    // Without it the replay would not see the root pointers and free live objects.
    throw new UserError(`${o.elf}: cannot find the root-pointer range gc_collect_start scans (a build this recorder does not recognise)`);
  }
  let q: QemuInstance | undefined;
  let repl: RawRepl | undefined;
  let gdb: GdbClient | undefined;
  try {
    let host = '127.0.0.1';
    let port: number;
    let tty: string;
    if (o.qemu) {
      q = await startQemu({ machine: o.qemu, firmware: o.elf, gdb: 'auto', halted: true });
      port = q.gdbPort!;
      tty = q.tty;
    } else {
      if (!o.gdb || !o.serialPort) throw new UserError('record needs --qemu MACHINE, or --gdb HOST:PORT with --port TTY');
      host = o.gdb.host;
      port = o.gdb.port;
      tty = o.serialPort;
    }
    gdb = await GdbClient.connect(host, port, { retryMs: 5000 });
    const recorder = new Recorder(gdb, syms, o.config, {
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      verify: o.verify ?? false,
      ...(o.snapshotEvery ? { snapshotEvery: o.snapshotEvery } : {}),
    });
    let stopped = false;
    o.onStopHandle?.(() => {
      stopped = true;
      recorder.stop();
      void repl?.close().catch(() => undefined);
    });
    const recording = recorder.run();
    // The script runs while the recorder services breakpoints (the REPL only makes progress
    // while the target runs). Waits have no inter-byte timeout: a breakpoint-heavy run is slow.
    const device = (async () => {
      repl = await connect(tty, { timeoutMs: 60_000, enterTimeoutMs: 120_000 });
      if (o.threshold !== undefined) await repl.exec(`import gc\ngc.threshold(${o.threshold})\n`, { timeoutMs: 0 });
      const r = await repl.exec(o.script, { timeoutMs: 0, ...(o.onStdout ? { onStdout: o.onStdout } : {}) });
      const info = await repl.exec(FINAL_MEM_INFO, { timeoutMs: 0 });
      return { scriptError: r.stderr, memInfo: info.stdout };
    })();
    // A device-side failure (REPL not reached, port closed) must also end the recording.
    const deviceDone = device.then(
      (v) => ({ ok: true as const, v }),
      (e: unknown) => ({ ok: false as const, e }),
    );
    void deviceDone.then((d) => {
      if (!d.ok) recorder.stop();
    });
    const res = await recording;
    if (res.ended === 'dump') await recorder.release();
    else recorder.stop();
    let memInfo = '';
    let scriptError = '';
    if (res.ended === 'dump') {
      const d = await deviceDone;
      if (!d.ok) throw d.e;
      memInfo = d.v.memInfo;
      scriptError = d.v.scriptError;
    } else if (!stopped) {
      const d = await Promise.race([deviceDone, new Promise<null>((r) => setTimeout(() => r(null), 100))]);
      if (d && !d.ok && res.ended !== 'diverged') throw d.e;
    }
    return { ...res, memInfo, scriptError };
  } catch (e) {
    // The stub went away, refused the connection or rejected a packet: one line, not a trace.
    if (e instanceof GdbError) throw new UserError(`record: ${e.message}`, 2);
    throw e;
  } finally {
    try {
      await repl?.close();
    } catch {
      /* closing anyway */
    }
    gdb?.close();
    await q?.stop();
  }
}
