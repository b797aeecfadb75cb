// Builds and runs the C oracle: MicroPython's real py/gc.c compiled on the host with shims
// and the trace driver scripts/c-oracle/driver.c. One profile per trace `gc` line:
// - 'v1.9.2', 'v1.9.4': that version's gc.c with scripts/c-oracle/shim (v1.9.2's gc.c has
//   the same API; its mark stack pointer gc_sp is added to the shim's state when
//   MCU_GC_V192 is defined);
// - 'v1.27', 'v1.28': v1.27.0's / v1.28.0's gc.c (split heaps, gap byte,
//   gc_last_used_block, finaliser pass, v1.28's weakref table) with
//   scripts/c-oracle/shim-v128.
//
// gc.c is NOT in this repository. Each is read at build time from the reference sources
// beside the clone, ../shared/reference/micropython/<version>/py/gc.c (v1.9.4's from the seed
// file ../shared/seeds/002_cf4303cef0bd0e10.txt: a 2-line header, then the C source), or from
// the file an environment variable names: MCU_GC_V192_GC_C, MCU_GC_V194_GC_C,
// MCU_GC_V127_GC_C, MCU_GC_V128_GC_C. Without v1.27.0's file, a MCU_GC_V128_GC_C copy serves
// `gc v1.27` traces too, built without MICROPY_PY_WEAKREF (v1.28's algorithm without the WTB
// is v1.27's, FORMAT.md). The source is copied into a cache folder under os.tmpdir() and
// compiled there: one binary per compile-time combination, on demand (gcstack is a run-time
// value, see shim/py/mpconfig.h).

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type OracleProfile = 'v1.9.2' | 'v1.9.4' | 'v1.27' | 'v1.28';

export const ORACLE_PROFILES: readonly OracleProfile[] = ['v1.9.2', 'v1.9.4', 'v1.27', 'v1.28'];

/** Profiles built from a v1.27/v1.28-era gc.c (shim-v128). */
function modern(p: OracleProfile): boolean {
  return p === 'v1.27' || p === 'v1.28';
}

/** The configuration a binary is compiled for (the trace header's compile-time part). */
export interface OracleConfig {
  /** Which gc.c (default 'v1.9.4'). */
  profile?: OracleProfile;
  word: 4 | 8;
  block: number;
  finaliser: boolean;
  clear: boolean;
  /** MICROPY_GC_SPLIT_HEAP (v1.27/v1.28 profiles only). */
  split?: boolean;
  /** MICROPY_PY_WEAKREF (v1.28 profile only; false for gc v1.27). */
  weakref?: boolean;
  /** -O2 for the benchmark's native baseline; the oracle default is -O1. */
  optimise?: boolean;
}

export interface OracleResult {
  /** What the driver printed (ends with `CRASH at LINE\n` when crashed). */
  output: string;
  /** gc.c would have written outside the heap (v1.9.4's stale free-run count). */
  crashed: boolean;
}

const SEED_NAME = '002_cf4303cef0bd0e10.txt';

function repoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(d, 'package.json')) && existsSync(join(d, 'scripts', 'c-oracle', 'driver.c'))) return d;
    d = dirname(d);
  }
  throw new Error('c-oracle: cannot find the repository root (scripts/c-oracle/driver.c)');
}

const ROOT = repoRoot();
const SRC = join(ROOT, 'scripts', 'c-oracle');

const REFERENCE = resolve(ROOT, '..', 'shared', 'reference', 'micropython');

/** Where the v1.9.4 gc.c seed is expected. */
export function seedPath(): string {
  return process.env.MCU_GC_V194_GC_C || resolve(ROOT, '..', 'shared', 'seeds', SEED_NAME);
}

/** Where the v1.28 gc.c is expected: MCU_GC_V128_GC_C, else ../shared's v1.28.0. */
export function v128Path(): string {
  return process.env.MCU_GC_V128_GC_C || join(REFERENCE, 'v1.28.0', 'py', 'gc.c');
}

/**
 * Where the v1.27 gc.c is expected: MCU_GC_V127_GC_C, else ../shared's v1.27.0, else (neither
 * there) the v1.28 copy named by MCU_GC_V128_GC_C, built without weakref.
 */
export function v127Path(): string {
  if (process.env.MCU_GC_V127_GC_C) return process.env.MCU_GC_V127_GC_C;
  const ref = join(REFERENCE, 'v1.27.0', 'py', 'gc.c');
  return !existsSync(ref) && process.env.MCU_GC_V128_GC_C ? process.env.MCU_GC_V128_GC_C : ref;
}

/** Where the v1.9.2 gc.c is expected: MCU_GC_V192_GC_C, else ../shared's v1.9.2. */
export function v192Path(): string {
  return process.env.MCU_GC_V192_GC_C || join(REFERENCE, 'v1.9.2', 'py', 'gc.c');
}

/** The gc.c source file a profile builds from. */
export function sourcePath(profile: OracleProfile): string {
  switch (profile) {
    case 'v1.9.2':
      return v192Path();
    case 'v1.9.4':
      return seedPath();
    case 'v1.27':
      return v127Path();
    case 'v1.28':
      return v128Path();
  }
}

