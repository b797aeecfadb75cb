// `mcu-gc virtual-board --qemu microbit|mps2-an385`: real MicroPython firmware under
// qemu-system-arm, its UART on a pseudo-terminal, served until Ctrl-C/SIGTERM — the same UX as
// the WebAssembly board (tty on stdout, --link symlink, a clean stop).

import { lstatSync, symlinkSync, unlinkSync } from 'node:fs';
import { UserError } from '../errors.js';
import { registerBoard } from '../virtual-board/registry.js';
import { type QemuInstance, qemuUnavailable, startQemu } from './launch.js';
import { QEMU_MACHINES, type QemuMachineId, qemuMachine } from './machines.js';

export interface QemuBoardOptions {
  machine: string;
  firmware?: string;
  link?: string;
}

export interface QemuBoard {
  qemu: QemuInstance;
  tty: string;
  link?: string;
  /** Stops QEMU (by its pid) and removes the link; safe to call twice. */
  stop(): Promise<void>;
}

export function machineId(name: string): QemuMachineId {
  const m = qemuMachine(name);
  if (!m) throw new UserError(`--qemu: unknown machine '${name}' (known: ${Object.keys(QEMU_MACHINES).join(', ')})`);
  return m.id;
}

/** Replaces a stale symlink (left by a killed run) but never a regular file. */
function placeLink(link: string, target: string): void {
  let st;
  try {
    st = lstatSync(link);
  } catch {
    st = undefined;
  }
  if (st && !st.isSymbolicLink()) throw new UserError(`--link ${link}: exists and is not a symlink; not replacing it`);
  try {
    if (st) unlinkSync(link);
    symlinkSync(target, link);
  } catch (e) {
    throw new UserError(`--link ${link}: cannot create the symlink: ${(e as Error).message}`);
  }
}

function removeLink(link: string | undefined): void {
  if (!link) return;
  try {
    if (lstatSync(link).isSymbolicLink()) unlinkSync(link);
  } catch {
    /* already gone */
  }
}

export async function startQemuBoard(opts: QemuBoardOptions): Promise<QemuBoard> {
  const id = machineId(opts.machine);
  // One line naming the missing piece and the apt package, before anything starts.
  const why = qemuUnavailable(id, opts.firmware);
  if (why) throw new UserError(why);
  if (opts.link) {
    // Checked before QEMU starts, so a bad --link leaves nothing running.
    try {
      if (!lstatSync(opts.link).isSymbolicLink()) throw new UserError(`--link ${opts.link}: exists and is not a symlink; not replacing it`);
    } catch (e) {
      if (e instanceof UserError) throw e;
    }
  }
  const qemu = await startQemu({ machine: id, ...(opts.firmware ? { firmware: opts.firmware } : {}) });
  let link: string | undefined;
  if (opts.link) {
    try {
      placeLink(opts.link, qemu.tty);
      link = opts.link;
    } catch (e) {
      await qemu.stop();
      throw e;
    }
  }
  let stopping: Promise<void> | undefined;
  return {
    qemu,
    tty: qemu.tty,
    ...(link ? { link } : {}),
    stop: () =>
      (stopping ??= (async () => {
        await qemu.stop();
        removeLink(link);
      })()),
  };
}

/** The command: start, print the tty, serve until a signal or QEMU's own exit. */
export async function serveQemuBoard(opts: QemuBoardOptions): Promise<void> {
  const board = await startQemuBoard(opts);
  const m = board.qemu.machine;
  // Listed by `mcu-gc ports` as the WebAssembly boards are (a pty is in no system list).
  const unregister = registerBoard({
    path: board.tty,
    ...(board.link ? { link: board.link } : {}),
    pid: process.pid,
    started: new Date().toISOString(),
    compareWith: `--board=${m.board}`,
    qemu: { title: m.title, pid: board.qemu.pid, firmware: board.qemu.firmware },
  });
  process.stdout.write(`${board.tty}\n`);
  process.stderr.write(
    `virtual board: ${m.title} under QEMU (pid ${board.qemu.pid}), firmware ${board.qemu.firmware}, on ${board.tty}` +
      (board.link ? ` (link ${board.link})` : '') +
      `; compare with --board=${m.board}; Ctrl-C to stop\n`,
  );
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  let signalled = false;
  const outcome = await new Promise<'signal' | number | null>((resolve) => {
    for (const s of signals) {
      process.once(s, () => {
        signalled = true;
        resolve('signal');
      });
    }
    void board.qemu.exited.then(async (code) => {
      // Ctrl-C in a terminal reaches QEMU too (same process group): it may exit a moment
      // before our own handler runs. That is a requested stop, not a crash.
      await new Promise((r) => setTimeout(r, 300));
      resolve(signalled ? 'signal' : code);
    });
  });
  await board.stop();
  unregister();
  if (outcome !== 'signal') {
    throw new UserError(`qemu-system-arm exited by itself (${outcome === null ? 'killed by a signal' : `exit code ${outcome}`}); the virtual board is gone`, 1);
  }
}
