// The what-if flags `layout` and `run` share (--block-size, --gc-stack, --threshold,
// --heap-size, --gc-version, --heap-start, --pool-start/--pool-total), parsed into
// BoardOverrides, plus `--vs "esp32s3 --block-size 32"` specs.

import yargs, { type Argv } from 'yargs';
import type { BoardOverrides } from '../../emulator/board.js';
import { GC_VERSIONS, type GcVersion } from '../../emulator/config.js';
import { UserError } from '../errors.js';
import { setPortsDirs } from './load.js';

export interface PortsDirArgs {
  'ports-dir'?: string[] | undefined;
}

/**
 * --ports-dir DIR (repeatable): folders of the user's own board configs, searched before
 * MCU_GC_PORTS and the shipped ports/. Every command that takes --board has it (layout, run,
 * check, boards, compare, capture, record).
 */
export function withPortsDirOption<T>(y: Argv<T>): Argv<T & PortsDirArgs> {
  return y
    .option('ports-dir', {
      type: 'string',
      array: true,
      requiresArg: true,
      describe: 'a folder of your own board configs (*.yaml), searched before $MCU_GC_PORTS (DIR:DIR) and the shipped ones',
      group: 'Boards:',
    })
    .middleware((a) => {
      const dirs = (a as PortsDirArgs)['ports-dir'];
      if (dirs !== undefined) setPortsDirs(dirs.flatMap((d) => String(d).split(':')).filter((d) => d !== ''));
    }) as Argv<T & PortsDirArgs>;
}

export interface OverrideArgs {
  'block-size'?: string | undefined;
  'gc-stack'?: string | undefined;
  threshold?: string | undefined;
  'heap-size'?: string | undefined;
  'gc-version'?: string | undefined;
  'heap-start'?: string | undefined;
  'pool-start'?: string | undefined;
  'pool-total'?: string | undefined;
  /** A collection-trigger model (emulator/pacing.ts), not a board override: run applies it. */
  pacing?: string | undefined;
  /** The firmware's ELF: its symbols replace the config's link-dependent values (src/elf/board.ts). */
  elf?: string | undefined;
}

export function withOverrideOptions<T>(y: Argv<T>): Argv<T & OverrideArgs> {
  return y
    .option('block-size', { type: 'string', describe: 'MICROPY_BYTES_PER_GC_BLOCK (power of two)', group: 'What-if overrides:' })
    .option('gc-stack', { type: 'string', describe: 'MICROPY_ALLOC_GC_STACK_SIZE (mark-stack entries)', group: 'What-if overrides:' })
    .option('threshold', { type: 'string', describe: "gc.threshold() at boot, in bytes ('off' or -1 to disable)", group: 'What-if overrides:' })
    .option('heap-size', { type: 'string', describe: 'bytes given to gc_init (e.g. 65536, 64K, 2M)', group: 'What-if overrides:' })
    .option('gc-version', { type: 'string', choices: [...GC_VERSIONS], describe: 'py/gc.c profile to follow', group: 'What-if overrides:' })
    .option('heap-start', { type: 'string', describe: "gc_init's start, e.g. your firmware's _ebss / __bss_end__", group: 'Heap placement:' })
    .option('pool-start', {
      type: 'string',
      describe: 'from a captured mem_info(1): the address in "GC memory layout; from ADDR" (hex)',
      group: 'Heap placement:',
    })
    .option('elf', {
      type: 'string',
      describe: "the firmware's ELF (with symbols): its heap, root range, stack top and mp_type_* addresses replace the config's",
      group: 'Heap placement:',
    })
    .option('pool-total', { type: 'string', describe: 'from a captured mem_info(1): the N in "GC: total: N" (first area)', group: 'Heap placement:' })
    .option('pacing', {
      type: 'string',
      describe:
        'collection trigger what-if: stock | off | threshold:BYTES | gogc:PERCENT[,min=BYTES] (Go) | live:FACTOR[,min=OBJECTS] (CPython free-threaded)',
      group: 'What-if overrides:',
    }) as Argv<
    T & OverrideArgs
  >;
}