/** The environment variable that overrides a profile's gc.c. */
function envName(profile: OracleProfile): string {
  return `MCU_GC_V${profile.slice(1).replace(/\./g, '').slice(0, 3)}_GC_C`;
}

/** The v1.27/v1.28 gc.c's text, checked to have what the shims expect of it (v1.28: the WTB too). */
export function readGcC128(path = v128Path(), weakref = true): string {
  const body = readFileSync(path, 'utf8');
  const needles = ['void gc_add(void *start, void *end)', 'gc_sweep_free_blocks', 'gc_last_used_block', 'void *gc_alloc(size_t n_bytes, unsigned int alloc_flags)'];
  if (weakref) needles.push('gc_weakref_about_to_be_freed');
  for (const needle of needles) {
    if (!body.includes(needle)) throw new Error(`c-oracle: ${path} is not a ${weakref ? 'v1.28' : 'v1.27/v1.28'}-era py/gc.c (no '${needle}')`);
  }
  return body;
}

/**
 * A v1.9-era gc.c's text (the seed without its 2-line header), checked to be that version's:
 * v1.9.2 marks through gc_drain_stack, v1.9.4 through gc_mark_subtree.
 */
export function readGcC(path = seedPath(), version: 'v1.9.2' | 'v1.9.4' = 'v1.9.4'): string {
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  // The seed starts with "gc.c <size>" and a line of numbers; a plain gc.c starts with "/*".
  const body = lines[0]!.startsWith('gc.c') && /^[\d ]+$/.test(lines[1] ?? '') ? lines.slice(2).join('\n') : text;
  const marker = version === 'v1.9.2' ? 'gc_drain_stack' : 'gc_mark_subtree';
  if (!body.includes('void *gc_alloc(size_t n_bytes, bool has_finaliser)') || body.includes('gc_sweep_free_blocks') || !body.includes(marker)) {
    throw new Error(`c-oracle: ${path} is not MicroPython ${version}'s py/gc.c`);
  }
  return body;
}

/** The profile's gc.c text, checked. */
function readSource(profile: OracleProfile): string {
  const path = sourcePath(profile);
  if (profile === 'v1.9.2' || profile === 'v1.9.4') return readGcC(path, profile);
  // A v1.28 copy standing in for v1.27 has the WTB code too; v1.27.0's has none.
  return readGcC128(path, profile === 'v1.28');
}

function hasCompiler(args: string[]): boolean {
  const dir = join(tmpdir(), `mcu-gc-cc-probe-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  // The probe's program is of no use once it has run (unlike the build folders below, a cache).
  try {
    const src = join(dir, 'p.c');
    writeFileSync(src, 'int main(void){return sizeof(void*) == 0;}\n');
    const bin = join(dir, `p${args.join('')}`);
    const r = spawnSync('cc', [...args, src, '-o', bin], { encoding: 'utf8' });
    if (r.status !== 0) return false;
    return spawnSync(bin).status === 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const availability = new Map<OracleProfile, string | null>();
let compilers: string | null | undefined;

/** null when cc builds and runs 32-bit (-m32) programs here; otherwise why not. */
export function compilerProblem(): string | null {
  if (compilers !== undefined) return compilers;
  if (!hasCompiler([])) compilers = 'needs gcc: no working C compiler (cc; Debian package gcc)';
  else if (!hasCompiler(['-m32'])) compilers = 'needs gcc-multilib: cc -m32 does not link (Debian package gcc-multilib, for the 32-bit oracle)';
  else compilers = null;
  return compilers;
}

/**
 * null when the oracle for `profile` can run here; otherwise why not (no gc.c source, no C
 * compiler, no -m32).
 */
export function oracleUnavailable(profile: OracleProfile = 'v1.9.4'): string | null {
  const known = availability.get(profile);
  if (known !== undefined) return known;
  let why: string | null;
  const path = sourcePath(profile);
  if (!existsSync(path)) {
    why = process.env[envName(profile)]
      ? `${envName(profile)} names ${path}, which does not exist`
      : `needs ../shared: ${profile} gc.c not found at ${path} (or set ${envName(profile)} to a copy of MicroPython ${profile}'s py/gc.c)`;
  } else {
    try {
      readSource(profile);
      why = compilerProblem();
    } catch (e) {
      why = e instanceof Error ? e.message : String(e);
    }
  }
  availability.set(profile, why);
  return why;
}

const cacheDirs = new Map<OracleProfile, string>();

/** The build folder, keyed by the content of gc.c, the driver and the shims. */
function buildDir(profile: OracleProfile): string {
  const known = cacheDirs.get(profile);
  if (known) return known;
  const h = createHash('sha256');
  const gc = readSource(profile);
  h.update(profile).update(gc);
  // Headers that differ per profile, then the ones both share (shim-common).
  const shims = [modern(profile) ? 'shim-v128' : 'shim', 'shim-common'];
  const files = ['driver.c', ...shims.flatMap((d) => readdirSync(join(SRC, d, 'py')).sort().map((f) => join(d, 'py', f)))];
  for (const f of files) h.update(f).update(readFileSync(join(SRC, f)));
  const dir = join(tmpdir(), `mcu-gc-c-oracle-${h.digest('hex').slice(0, 16)}`);
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, 'gc.c'))) {
    const tmp = join(dir, `gc.c.${process.pid}`);
    writeFileSync(tmp, gc);
    renameSync(tmp, join(dir, 'gc.c'));
  }
  cacheDirs.set(profile, dir);
  return dir;
}

