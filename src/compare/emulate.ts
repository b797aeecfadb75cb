// The emulator's side of `compare`: the board built from its config (with any what-if
// flags), the interpreter's boot-time heap as the engine models it, gc.collect(), and the
// mem_info(1) text py/gc.c would print for it — parsed by the same parser as the device's.
// Then the device's own numbers are checked against the config, and every mismatch gets a
// reason and the flag that would make the config match.

import { type BoardMachine, type BoardOverrides, type BoardSpec, buildBoard } from '../../emulator/board.js';
import { isV19 } from '../../emulator/config.js';
import { computeAreaLayout } from '../../emulator/layout.js';
import { memInfoText } from '../../emulator/mem-info.js';
import { bootState } from '../../emulator/workloads/boot.js';
import { Mutator } from '../../emulator/workloads/mutator.js';
import { type ParsedMemInfo, parseMemInfo } from '../memdump/index.js';
import type { DeviceIdentity } from '../capture/snapshot.js';
import { profileFor } from '../capture/device.js';
import { hx } from './summary.js';

export interface EmulatedDump {
  board: BoardMachine;
  text: string;
  parsed: ParsedMemInfo;
}

/** Boots the board in the engine, models the REPL's boot-time objects, collects, dumps. */
export function emulatedDump(spec: BoardSpec, overrides: BoardOverrides = {}): EmulatedDump {
  const board = buildBoard(spec, overrides);
  const mut = new Mutator(board.machine);
  bootState(mut);
  mut.collect();
  const text = memInfoText(board.machine, {
    verbose: true,
    stack: board.stackLine,
    memStats: spec.memStats ? { total: mut.stats.bytesRequested, current: mut.stats.currentBytes, peak: mut.stats.peakBytes } : null,
  });
  return { board, text, parsed: parseMemInfo(text) };
}

export interface ConfigCheck {
  /** What was checked, e.g. "pool start". */
  what: string;
  ok: boolean;
  device?: string;
  config?: string;
  /** Why they may differ and what to do. */
  explain?: string;
}

/**
 * The device's pool start, total, block size, version and stack limit against the config.
 * `overrides` are the what-if flags the user gave (to say which suggestion is new).
 */
