// mcu-gc record SCRIPT.py: run a script on real firmware under a GDB stub (QEMU started here,
// or a stub you run) and write a trace of its heap activity that `mcu-gc run` replays on any
// board and config. Or: --from-log FILE imports a MICROPY_DEBUG_VERBOSE log instead.

import { basename } from 'node:path';
import type { CommandModule } from 'yargs';
import { loadBoard } from '../boards/load.js';
import { withPortsDirOption } from '../boards/options.js';
import { UserError } from '../errors.js';
import { exists, readText, writeFileAtomic } from '../io/files.js';
import { QEMU_MACHINES, type QemuMachineId } from '../qemu/machines.js';
import { qemuUnavailable } from '../qemu/launch.js';
import { importVerboseLog } from '../record/from-log.js';
import { recordSession } from '../record/session.js';
import { selfCheck } from '../record/selfcheck.js';
import { traceText } from '../record/trace-text.js';

interface Args {
  script?: string | undefined;
  qemu?: string | undefined;
  firmware?: string | undefined;
  gdb?: string | undefined;
  elf?: string | undefined;
  port?: string | undefined;
  board?: string | undefined;
  out?: string | undefined;
  force: boolean;
  'from-log'?: string | undefined;
  verify: boolean;
  check: boolean;
  threshold?: number | undefined;
  'snapshot-every'?: number | undefined;
  progress: boolean;
}

function defaultOut(input: string): string {
  return input.replace(/\.(py|log|txt)$/i, '') + '.trace';
}

function outPath(args: Args, input: string): string {
  const out = args.out ?? defaultOut(input);
  if (!args.force && exists(out)) throw new UserError(`${out}: already exists (use --force to replace it, or --out FILE)`);
  return out;
}

function fromLog(args: Args, file: string): void {
  const text = readText(file);
  const out = outPath(args, file);
  const imp = importVerboseLog(file, text);
  const board = loadBoard(args.board ?? 'qemu');
  const t = traceText(
    { via: 'log', firmware: '-', micropython: board.micropython, board: board.id, script: basename(file), date: new Date().toISOString() },
    imp.heap,
    imp.ops,
    imp.notes,
  );
  writeFileAtomic(out, t, { force: args.force });
  const c = imp.counts;
  process.stderr.write(
    `record: imported ${c.allocs} allocations, ${c.frees} frees, ${c.reallocs} reallocs from ${file}` +
      (c.skipped ? ` (${c.skipped} lines naming unknown blocks skipped)` : '') +
      `\nrecord: the log has no pointer state: the replay keeps every block until the log frees it\nrecord: wrote ${out}\n`,
  );
}

function hostPort(spec: string): { host: string; port: number } {
  const m = /^(?:([^:]+):)?(\d+)$/.exec(spec);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new UserError(`--gdb '${spec}': expected HOST:PORT (e.g. localhost:3333)`);
  return { host: m[1] ?? '127.0.0.1', port: Number(m[2]) };
}

