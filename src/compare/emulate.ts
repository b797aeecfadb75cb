// The emulator's side of `compare`: the board built from its config (with any what-if
// flags), the interpreter's boot-time heap as the engine models it, gc.collect(), and the
// mem_info(1) text py/gc.c would print for it — parsed by the same parser as the device's.
// Then the device's own numbers are checked against the config, and every mismatch gets a
// reason and the flag that would make the config match.

import { type BoardMachine, type BoardOverrides, type BoardSpec, buildBoard, heapStartForPool } from '../../emulator/board.js';
import { isV19 } from '../../emulator/config.js';
import { computeAreaLayout } from '../../emulator/layout.js';
import { memInfoText } from '../../emulator/mem-info.js';
import { bootState } from '../../emulator/workloads/boot.js';
import { Mutator } from '../../emulator/workloads/mutator.js';
import { type ParsedMemInfo, parseMemInfo } from '../memdump/index.js';
import type { DeviceIdentity } from '../capture/snapshot.js';
import { profileFor } from '../capture/device.js';
import { hx } from './summary.js';
import { listBoards } from '../boards/load.js';
import { boardsFor, platformChecks } from './platform.js';

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
  /** A platform check (port, chip, word size, version): listed first; a failed one stops flag suggestions. */
  platform?: boolean;
  /** Flags (as typed) that were checked to make this mismatch go away. */
  fix?: string[];
}

/** Do these two dumps' heaps sit at run-time addresses (malloc'd), to be compared relative to the pool start? */
export function runTimeAddresses(spec: BoardSpec): boolean {
  return spec.heap.placement === 'malloc';
}

/**
 * The device's platform, pool start, total, block size and stack limit against the config.
 * `overrides` are the what-if flags the user gave: a suggested fix replaces their placement
 * flags and is verified by building the board with it before it is shown.
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

  // The platform first: no flag makes an ESP32 config describe a WebAssembly heap.
  const plat = platformChecks(identity, spec, cfg.wordSize);
  for (const p of plat) out.push({ ...p, platform: true });
  const platformOk = plat.every((p) => p.ok || p.what === 'MicroPython version');
  if (!platformOk) {
    const bad = plat.find((p) => !p.ok && p.what !== 'MicroPython version')!;
    const cands = boardsFor(identity, listBoards());
    bad.explain = `${bad.explain ?? ''}; ${cands.length ? `compare with ${cands.map((b) => `--board=${b}`).join(' or ')}` : 'no board config in mcu-gc describes this device yet'}`;
    out.find((c) => c.what === bad.what)!.explain = bad.explain;
  }
  const versionCheck = plat.find((p) => p.what === 'MicroPython version');
  if (versionCheck && !versionCheck.ok && platformOk) {
    const dp = profileFor(identity.version);
    if (dp && dp !== cfg.version && !(dp === 'v1.9.4' && cfg.version.startsWith('v1.9'))) {
      const fixed = { ...overrides, gcVersion: dp };
      if (buildsAt(spec, fixed)) {
        const c = out.find((x) => x.what === 'MicroPython version')!;
        c.explain += `: pass --gc-version ${dp}`;
        c.fix = ['--gc-version', dp];
      }
    }
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
    if (!ok) {
      c.explain = `MICROPY_BYTES_PER_GC_BLOCK differs: this firmware was built with ${device.blockSize}`;
      if (platformOk && buildsAt(spec, { ...overrides, blockSize: device.blockSize })) {
        c.explain += `; pass --block-size ${device.blockSize}`;
        c.fix = ['--block-size', String(device.blockSize)];
      }
    }
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
  const relative = runTimeAddresses(spec);
  if (d0 && e0) {
    const bs = device.blockSize ?? cfg.blockSize;
    const devTotal = d0.blocks * bs;
    const emuTotal = e0.blocks * cfg.blockSize;
    const startOk = relative || d0.start === e0.start;
    const totalOk = devTotal === emuTotal;
    const c1: ConfigCheck = { what: 'pool start (area 0)', ok: startOk, device: hx(d0.start), config: hx(e0.start) };
    if (relative) c1.explain = `run-time address (the heap is malloc'd: ${spec.heap.rule}); the heaps are compared relative to their pool start`;
    const c2: ConfigCheck = { what: 'pool size (area 0)', ok: totalOk, device: `${devTotal} bytes`, config: `${emuTotal} bytes` };
    if (!startOk || !totalOk) {
      const h = spec.heap;
      let why: string;
      if (h.placement === 'malloc') {
        why = `the heap is malloc'd at start-up (${h.rule}); its size is a run-time choice, and the config's ${h.end - h.start} bytes is a default`;
      } else if (h.placement === 'linker') {
        why = `the config's heap start ${hx(h.start)} is a default for one build's end of .bss (${h.rule}); your firmware's .bss ends elsewhere`;
      } else {
        why = `the heap is a static array (${h.rule}): where the linker puts it depends on the build`;
      }
      const inferredHeap = Object.keys(spec.inferred).filter((k) => k === 'heap' || k.startsWith('heap.'));
      if (inferredHeap.length && platformOk) why += ` (the config marks ${inferredHeap.join(', ')} as inferred: the device contradicts it)`;
      let explain: string;
      let fix: string[] | undefined;
      if (!platformOk) {
        explain = `${why}; the platform differs (above): pick the right board before any placement flag`;
      } else {
        fix = suggestPlacement(emu, overrides, d0.start, devTotal, bs, relative);
        explain = fix
          ? `${why}; pass ${fix.join(' ')}${placementGiven(overrides) ? ' (instead of your placement flags)' : ''} to use the device's${relative ? ' size' : ''}`
          : `${why}; no placement flags reproduce a pool of ${devTotal} bytes at ${hx(d0.start)} on this board's memory map: the firmware's build differs more (--elf FIRMWARE.elf reads its symbols)`;
      }
      if (!startOk) {
        c1.explain = explain;
        if (fix) c1.fix = fix;
      }
      if (!totalOk) {
        c2.explain = startOk ? explain : 'the same cause as the pool start';
        if (fix && startOk) c2.fix = fix;
      }
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
  // With placement flags the config's heap values were not used: only what is left can be contradicted.
  const contradicted = platformOk ? contradictedInferred(spec, device, out).filter((c) => !(placementGiven(overrides) && c.key.startsWith('heap'))) : [];
  if (contradicted.length) {
    out.push({
      what: 'inferred values',
      ok: false,
      device: 'contradicts',
      config: contradicted.map((c) => c.key).join(', '),
      explain: contradicted.map((c) => `${c.key} (${c.why}): ${c.device}`).join('; '),
    });
  }
  return out;
}

/** The config's inferred values the device's dump shows to be otherwise. */
function contradictedInferred(spec: BoardSpec, device: ParsedMemInfo, checks: ConfigCheck[]): Array<{ key: string; why: string; device: string }> {
  const out: Array<{ key: string; why: string; device: string }> = [];
  const inf = spec.inferred;
  const failed = (what: string): ConfigCheck | undefined => checks.find((c) => c.what === what && !c.ok);
  const start = failed('pool start (area 0)');
  const size = failed('pool size (area 0)');
  for (const key of Object.keys(inf)) {
    if ((key === 'heap.start' || key === 'heap') && start) out.push({ key, why: inf[key]!, device: `pool at ${start.device}` });
    else if ((key === 'heap.end' || key === 'heap.size') && size) out.push({ key, why: inf[key]!, device: `pool of ${size.device}` });
    else if (key === 'stack.used' && device.stack?.used !== undefined && device.stack.used !== spec.stack.used) {
      out.push({ key, why: inf[key]!, device: `stack: ${device.stack.used} in use (config ${spec.stack.used})` });
    }
  }
  return out;
}