/** Path of the oracle binary for a configuration, compiling it if needed. */
export function oracleBinary(c: OracleConfig): string {
  const profile = c.profile ?? 'v1.9.4';
  const v128 = modern(profile);
  const dir = buildDir(profile);
  const tag = `gc${profile.slice(1).replace(/\./g, '').slice(0, 3)}`;
  const name = v128
    ? `${tag}-w${c.word}-b${c.block}-f${c.finaliser ? 1 : 0}-s${c.split ? 1 : 0}-r${c.weakref ? 1 : 0}-c${c.clear ? 1 : 0}`
    : `${tag}-w${c.word}-b${c.block}-f${c.finaliser ? 1 : 0}-c${c.clear ? 1 : 0}`;
  const bin = join(dir, name + (c.optimise ? '-O2' : ''));
  if (existsSync(bin)) return bin;
  const tmp = `${bin}.${process.pid}.tmp`;
  const args = [
    c.word === 4 ? '-m32' : '-m64',
    c.optimise ? '-O2' : '-O1',
    '-std=gnu99',
    // Fixed load address: the type objects (statics) stay far below the trace heaps.
    '-no-pie',
    '-fno-strict-aliasing',
    `-I${join(SRC, v128 ? 'shim-v128' : 'shim')}`,
    `-I${join(SRC, 'shim-common')}`,
    // v1.9.2's state has the mark stack pointer gc_sp (shim/py/mpstate.h).
    ...(profile === 'v1.9.2' ? ['-DMCU_GC_V192'] : []),
    // The v1.27/v1.28 profiles are built as a device build is: asserts off (gc_free of a
    // block with a WTB bit, for one, is an assert there and goes ahead on a device).
    ...(v128 ? ['-DNDEBUG', '-DMCU_GC_V128', `-DMICROPY_GC_SPLIT_HEAP=${c.split ? 1 : 0}`, `-DMICROPY_PY_WEAKREF=${c.weakref ? 1 : 0}`] : []),
    `-DMICROPY_BYTES_PER_GC_BLOCK=${c.block}`,
    `-DMICROPY_ENABLE_FINALISER=${c.finaliser ? 1 : 0}`,
    `-DMICROPY_GC_CONSERVATIVE_CLEAR=${c.clear ? 1 : 0}`,
    join(dir, 'gc.c'),
    join(SRC, 'driver.c'),
    '-o',
    tmp,
  ];
  const r = spawnSync('cc', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`c-oracle: building ${name} failed:\n${r.stderr}`);
  renameSync(tmp, bin);
  return bin;
}

/** The profile a trace's `gc` line asks for (FORMAT.md's default is v1.27). */
export function profileOfTrace(text: string): OracleProfile {
  const m = /^\s*gc\s+(\S+)/m.exec(text);
  const v = m?.[1] ?? 'v1.27';
  if (!(ORACLE_PROFILES as readonly string[]).includes(v)) throw new Error(`c-oracle: no oracle for 'gc ${v}'`);
  return v as OracleProfile;
}

/** The compile-time configuration a trace header asks for (defaults as FORMAT.md). */
export function configOfTrace(text: string): OracleConfig {
  const get = (key: string): string | undefined => {
    const m = new RegExp(`^\\s*${key}\\s+(\\S+)`, 'm').exec(text);
    return m?.[1];
  };
  const word = Number(get('word') ?? 4);
  if (word !== 4 && word !== 8) throw new Error(`c-oracle: word ${word}`);
  const profile = profileOfTrace(text);
  return {
    profile,
    word,
    block: Number(get('block') ?? 4 * word),
    finaliser: (get('finaliser') ?? '1') === '1',
    clear: (get('clear') ?? '0') === '1',
    split: (get('split') ?? '0') === '1',
    weakref: (get('weakref') ?? '0') === '1',
  };
}

/** Runs a trace through the real gc.c of its profile. Throws when the driver rejects the trace. */
export function runOracle(text: string): OracleResult {
  const config = configOfTrace(text);
  const bin = oracleBinary(config);
  // driver.c's header check knows the shim build as v1.9.4's; this binary holds v1.9.2's gc.c
  // (readGcC checked it), so its `gc` line is passed as the driver knows it (same line count).
  const input = config.profile === 'v1.9.2' ? text.replace(/^(\s*gc\s+)v1\.9\.2\b/m, '$1v1.9.4') : text;
  const r = spawnSync(bin, [], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status === 0) return { output: r.stdout, crashed: false };
  if (r.status === 3) return { output: r.stdout, crashed: true };
  throw new Error(`c-oracle: driver failed (status ${r.status ?? r.signal}): ${r.stderr.trim()}`);
}