async function record(args: Args): Promise<void> {
  const script = args.script!;
  const every = args['snapshot-every'];
  if (every !== undefined && (!Number.isInteger(every) || every < 1)) throw new UserError('--snapshot-every must be a whole number of allocations, at least 1');
  if (args.threshold !== undefined && (!Number.isInteger(args.threshold) || args.threshold < 1)) {
    throw new UserError('--threshold must be a whole number of bytes, at least 1');
  }
  const code = readText(script);
  let machine: QemuMachineId | undefined;
  let elf: string;
  if (args.qemu !== undefined) {
    if (!(args.qemu in QEMU_MACHINES) || args.qemu === 'microbit') {
      throw new UserError(`--qemu '${args.qemu}': record needs firmware with symbols; supported: mps2-an385`);
    }
    machine = args.qemu as QemuMachineId;
    if (!args.firmware) throw new UserError(`--qemu ${machine} needs --firmware FILE.elf (${QEMU_MACHINES[machine].firmwareHint})`);
    elf = args.firmware;
    const why = qemuUnavailable(machine, elf);
    if (why) throw new UserError(why);
  } else {
    if (!args.gdb || !args.elf || !args.port) throw new UserError('record needs --qemu mps2-an385 --firmware ELF, or --gdb HOST:PORT --elf ELF --port TTY');
    elf = args.elf;
  }
  if (!exists(elf)) throw new UserError(`${elf}: no such file`);
  const boardId = args.board ?? (machine ? QEMU_MACHINES[machine].board : undefined);
  if (!boardId) throw new UserError('--gdb needs --board (the mcu-gc board config of the device, e.g. --board=pyboard)');
  const board = loadBoard(boardId);
  const out = outPath(args, script);
  const progress = args.progress && process.stderr.isTTY;
  let stopRecording: (() => void) | undefined;
  let lastLine = 0;
  const onSigint = (): void => {
    process.stderr.write('\nrecord: Ctrl-C: ending the recording, keeping what was recorded\n');
    stopRecording?.();
  };
  process.on('SIGINT', onSigint);
  let res;
  try {
    res = await recordSession({
      elf,
      config: board.gc,
      script: code,
      ...(machine ? { qemu: machine } : { gdb: hostPort(args.gdb!), serialPort: args.port! }),
      verify: args.verify,
      ...(args.threshold !== undefined ? { threshold: args.threshold } : {}),
      ...(args['snapshot-every'] !== undefined ? { snapshotEvery: args['snapshot-every'] } : {}),
      onStdout: (c) => process.stdout.write(c),
      onStopHandle: (s) => (stopRecording = s),
      onProgress: (p) => {
        const line = `record: ${p.allocs} allocs, ${p.reallocs} reallocs, ${p.frees} frees, ${p.collections} collections, ${(p.elapsedMs / 1000).toFixed(1)} s`;
        if (progress) process.stderr.write(`\r${line}\x1b[K`);
        else if (args.progress && p.elapsedMs - lastLine >= 10_000) {
          // Not a terminal (a log, CI): a plain line every 10 s.
          lastLine = p.elapsedMs;
          process.stderr.write(line + '\n');
        }
      },
    });
  } finally {
    process.off('SIGINT', onSigint);
    if (progress) process.stderr.write('\n');
  }
  const notes = [
    'Pointer state: recorded at every device collection (xroot, setp, setw, type, then `snapshot`).',
    'Between snapshots it is unknown: a replay keeps every object allocated since the last snapshot',
    'alive (FORMAT.md, "Recorded traces"). On the recorded board and config each collection directly',
    'follows its snapshot, so the replay marks exactly what the device marked.',
  ];
  if (res.extraSnapshots) notes.push(`Recorded with --snapshot-every ${args['snapshot-every']}: ${res.extraSnapshots} snapshots between collections.`);
  if (args.threshold !== undefined) notes.push(`Recorded with --threshold ${args.threshold}: gc.threshold(${args.threshold}) ran on the device before the script.`);
  if (res.scriptError) notes.push(`The script raised: ${res.scriptError.trim().split('\n').pop()}`);
  if (res.ended !== 'dump') notes.push(`The recording ended early (${res.divergence ?? res.ended}): no final dump.`);
  const text = traceText(
    {
      via: 'gdb',
      firmware: basename(elf),
      micropython: board.micropython,
      board: board.id,
      ...(machine ? { machine } : {}),
      script: basename(script),
      date: new Date().toISOString(),
    },
    res.heap,
    res.lines,
    notes,
  );
  if (!res.heap) throw new UserError('record: the firmware never reached gc_init (was the target halted at reset?); nothing written', 1);
  writeFileAtomic(out, text, { force: args.force });
  const c = res.counts;
  const secs = c.elapsedMs / 1000;
  const rate = secs > 0 ? Math.round((c.allocs + c.reallocs) / secs) : 0;
  process.stderr.write(
    `record: ${c.allocs} allocs, ${c.reallocs} reallocs, ${c.frees} frees, ${c.collections} collections in ${secs.toFixed(1)} s (${rate} allocations/s)` +
      (res.interruptedSteps ? `; ${res.interruptedSteps} breakpoint steps interrupted (not counted twice)` : "") + (res.lockedAllocs ? `; ${res.lockedAllocs} allocations inside collections (finalisers, heap locked) left out` : '') +
      `\nrecord: wrote ${out}\n`,
  );
  if (res.scriptError) process.stderr.write(`record: the script raised an exception:\n${res.scriptError}`);
  if (res.ended === 'diverged') throw new UserError(`record: the replay diverged from the device: ${res.divergence}`, 1);
  if (!args.check) return;
  const chk = selfCheck(text, board.id, res.memInfo, res.collections.map((x) => x.freed));
  process.stderr.write(`record: self-check, replaying ${out} on --board=${board.id}:\n` + chk.lines.map((l) => `  ${l}\n`).join(''));
  if (!chk.ok) throw new UserError('record: the replay does not reproduce the device (see the self-check above)', 1);
}

