// mcu-gc compare --board=X --port P: capture the device's heap, build the same board in the
// emulator from its config, check the device's layout against the config (explaining each
// mismatch), and compare totals, letters and the block maps.

import type { CommandModule } from 'yargs';
import { BoardError, type BoardSpec } from '../../emulator/board.js';
import { type OverrideArgs, overridesFrom, withOverrideOptions, withPortsDirOption } from '../boards/options.js';
import { UserError } from '../errors.js';
import { compareDumps, deviceOnlyComparison } from '../compare/compare.js';
import { type ConfigCheck, type EmulatedDump, checkAgainstConfig, emulatedDump, runTimeAddresses } from '../compare/emulate.js';
import { boardsFor } from '../compare/platform.js';
import type { DeviceIdentity } from '../capture/snapshot.js';
import { usableBoards } from '../boards/load.js';
import { type ElfReport, boardSpecWithElf, formatElfReport } from '../elf/board.js';
import { type OutputArgs, useColor, writeComparison } from '../compare/output.js';
import { safe } from '../compare/render-text.js';
import { exists } from '../io/files.js';
import { type SerialArgs, withSerialOptions } from '../serial/connect.js';
import { captureToFile } from './capture.js';
import { withOutputOptions } from './diff.js';
import pc from 'picocolors';

interface Args extends SerialArgs, OverrideArgs, OutputArgs {
  board?: string;
  script?: string;
  out?: string;
  save: boolean;
  collect: boolean;
  footprint: boolean;
}

export function checksText(checks: ConfigCheck[], file: string, color: boolean): string {
  const k = pc.createColors(color);
  const out = [`config checks against ${safe(file)}:`];
  // Platform checks first: a failed one explains everything below it.
  const ordered = [...checks.filter((c) => c.platform), ...checks.filter((c) => !c.platform)];
  if (ordered.some((c) => c.platform && !c.ok && c.what !== 'MicroPython version')) {
    out.push(`  ${k.red(k.bold('platform mismatch:'))} this device is not what the board config describes; placement flags cannot fix that`);
  }
  for (const c of ordered) {
    const mark = c.ok ? k.green('✓') : k.red('✗');
    let line = `  ${mark} ${c.what}: device ${safe(c.device ?? '-')}, config ${safe(c.config ?? '-')}`;
    if (c.explain) line += `\n      ${k.yellow(safe(c.explain))}`;
    out.push(line);
  }
  return out.join('\n') + '\n\n';
}

/** What the device said it is, for messages: "sys.platform microbit, micro:bit with nRF51822, MicroPython 1.9.2". */
function describeDevice(d: DeviceIdentity): string {
  return [d.platform ? `sys.platform ${d.platform}` : undefined, d.machine, d.version ? `MicroPython ${d.version}` : undefined].filter(Boolean).join(', ') || 'no identity';
}

/**
 * The board config that fits the device, from the user's folders and the shipped ones: the
 * port, chip and word size it reports (the same checks compare makes). More than one, or
 * none, is a question for the user; the snapshot is kept either way.
 */
function boardForDevice(device: DeviceIdentity, snapshotFile: string | undefined): BoardSpec {
  const specs = usableBoards();
  const ids = boardsFor(device, specs);
  const kept = snapshotFile ? ` (the snapshot is saved: ${snapshotFile})` : '';
  if (ids.length === 1) return specs.find((s) => s.id === ids[0])!;
  if (ids.length === 0) throw new UserError(`no board config fits the device (${describeDevice(device)}): give --board NAME (mcu-gc boards) or write one (README: your own boards)${kept}`);
  throw new UserError(`the device (${describeDevice(device)}) fits ${ids.length} board configs: ${ids.join(', ')}; give --board NAME${kept}`);
}