export function checkAgainstConfig(
  device: ParsedMemInfo,
  identity: DeviceIdentity,
  emu: EmulatedDump,
  overrides: BoardOverrides,
): ConfigCheck[] {
  const out: ConfigCheck[] = [];
  const spec = emu.board.spec;
  const cfg = emu.board.config;
  const file = spec.file ?? `the ${spec.id} config`;

  // MicroPython version → which py/gc.c the board follows.
  const devProfile = profileFor(identity.version);
  const cfgVer = /^v?(\d+\.\d+(?:\.\d+)?)/.exec(spec.micropython)?.[1];
  if (identity.version) {
    const sameMinor = cfgVer !== undefined && identity.version.split('.').slice(0, 2).join('.') === cfgVer.split('.').slice(0, 2).join('.');
    const c: ConfigCheck = { what: 'MicroPython version', ok: sameMinor, device: identity.version, config: spec.micropython };
    if (!sameMinor) {
      c.explain =
        devProfile && devProfile !== cfg.version
          ? `the config describes ${spec.micropython} (py/gc.c profile ${cfg.version}); this firmware's GC follows ${devProfile}: pass --gc-version ${devProfile}`
          : `the config's facts are from ${spec.micropython}; the GC algorithm is the same (profile ${cfg.version}), but RAM use at boot and the heap placement can differ`;
    }
    out.push(c);
  }

  if (device.offsetDigits !== undefined) {
    const want = isV19(cfg.version) ? 5 : 8;
    if (device.offsetDigits !== want) {
      out.push({
        what: 'dump format',
        ok: false,
        device: `${device.offsetDigits}-digit line offsets`,
        config: `${want}-digit (profile ${cfg.version})`,
        explain: `${device.offsetDigits === 5 ? 'up to v1.19' : 'from v1.20'} MicroPython prints ${device.offsetDigits}-digit offsets: the firmware is ${device.offsetDigits === 5 ? 'older' : 'newer'} than the config's GC profile (--gc-version)`,
      });
    }
  }

  if (device.blockSize !== undefined) {
    const ok = device.blockSize === cfg.blockSize;
    const c: ConfigCheck = { what: 'block size', ok, device: String(device.blockSize), config: String(cfg.blockSize) };
    if (!ok) c.explain = `MICROPY_BYTES_PER_GC_BLOCK differs: this firmware was built with ${device.blockSize}; pass --block-size ${device.blockSize}`;
    out.push(c);
  }

  const devSplitAuto = device.gc?.maxNewSplit !== undefined;
  if (device.gc && devSplitAuto !== cfg.splitAuto) {
    out.push({
      what: 'split-heap-auto',
      ok: false,
      device: devSplitAuto ? 'yes (max new split printed)' : 'no',
      config: cfg.splitAuto ? 'yes' : 'no',
      explain: `the firmware was built ${devSplitAuto ? 'with' : 'without'} MICROPY_GC_SPLIT_HEAP_AUTO, unlike ${file}`,
    });
  }

  const emuAreas = emu.parsed.areas;
  const d0 = device.areas[0];
  const e0 = emuAreas[0];
  if (d0 && e0) {
    const bs = device.blockSize ?? cfg.blockSize;
    const devTotal = d0.blocks * bs;
    const emuTotal = e0.blocks * cfg.blockSize;
    const startOk = d0.start === e0.start;
    const totalOk = devTotal === emuTotal;
    const suggest = suggestPlacement(emu, d0.start, devTotal);
    const c1: ConfigCheck = { what: 'pool start (area 0)', ok: startOk, device: hx(d0.start), config: hx(e0.start) };
    const c2: ConfigCheck = { what: 'pool size (area 0)', ok: totalOk, device: `${devTotal} bytes`, config: `${emuTotal} bytes` };
    if (!startOk || !totalOk) {
      const h = spec.heap;
      let why: string;
      if (h.placement === 'malloc') {
        why = `the heap is malloc'd at start-up (${h.rule}); its size is a run-time choice, and the config's ${h.end - h.start} bytes at ${hx(h.start)} is a default`;
      } else if (h.placement === 'linker') {
        why = `the config's heap start ${hx(h.start)} is a default for one build's end of .bss (${h.rule}); your firmware's .bss ends elsewhere`;
      } else {
        why = `the heap is a static array (${h.rule}): where the linker puts it depends on the build`;
      }
      const flags = suggest ?? `--pool-start ${hx(d0.start)} --pool-total ${devTotal}`;
      const explain = `${why}; pass ${flags} to use the device's`;
      if (!startOk) c1.explain = explain;
      if (!totalOk) c2.explain = startOk ? explain : 'the same cause as the pool start';
    }
    out.push(c1, c2);
  }
  if (device.areas.length !== emuAreas.length) {
    const more = device.areas.length - emuAreas.length;
    out.push({
      what: 'heap areas',
      ok: false,
      device: String(device.areas.length),
      config: String(emuAreas.length),
      explain:
        more > 0 && devSplitAuto
          ? `split-heap-auto grew ${more} extra area(s) on the device at run time (the emulator's board is freshly booted)`
          : more > 0
            ? `the device has ${more} area(s) more than the config adds at boot (PSRAM fitted? gc_add in boot code?)`
            : `the config adds ${-more} area(s) the device does not have (no PSRAM fitted on this board?)`,
    });
  }
  if (device.stack && emu.parsed.stack) {
    const dl = device.stack.limit;
    const el = emu.parsed.stack.limit;
    const ok = dl === el;
    const c: ConfigCheck = { what: 'stack limit', ok, device: dl === undefined ? 'none printed' : String(dl), config: el === undefined ? 'none' : String(el) };
    if (!ok) c.explain = 'the C stack size or MICROPY_STACK_CHECK_MARGIN differs from the config (does not change the heap)';
    out.push(c);
  }
  void overrides;
  return out;
}

/** Flags that make the config's heap produce this pool: --heap-size when only the size differs. */
function suggestPlacement(emu: EmulatedDump, poolStart: number, total: number): string | undefined {
  const spec = emu.board.spec;
  const cfg = emu.board.config;
  const start = emu.board.heapStart;
  const end = poolStart + total;
  // The pool is anchored at the block-aligned end: a heap [start, end) gives exactly this pool
  // only if gc_setup_area's arithmetic agrees.
  for (const e of [end, end + 1, end + 2, end + 3, end + 4, end + 8]) {
    if (e <= start) break;
    try {
      const l = computeAreaLayout(cfg, start, e);
      if (l.poolStart === poolStart && l.poolBytes === total && !spec.heap.endFixed) return `--heap-size ${e - start}`;
    } catch {
      /* too small */
    }
  }
  return undefined;
}