const command: CommandModule<object, Args> = {
  command: 'record [script]',
  describe: 'Record a Python script\'s heap activity on real firmware (GDB stub) as a trace that run replays on any board',
  builder: (y) =>
    withPortsDirOption(y)
      .positional('script', { type: 'string', describe: 'the .py file to run on the firmware' })
      .option('qemu', { type: 'string', describe: 'start this QEMU machine with --firmware, halted at reset (mps2-an385)' })
      .option('firmware', { type: 'string', describe: 'the firmware ELF (with symbols) for --qemu' })
      .option('gdb', { type: 'string', describe: 'instead of --qemu: a GDB stub HOST:PORT (OpenOCD, J-Link) with the target halted at reset' })
      .option('elf', { type: 'string', describe: 'with --gdb: the ELF the target runs' })
      .option('port', { type: 'string', describe: "with --gdb: the device's serial port (raw REPL)" })
      .option('board', { type: 'string', describe: 'the mcu-gc board config of the device (default: the QEMU machine\'s, qemu)' })
      .option('out', { type: 'string', describe: 'trace file to write (default: SCRIPT.trace)' })
      .option('force', { type: 'boolean', default: false, describe: 'replace an existing --out file' })
      .option('from-log', { type: 'string', describe: 'import a MICROPY_DEBUG_VERBOSE log (gc_alloc/gc_free lines) instead of recording' })
      .option('threshold', {
        type: 'number',
        describe: 'run gc.threshold(BYTES) on the device before the script: it collects (and the recording snapshots its pointers) every BYTES allocated',
      })
      .option('snapshot-every', {
        type: 'number',
        describe: 'also record the pointer state every N allocations between collections (tighter replays on other boards; slower)',
      })
      .option('verify', { type: 'boolean', default: false, describe: 'also check every gc_alloc/gc_realloc result and the allocation table against the replay (slower)' })
      .option('check', { type: 'boolean', default: true, describe: 'replay the trace at the end and compare with the device (--no-check to skip)' })
      .option('progress', { type: 'boolean', default: true, describe: 'progress on stderr (updated in place on a terminal, otherwise a line every 10 s)' })
      .example('$0 record --qemu mps2-an385 --firmware micropython.elf examples/dict-cache.py', 'writes examples/dict-cache.trace')
      .example('$0 run --board=esp32 examples/dict-cache.trace --vs rp2-pico', 'replay it elsewhere')
      .example('$0 record --from-log verbose.log --board=pyboard', 'import a MICROPY_DEBUG_VERBOSE log') as never,
  handler: async (args) => {
    if (args['from-log'] !== undefined) return fromLog(args, args['from-log']);
    if (!args.script) throw new UserError('record needs a SCRIPT.py (or --from-log FILE)');
    await record(args);
  },
};

export default command;
