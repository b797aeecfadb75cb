// mcu-gc capture: run optional setup code on the board, gc.collect(), micropython.mem_info(1),
// and save a snapshot (JSON) — raw text, parsed structure, board identity, time, port and the
// capture's own footprint. Optionally (--ram) the heap's bytes as a heap image for `analyze`.

import type { CommandModule } from 'yargs';
import { progressBar } from '../report/progress.js';
import { type Snapshot } from '../capture/snapshot.js';
import { IncompleteCapture, captureSnapshot, defaultSnapshotName, profileFor } from '../capture/device.js';
import { buildHeapImage } from '../capture/ram.js';
import { RamReadError, readRam } from '../capture/ram-device.js';
import { checkOutputPath, freeName, imageNameFor, saveSnapshot } from '../capture/save.js';
import { vanishedHeads, verifyImage } from '../capture/verify.js';
import { withPortsDirOption } from '../boards/options.js';
import { boardSpecWithElf } from '../elf/board.js';
import type { FirmwareFacts } from '../elf/firmware.js';
import { UserError } from '../errors.js';
import { readBytes, writeFileAtomic } from '../io/files.js';
import { serializeImage } from '../image/format.js';
import { connect, connectOptionsFrom, withSerialOptions, type SerialArgs } from '../serial/connect.js';
import type { RawRepl } from '../serial/raw-repl.js';
import { TransportError } from '../serial/errors.js';
import { snapshotSummary } from '../compare/summary.js';

interface Args extends SerialArgs {
  script?: string;
  out?: string;
  force: boolean;
  collect: boolean;
  footprint: boolean;
  ram: boolean;
  'ram-out'?: string;
  elf?: string;
  board?: string;
  progress: boolean;
}

/** Connects, captures, and saves; returns the snapshot and where it went. Shared with `compare`. */
export async function captureToFile(
  args: SerialArgs & { script?: string; out?: string; force: boolean; collect: boolean; footprint: boolean },
  opts: { save: boolean; echoScript: boolean; onConnected?: (repl: RawRepl) => Promise<void> },
): Promise<{ snapshot: Snapshot; file?: string; repl: RawRepl }> {
  // Everything that can fail locally fails before the board is touched.
  const script = args.script !== undefined ? { file: args.script, code: readBytes(args.script) } : undefined;
  if (opts.save && args.out !== undefined) checkOutputPath(args.out, args.force, '--out');
  const repl = await connect(args.port, connectOptionsFrom(args));
  let snapshot: Snapshot;
  try {
    snapshot = await captureSnapshot(repl, {
      ...(script ? { script } : {}),
      collect: args.collect,
      footprint: args.footprint,
      port: repl.port.path ?? args.port,
      softReset: args['soft-reset'],
      timeoutMs: args.timeout * 1000,
      ...(opts.echoScript ? { onScriptOutput: (c: Uint8Array) => process.stdout.write(c) } : {}),
    });
  } catch (e) {
    if (e instanceof IncompleteCapture) {
      await repl.close().catch(() => {});
      // Keep what arrived: always saved, even for compare.
      const file = args.out ?? freeName(defaultSnapshotName(e.snapshot));
      saveSnapshot(file, e.snapshot, args.force);
      throw new UserError(`${e.message}\nsaved what arrived to ${file} (marked incomplete: ${e.snapshot.raw.length} characters)`, 1);
    }
    await repl.close().catch(() => {});
    throw e;
  }
  let file: string | undefined;
  if (opts.save) {
    file = args.out ?? freeName(defaultSnapshotName(snapshot));
    saveSnapshot(file, snapshot, args.force);
  }
  return { snapshot, ...(file !== undefined ? { file } : {}), repl };
}

