// Starts real MicroPython firmware under qemu-system-arm and hands back the pseudo-terminal
// its UART is on (and, when asked, a GDB remote stub). One place for every user of QEMU:
// `virtual-board --qemu`, `record`, and the tests that run real firmware.

import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { UserError } from '../errors.js';
import { QEMU_MACHINES, type QemuMachine, type QemuMachineId } from './machines.js';

export const QEMU_BINARY = 'qemu-system-arm';

export interface QemuOptions {
  machine: QemuMachineId;
  /** Firmware file (ELF for mps2-an385, Intel HEX or ELF for microbit); default: the machine's. */
  firmware?: string;
  /** Open QEMU's GDB stub on 127.0.0.1: a port number, or 'auto' for a free one. */
  gdb?: number | 'auto';
  /** Start with the CPU halted (QEMU -S), so a debugger sees the firmware from reset. */
  halted?: boolean;
  /** Seconds to wait for QEMU to report its pty (default 10). */
  startTimeout?: number;
}

export interface QemuInstance {
  machine: QemuMachine;
  firmware: string;
  pid: number;
  /** The pseudo-terminal the firmware's UART is on, e.g. /dev/pts/3. */
  tty: string;
  /** The GDB stub's TCP port, when asked for. */
  gdbPort?: number;
  /** Resolves with QEMU's exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Stops QEMU (SIGTERM, then SIGKILL after a second); safe to call twice. */
  stop(): Promise<void>;
}

/** The binary on PATH, or undefined. */
function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

export function findQemu(): string | undefined {
  return onPath(QEMU_BINARY);
}

/**
 * QEMU's command line, started through util-linux's `setpriv --pdeathsig SIGKILL` on Linux:
 * the kernel kills QEMU when this process dies, even by SIGKILL or a crash, where no exit
 * hook runs (a `virtual-board --qemu` killed with -9 left its QEMU running; an mps2-an385 one
 * keeps a core at 100 %). setpriv execs QEMU, so the pid is QEMU's own.
 */
function qemuCommand(qemu: string, args: string[]): [string, string[]] {
  const setpriv = process.platform === 'linux' ? onPath('setpriv') : undefined;
  return setpriv ? [setpriv, ['--pdeathsig', 'SIGKILL', '--', qemu, ...args]] : [qemu, args];
}

/** Why this machine cannot run here (missing QEMU or firmware), or undefined when it can. */
export function qemuUnavailable(machine: QemuMachineId, firmware?: string): string | undefined {
  if (!findQemu()) return `${QEMU_BINARY} not found: install it with 'apt-get install qemu-system-arm'`;
  const m = QEMU_MACHINES[machine];
  const fw = firmware ?? m.defaultFirmware;
  if (!fw) return `${m.title} needs --firmware FILE.elf (${m.firmwareHint})`;
  try {
    accessSync(fw, constants.R_OK);
  } catch {
    return `${fw}: firmware not found (${m.firmwareHint})`;
  }
  return undefined;
}

export async function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** No QEMU outlives this process: a running mps2-an385 keeps a core busy forever (and see qemuCommand). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

export async function startQemu(opts: QemuOptions): Promise<QemuInstance> {
  const machine = QEMU_MACHINES[opts.machine];
  const why = qemuUnavailable(opts.machine, opts.firmware);
  if (why) throw new UserError(why);
  const firmware = (opts.firmware ?? machine.defaultFirmware)!;
  const args = machine.args(firmware);
  let gdbPort: number | undefined;
  if (opts.gdb !== undefined) {
    gdbPort = opts.gdb === 'auto' ? await freeTcpPort() : opts.gdb;
    args.push('-gdb', `tcp:127.0.0.1:${gdbPort}`);
  }
  if (opts.halted) args.push('-S');

  installExitHook();
  const [command, argv] = qemuCommand(findQemu()!, args);
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    });
    child.once('error', () => {
      running.delete(child);
      resolve(null);
    });
  });

  let output = '';
  const tty = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      done();
      child.kill('SIGKILL');
      reject(new UserError(`${QEMU_BINARY}: no serial pty reported within ${opts.startTimeout ?? 10} s${lastLine(output)}`));
    }, (opts.startTimeout ?? 10) * 1000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      // QEMU: "char device redirected to /dev/pts/3 (label serial0)"
      const m = /char device redirected to (\S+)/.exec(output);
      if (m) {
        done();
        resolve(m[1]);
      }
    };
    const onExit = (code: number | null) => {
      done();
      reject(new UserError(`${QEMU_BINARY} exited (${code ?? 'signal'}) before the firmware started${lastLine(output)}`));
    };
    const onError = (e: Error) => {
      done();
      reject(new UserError(`${QEMU_BINARY}: cannot start: ${e.message}`));
    };
    function done() {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.stderr!.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    }
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
  // Keep draining QEMU's output so a full pipe never stalls it.
  child.stdout!.resume();
  child.stderr!.resume();

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 1000);
      await exited;
      clearTimeout(timer);
    })());

  return { machine, firmware, pid: child.pid!, tty, gdbPort, exited, stop };
}

function lastLine(output: string): string {
  const lines = output.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  return lines.length ? `: ${lines[lines.length - 1]}` : '';
}