/** 65536, 0x10000, 64K, 64KiB, 2M, 2MiB. */
export function parseSize(text: string, flag: string): number {
  const m = /^\s*(0x[0-9a-f]+|\d+)\s*(k|kb|kib|m|mb|mib)?\s*$/i.exec(text);
  if (!m) throw new UserError(`--${flag}: '${text}' is not a size (e.g. 65536, 0x10000, 64K, 2M)`);
  let n = Number(m[1]);
  const unit = (m[2] ?? '').toLowerCase();
  if (unit.startsWith('k')) n *= 1024;
  else if (unit.startsWith('m')) n *= 1024 * 1024;
  if (!Number.isSafeInteger(n)) throw new UserError(`--${flag}: '${text}' is too large`);
  return n;
}

export function parseAddress(text: string, flag: string): number {
  const t = text.trim();
  // mem_info prints the pool address without 0x: accept bare hex too.
  const m = /^(?:0x)?([0-9a-f]+)$/i.exec(t);
  if (!m) throw new UserError(`--${flag}: '${text}' is not an address (hex, e.g. 0x20004a00 or 20004a00)`);
  const n = parseInt(m[1]!, 16);
  if (!Number.isSafeInteger(n)) throw new UserError(`--${flag}: '${text}' is too large`);
  return n;
}

export function overridesFrom(a: OverrideArgs): BoardOverrides {
  const o: BoardOverrides = {};
  if (a['block-size'] !== undefined) o.blockSize = parseSize(a['block-size'], 'block-size');
  if (a['gc-stack'] !== undefined) o.gcStack = parseSize(a['gc-stack'], 'gc-stack');
  if (a.threshold !== undefined) {
    const t = a.threshold.trim().toLowerCase();
    o.threshold = t === 'off' || t === '-1' || t === 'none' ? null : parseSize(a.threshold, 'threshold');
  }
  if (a['heap-size'] !== undefined) o.heapSize = parseSize(a['heap-size'], 'heap-size');
  if (a['gc-version'] !== undefined) {
    if (!(GC_VERSIONS as readonly string[]).includes(a['gc-version'])) {
      throw new UserError(`--gc-version: '${a['gc-version']}' is not one of ${GC_VERSIONS.join(', ')}`);
    }
    o.gcVersion = a['gc-version'] as GcVersion;
  }
  if (a['heap-start'] !== undefined) o.heapStart = parseAddress(a['heap-start'], 'heap-start');
  const ps = a['pool-start'];
  const pt = a['pool-total'];
  if ((ps === undefined) !== (pt === undefined)) throw new UserError('--pool-start and --pool-total go together (both from one mem_info(1) capture)');
  if (ps !== undefined && pt !== undefined) {
    if (a['heap-start'] !== undefined || a['heap-size'] !== undefined) {
      throw new UserError('--pool-start/--pool-total place the heap already: drop --heap-start/--heap-size');
    }
    o.pool = { start: parseAddress(ps, 'pool-start'), total: parseSize(pt, 'pool-total') };
  }
  return o;
}

/** A `--vs` spec: "esp32s3", "--block-size 32" (same board) or "esp32 --block-size 32". */
export function parseVsSpec(spec: string, defaultBoard: string): { board: string; overrides: BoardOverrides; label: string; pacing?: string } {
  const tokens = spec.trim().split(/\s+/).filter(Boolean);
  if (tokens.length === 0) throw new UserError('--vs: give a board and/or flags, e.g. --vs esp32s3 or --vs "--block-size 32"');
  const board = tokens[0]!.startsWith('-') ? defaultBoard : tokens.shift()!;
  let parsed: OverrideArgs & { _: unknown[] };
  try {
    parsed = withOverrideOptions(yargs(tokens).strict().exitProcess(false).help(false).version(false).fail((msg) => {
      throw new UserError(`--vs "${spec}": ${msg}`);
    })).parseSync() as OverrideArgs & { _: unknown[] };
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`--vs "${spec}": ${(e as Error).message}`);
  }
  if (parsed._.length > 0) throw new UserError(`--vs "${spec}": unexpected '${String(parsed._[0])}' (one board, then flags)`);
  return { board, overrides: overridesFrom(parsed), label: spec.trim(), ...(parsed.pacing !== undefined ? { pacing: parsed.pacing } : {}) };
}