function placementGiven(o: BoardOverrides): boolean {
  return o.pool !== undefined || o.heapStart !== undefined || o.heapSize !== undefined;
}

function buildsAt(spec: BoardSpec, o: BoardOverrides): BoardMachine | undefined {
  try {
    return buildBoard(spec, o);
  } catch {
    return undefined;
  }
}

/**
 * Placement flags that make this board's first area exactly the device's pool, checked by
 * building the board with them (replacing the user's own placement flags): --heap-size when
 * only the size differs, else --pool-start/--pool-total; for a malloc'd heap only the size.
 */
function suggestPlacement(emu: EmulatedDump, given: BoardOverrides, poolStart: number, total: number, bs: number, relative: boolean): string[] | undefined {
  const spec = emu.board.spec;
  const cfg = emu.board.config;
  const base: BoardOverrides = { ...given };
  delete base.pool;
  delete base.heapStart;
  delete base.heapSize;
  const matches = (o: BoardOverrides): boolean => {
    const b = buildsAt(spec, o);
    const a = b?.areas[0];
    return !!a && a.blocks * bs === total && a.blocks * b.config.blockSize === total && (relative || a.poolStart === poolStart);
  };
  const cands: Array<{ flags: string[]; o: BoardOverrides }> = [];
  const start = emu.board.heapStart;
  if (!spec.heap.endFixed && !relative) {
    // Same start, the size that gives this pool.
    for (let e = poolStart + total - 8; e <= poolStart + total + 8; e++) {
      if (e <= start) continue;
      try {
        const l = computeAreaLayout(cfg, start, e);
        if (l.poolBytes === total && (relative || l.poolStart === poolStart)) {
          cands.push({ flags: ['--heap-size', String(e - start)], o: { ...base, heapSize: e - start } });
          break;
        }
      } catch {
        /* too small */
      }
    }
  }
  if (relative) {
    // A malloc'd heap: any start will do; the gc_init size that gives this pool at the config's start.
    try {
      const end = start + 2 * total + 4096;
      const n0 = end - heapStartForPool(cfg, end, total);
      // Of the sizes that give this pool, a whole KiB if there is one (what a user passes).
      const fits: number[] = [];
      for (let n = n0 - 16; n <= n0 + 1024; n++) {
        try {
          if (computeAreaLayout(cfg, start, start + n).poolBytes === total) fits.push(n);
        } catch {
          /* too small */
        }
      }
      const n = fits.find((x) => x % 1024 === 0) ?? fits[0];
      if (n !== undefined) cands.push({ flags: ['--heap-size', String(n)], o: { ...base, heapSize: n } });
    } catch {
      /* no size gives it */
    }
  } else {
    cands.push({ flags: ['--pool-start', hx(poolStart), '--pool-total', String(total)], o: { ...base, pool: { start: poolStart, total } } });
  }
  return cands.find((c) => matches(c.o))?.flags;
}