const command: CommandModule<object, Args> = {
  command: 'capture',
  describe: 'Save a snapshot of a board\'s heap: gc.collect(), then micropython.mem_info(1), as JSON',
  builder: (y) =>
    withPortsDirOption(withSerialOptions(
      y
        .option('script', { type: 'string', describe: 'local .py file to run first (its globals stay alive, as with mpremote run)' })
        .option('out', { alias: 'o', type: 'string', describe: 'snapshot file (default: capture-<board>-<time>.json here)' })
        .option('force', { type: 'boolean', default: false, describe: 'replace an existing output file' })
        .option('collect', { type: 'boolean', default: true, describe: 'run gc.collect() before the dump (--no-collect: the heap with its garbage)' })
        .option('footprint', { type: 'boolean', default: true, describe: 'measure the capture\'s own heap use with a second short dump' })
        .option('ram', { type: 'boolean', default: false, describe: 'also read the heap, root pointers and stack (uctypes or machine.mem16) into a heap image for `analyze`' })
        .option('ram-out', { type: 'string', describe: 'heap image file (default: the snapshot name with .heap.json)' })
        .option('elf', { type: 'string', describe: '--ram: the firmware\'s ELF: the root-pointer range and type objects from its symbols' })
        .option('board', { type: 'string', describe: 'with --elf: the board config whose build options the ELF reader assumes (default: the one the firmware names)' })
        .option('progress', { type: 'boolean', default: true, describe: 'progress bar on stderr for --ram (only on a terminal)' })
        .example('$0 capture --port a0', 'snapshot the heap of /dev/ttyACM0')
        .example('$0 capture -p /dev/ttyUSB0 --script setup.py --ram', 'run setup.py, then snapshot the heap and its bytes'),
    )) as never,
  handler: async (args) => {
    // Everything that can fail locally fails before the board is touched.
    const ramOut = args['ram-out'];
    if (ramOut !== undefined) {
      if (!args.ram) throw new UserError('--ram-out: only with --ram');
      checkOutputPath(ramOut, args.force, '--ram-out');
    }
    if (args.elf !== undefined && !args.ram) throw new UserError('--elf: only with --ram (it locates the root pointers the heap image carries)');
    let facts: FirmwareFacts | undefined;
    if (args.elf !== undefined) facts = (await boardSpecWithElf(args.board, args.elf)).facts;
    const { snapshot, file, repl } = await captureToFile(args, { save: true, echoScript: true });
    let interrupted = false;
    const onSigint = (): void => {
      if (interrupted) process.exit(130);
      interrupted = true;
      // Ctrl-C to the board: it raises KeyboardInterrupt, the raw REPL ends the command and
      // prints its prompt, so the exec returns and the connection is left usable.
      process.stderr.write('\ninterrupting the board (Ctrl-C again to quit at once)\n');
      repl.port.write(Buffer.from([3]));
    };
    try {
      process.stdout.write(`saved ${file}\n${snapshotSummary(snapshot)}`);
      for (const i of snapshot.parsed.issues) process.stderr.write(`${file}: dump line ${i.line}: ${i.severity}: ${i.message}\n`);
      for (const n of snapshot.notes) process.stderr.write(`note: ${n}\n`);
      if (!snapshot.complete) {
        process.exitCode = 1;
        process.stderr.write(`${file}: the capture is incomplete (see the notes above)\n`);
        return;
      }
      if (args.ram) {
        const profile = profileFor(snapshot.device.version) ?? (snapshot.parsed.offsetDigits === 5 ? 'v1.9.4' : 'v1.27');
        const bar = progressBar('heap', 'bytes', args.progress);
        process.on('SIGINT', onSigint);
        let ram;
        try {
          ram = await readRam(repl, snapshot.parsed, {
            collect: args.collect,
            onProgress: bar.onProgress,
            timeoutMs: args.timeout * 1000,
            version: snapshot.device.version,
            platform: snapshot.device.platform,
            facts,
            interrupted: () => interrupted,
          });
        } catch (e) {
          bar.stop();
          if (interrupted && (e instanceof RamReadError || e instanceof TransportError)) {
            // A Ctrl-C that reached the board while a command was still being sent clears the
            // raw REPL's line (pyexec.c), so the rest arrives as a fragment: a SyntaxError
            // that is the interruption too.
            throw new UserError(`--ram: interrupted (Ctrl-C); the board is back at its prompt (the snapshot ${file} is saved; no heap image was written)`, 130);
          }
          if (e instanceof RamReadError) throw new UserError(`--ram: ${e.message} (the snapshot ${file} is saved; no heap image was written)`, 1);
          throw e;
        } finally {
          process.off('SIGINT', onSigint);
        }
        bar.stop();
        let built;
        try {
          built = buildHeapImage(ram.dump, ram.plan, ram.bytes, profile, facts ? { elfTypes: facts.types } : {});
        } catch (e) {
          throw new UserError(`--ram: ${e instanceof Error ? e.message : String(e)} (the snapshot ${file} is saved)`, 1);
        }
        if (!args.collect) {
          // Nothing asked for a collection, yet blocks the snapshot shows in use are free in
          // the read's dump: an allocation of the capture's own found the heap full and the
          // firmware collected (gc_alloc retries after gc_collect).
          const lost = vanishedHeads(snapshot.raw, ram.dumpText);
          if (lost > 0) {
            ram.notes.push(
              `the firmware collected on its own between the snapshot and the read (an allocation found the heap full): ${lost} object(s) in ${file} are gone from the image`,
            );
          }
        }
        const check = verifyImage(built.image, ram.dumpText, ram.afterText, { platform: snapshot.device.platform });
        const imageFile = ramOut ?? freeName(imageNameFor(file!));
        const meta = {
          source: 'mcu-gc capture --ram',
          snapshot: file,
          time: new Date().toISOString(),
          port: snapshot.port,
          device: snapshot.device,
          profileFrom: snapshot.device.version ? `MicroPython ${snapshot.device.version}` : 'the dump format',
          ...(args.elf !== undefined ? { elf: args.elf } : {}),
          notes: [...built.notes, ...ram.notes],
          dump: ram.dumpText,
          // The WebAssembly port collects only after the command returns: nothing to record.
          ...(snapshot.device.platform === 'webassembly' ? {} : { afterCollect: ram.afterText }),
          check: check.lines,
        };
        writeFileAtomic(imageFile, serializeImage(built.image, meta), { force: args.force });
        const bytes = built.image.areas.reduce((n, a) => n + a.bytes.length, 0);
        const rootWords = built.image.roots.reduce((n, r) => n + r.bytes.length, 0) / built.image.word;
        const stackBytes = built.image.stack.reduce((n, r) => n + r.bytes.length, 0);
        process.stdout.write(
          `saved ${imageFile}: ${bytes} heap bytes in ${built.image.areas.length} area(s) from ${built.image.areas.map((a) => '0x' + a.start.toString(16)).join(', ')}, ${rootWords} root words, ${stackBytes} stack bytes, finaliser ${built.image.finaliser}, ${built.image.types.size} type address(es)\n`,
        );
        for (const l of check.lines) process.stdout.write(`${l}\n`);
        for (const n of [...built.notes, ...ram.notes]) process.stderr.write(`note: ${n}\n`);
        if (interrupted) process.stderr.write('note: Ctrl-C came after the read had finished; everything was kept\n');
      }
    } finally {
      await repl.close();
    }
  },
};

export default command;