const command: CommandModule<object, Args> = {
  command: 'compare',
  describe: 'Capture a board\'s heap and compare it with the same board emulated from its config',
  builder: (y) =>
    withOutputOptions(
      withPortsDirOption(withOverrideOptions(
        withSerialOptions(
          y
            .option('board', { alias: 'b', type: 'string', describe: 'board config (see mcu-gc boards); default: the board the --elf firmware names, else the one config that fits what the device says it is' })
            .option('script', { type: 'string', describe: 'local .py file to run on the device first (device only: the emulator cannot run Python)' })
            .option('out', { alias: 'o', type: 'string', describe: 'where to save the device snapshot (default: capture-<board>-<time>.json)' })
            .option('save', { type: 'boolean', default: true, describe: 'keep the device snapshot (--no-save: do not write it)' })
            .option('collect', { type: 'boolean', default: true, describe: 'gc.collect() on the device before the dump' })
            .option('footprint', { type: 'boolean', default: true, describe: 'measure the capture\'s own heap use' })
            .example('$0 compare --board=rp2-pico --port a0', 'device vs emulator for a Pico on /dev/ttyACM0')
            .example('$0 compare --board=microbit --port /tmp/mbit', 'a micro:bit (or mcu-gc virtual-board --qemu microbit --link /tmp/mbit)')
            .example('$0 compare --board=qemu --elf firmware.elf -p /dev/pts/4', "your qemu-port build, its heap and roots from the ELF's symbols")
            .example('$0 compare --board=webassembly -p /dev/pts/3 --heap-size 65536 --html cmp.html', 'with the heap size the device was started with'),
        ),
      )),
    ) as never,
  handler: async (args) => {
    // Bad flags and configs fail before the board is touched. Without --board or --elf the
    // board config is the one that fits what the device says it is (after the capture).
    const overrides = overridesFrom(args);
    if (args.html !== undefined && !args.force && exists(args.html)) throw new UserError(`${args.html}: already exists (use --force to replace it)`);
    const emulate = (s: BoardSpec): EmulatedDump => {
      try {
        return emulatedDump(s, overrides);
      } catch (e) {
        if (e instanceof BoardError) throw new UserError(`${s.file ?? s.id}${e.key ? `: ${e.key}` : ''}: ${e.message}`);
        throw e;
      }
    };
    let spec: BoardSpec | undefined;
    let elf: ElfReport | undefined;
    let emu: EmulatedDump | undefined;
    if (args.board !== undefined || args.elf !== undefined) {
      ({ spec, elf } = await boardSpecWithElf(args.board, args.elf));
      emu = emulate(spec);
    }
    const { snapshot, file, repl } = await captureToFile(args, { save: args.save, echoScript: !args.json });
    await repl.close();
    let picked = '';
    if (!spec || !emu) {
      spec = boardForDevice(snapshot.device, file);
      emu = emulate(spec);
      picked = `board ${spec.id} (${spec.file ?? spec.name}): the one config that fits the device (${describeDevice(snapshot.device)}); --board to choose another\n`;
    }
    const device = snapshot.parsed;
    const checks = checkAgainstConfig(device, snapshot.device, emu, overrides);
    if (elf?.version && snapshot.device.version && elf.version !== snapshot.device.version) {
      // Another release's ELF describes another build: its addresses say nothing about this device.
      checks.unshift({
        what: 'firmware ELF',
        ok: false,
        platform: true,
        device: snapshot.device.version,
        config: `v${elf.version} (${elf.file})`,
        explain: "the ELF is not this device's firmware: give the ELF of the build the device runs",
      });
    }
    const notes: string[] = [];
    for (const i of device.issues.filter((x) => x.severity === 'error').slice(0, 5)) notes.push(`device dump line ${i.line}: ${i.message}`);
    // Why a capture is incomplete (or what the setup script raised) is in the snapshot's notes.
    if (!snapshot.complete) notes.push('the device capture is incomplete');
    notes.push(...snapshot.notes.map((n) => `device capture: ${n}`));
    if (emu.board.notes.length) notes.push(...emu.board.notes);
    let c = compareDumps(
      { label: `device ${snapshot.port ?? args.port} (MicroPython ${snapshot.device.version ?? '?'}${snapshot.device.platform ? ' ' + snapshot.device.platform : ''})`, parsed: device },
      { label: `emulator: ${spec.id} (${spec.file ?? spec.name}), boot-time heap model after gc.collect()`, parsed: emu.parsed },
      { relative: runTimeAddresses(spec) },
    );
    if (args.script !== undefined) {
      // What the script built exists only on the device: the comparable parts are the layout
      // and the totals the layout fixes.
      notes.push(`${args.script} ran on the device only (the emulator cannot run Python): used/free, letters and the block map are the device's alone; compare the layout and totals`);
      c = deviceOnlyComparison(c, `${args.script} ran on the device only; the emulator has no counterpart for what it built`);
    } else {
      notes.push('the emulator side is the engine\'s model of the REPL\'s boot-time objects: the layout must match exactly; used blocks and the map show how far the device\'s real contents are from that model');
    }
    const color = useColor(args.color);
    const header = (file ? `saved device snapshot ${file}\n` : '') + picked + (elf ? formatElfReport(elf) + '\n' : '') + checksText(checks, spec.file ?? spec.id, color);
    writeComparison(c, device, emu.parsed, args, {
      title: `mcu-gc compare --board=${spec.id}`,
      notes,
      header,
      json: { board: spec.id, snapshot: file ?? null, checks, ...(elf ? { elf } : {}), device: { identity: snapshot.device, footprint: snapshot.footprint } },
    });
    // A layout that does not match the config, or another platform, is a failed check.
    const platformBad = checks.some((x) => x.platform && !x.ok && x.what !== 'MicroPython version');
    process.exitCode = c.layout.match && !platformBad ? 0 : 1;
  },
};

export default command;
