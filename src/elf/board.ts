// `--elf FILE` for the board commands: the board config with the firmware's own facts in
// place of the config's link-dependent values, so the ELF feeds the same path as any board
// (board config → memory map → engine). What the ELF set is reported, value by value.

import type { BoardSpec } from '../../emulator/board.js';
import { loadBoard } from '../boards/load.js';
import { UserError } from '../errors.js';
import { type ElfApplied, type FirmwareFacts, applyFirmware, bannerBoardName, hintsFor, loadFirmware } from './firmware.js';
import { readElf } from './read.js';
import { isV19 } from '../../emulator/config.js';
import { profileFor } from '../capture/device.js';

export interface ElfReport {
  file: string;
  /** MicroPython version from the image's banner, when found. */
  version?: string;
  applied: ElfApplied[];
  notes: string[];
}

export interface BoardWithElf {
  spec: BoardSpec;
  elf?: ElfReport;
  facts?: FirmwareFacts;
}

/** The board by name, with the ELF's facts applied when a file is given. */
export async function boardSpecWithElf(board: string | BoardSpec | undefined, elfPath?: string): Promise<BoardWithElf> {
  if (board === undefined && elfPath === undefined) throw new UserError('give --board NAME (see mcu-gc boards), or --elf FIRMWARE.elf to pick it from the firmware');
  let spec: BoardSpec;
  const notes: string[] = [];
  if (board === undefined) {
    const elf = await readElf(elfPath!);
    const names = bannerBoardName(elf);
    if (!names) throw new UserError(`${elfPath}: no board name in the firmware's banner ("MicroPython vX on DATE; BOARD with MCU"): give --board`);
    // MICROPY_HW_BOARD_NAME first (mps2-an385), else the MCU (RP2040) when one config has it.
    const found = pickBoard(names.board) ?? pickBoard(names.mcu);
    if (!found) throw new UserError(`${elfPath}: the firmware is for '${names.board} with ${names.mcu}', which no board config names (mcu-gc boards): give --board`);
    spec = found.spec;
    notes.push(`board ${spec.id}: the firmware's banner names '${found.name}'`);
  } else spec = typeof board === 'string' ? loadBoard(board) : board;
  if (elfPath === undefined) return { spec };
  const facts = await loadFirmware(elfPath, hintsFor(spec));
  if (facts.version) {
    // Another release with the same py/gc.c profile: the layout still follows; say so. Another
    // profile: this board cannot describe the firmware.
    const fwProfile = profileFor(facts.version.value);
    const same = fwProfile === spec.gc.version || (fwProfile === 'v1.9.4' && isV19(spec.gc.version));
    if (!same) {
      throw new UserError(
        `${elfPath}: MicroPython v${facts.version.value} (${facts.version.from}), but board ${spec.id} describes ${spec.micropython} (py/gc.c profile ${spec.gc.version}): pick the board for this firmware (mcu-gc boards)`,
      );
    }
    const cfg = /^v?(\d+\.\d+)/.exec(spec.micropython)?.[1];
    if (cfg !== /^(\d+\.\d+)/.exec(facts.version.value)?.[1]) {
      notes.push(`the firmware is MicroPython v${facts.version.value}, the board's facts are from ${spec.micropython} (same GC profile ${spec.gc.version}); values the ELF does not give may differ`);
    }
  }
  const applied = applyFirmware(spec, facts);
  notes.push(...applied.notes);
  const out: ElfReport = { file: elfPath, applied: applied.applied, notes };
  if (facts.version) out.version = facts.version.value;
  const inferredFromElf = applied.applied.filter((a) => a.inferred);
  if (inferredFromElf.length) notes.push(`${inferredFromElf.map((a) => a.key).join(', ')}: computed from the ELF with assumptions (see 'inferred')`);
  return { spec: { ...applied.spec, file: `${spec.file ?? spec.id} + ${elfPath}` }, elf: out, facts };
}

function pickBoard(name: string): { spec: BoardSpec; name: string } | undefined {
  try {
    return { spec: loadBoard(name), name };
  } catch {
    return undefined;
  }
}

/** The lines `layout`, `run` and `compare` print about what the ELF set. */
export function formatElfReport(r: ElfReport): string {
  const out = [`From the ELF ${r.file}${r.version ? ` (MicroPython v${r.version})` : ''}:`];
  for (const a of r.applied) out.push(`  ${a.key} = ${a.value}${a.was ? ` (config: ${a.was})` : ''} — ${a.from}`);
  for (const n of r.notes) out.push(`  note: ${n}`);
  return out.join('\n') + '\n';
}
