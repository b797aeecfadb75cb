// Builds and runs the C oracle: MicroPython v1.9.4's real py/gc.c compiled on the host with
// the shims in scripts/c-oracle/shim and the trace driver scripts/c-oracle/driver.c.
//
// gc.c is NOT in this repository. It is read at build time from the seed file
// ../shared/seeds/002_cf4303cef0bd0e10.txt (a 2-line header, then the C source) or from the
// file named by MCU_GC_V194_GC_C, stripped into a cache folder under os.tmpdir(), and
// compiled there: one binary per (word, block, finaliser, clear) combination, on demand
// (gcstack is a run-time value, see shim/py/mpconfig.h).

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The configuration a binary is compiled for (the trace header's compile-time part). */
export interface OracleConfig {
  word: 4 | 8;
  block: number;
  finaliser: boolean;
  clear: boolean;
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

/** Where the v1.9.4 gc.c seed is expected. */
export function seedPath(): string {
  return process.env.MCU_GC_V194_GC_C ?? resolve(ROOT, '..', 'shared', 'seeds', SEED_NAME);
}

/** gc.c's text: the seed without its 2-line header (checked to be v1.9.4's gc.c). */
export function readGcC(path = seedPath()): string {
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  // The seed starts with "gc.c <size>" and a line of numbers; a plain gc.c starts with "/*".
  const body = lines[0]!.startsWith('gc.c') && /^[\d ]+$/.test(lines[1] ?? '') ? lines.slice(2).join('\n') : text;
  if (!body.includes('void *gc_alloc(size_t n_bytes, bool has_finaliser)') || body.includes('gc_sweep_free_blocks')) {
    throw new Error(`c-oracle: ${path} is not MicroPython v1.9.4's py/gc.c`);
  }
  return body;
}

function hasCompiler(args: string[]): boolean {
  const dir = join(tmpdir(), `mcu-gc-cc-probe-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const src = join(dir, 'p.c');
  writeFileSync(src, 'int main(void){return sizeof(void*) == 0;}\n');
  const bin = join(dir, `p${args.join('')}`);
  const r = spawnSync('cc', [...args, src, '-o', bin], { encoding: 'utf8' });
  if (r.status !== 0) return false;
  return spawnSync(bin).status === 0;
}

let availability: string | null | undefined;

/** null when the oracle can run here; otherwise why not (no seed, no C compiler, no -m32). */
export function oracleUnavailable(): string | null {
  if (availability !== undefined) return availability;
  const seed = seedPath();
  if (!existsSync(seed)) availability = `v1.9.4 gc.c not found at ${seed} (set MCU_GC_V194_GC_C to a copy of MicroPython v1.9.4's py/gc.c)`;
  else if (!hasCompiler([])) availability = 'no working C compiler (cc)';
  else if (!hasCompiler(['-m32'])) availability = 'cc -m32 does not link (install gcc-multilib for the 32-bit oracle)';
  else availability = null;
  return availability;
}

let cacheDir: string | undefined;

/** The build folder, keyed by the content of gc.c, the driver and the shims. */
function buildDir(): string {
  if (cacheDir) return cacheDir;
  const h = createHash('sha256');
  const gc = readGcC();
  h.update(gc);
  const files = ['driver.c', ...readdirSync(join(SRC, 'shim', 'py')).sort().map((f) => join('shim', 'py', f))];
  for (const f of files) h.update(f).update(readFileSync(join(SRC, f)));
  const dir = join(tmpdir(), `mcu-gc-c-oracle-${h.digest('hex').slice(0, 16)}`);
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, 'gc.c'))) {
    const tmp = join(dir, `gc.c.${process.pid}`);
    writeFileSync(tmp, gc);
    renameSync(tmp, join(dir, 'gc.c'));
  }
  cacheDir = dir;
  return dir;
}

/** Path of the oracle binary for a configuration, compiling it if needed. */
export function oracleBinary(c: OracleConfig): string {
  const dir = buildDir();
  const name = `gc194-w${c.word}-b${c.block}-f${c.finaliser ? 1 : 0}-c${c.clear ? 1 : 0}`;
  const bin = join(dir, name);
  if (existsSync(bin)) return bin;
  const tmp = `${bin}.${process.pid}.tmp`;
  const args = [
    c.word === 4 ? '-m32' : '-m64',
    '-O1',
    '-std=gnu99',
    // Fixed load address: the type objects (statics) stay far below the trace heaps.
    '-no-pie',
    '-fno-strict-aliasing',
    `-I${join(SRC, 'shim')}`,
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

/** The compile-time configuration a v1.9.4 trace header asks for (defaults as FORMAT.md). */
export function configOfTrace(text: string): OracleConfig {
  const get = (key: string): string | undefined => {
    const m = new RegExp(`^\\s*${key}\\s+(\\S+)`, 'm').exec(text);
    return m?.[1];
  };
  const word = Number(get('word') ?? 4);
  if (word !== 4 && word !== 8) throw new Error(`c-oracle: word ${word}`);
  return {
    word,
    block: Number(get('block') ?? 4 * word),
    finaliser: (get('finaliser') ?? '1') === '1',
    clear: (get('clear') ?? '0') === '1',
  };
}

/** Runs a v1.9.4 trace through the real gc.c. Throws when the driver rejects the trace. */
export function runOracle(text: string): OracleResult {
  const bin = oracleBinary(configOfTrace(text));
  const r = spawnSync(bin, [], { input: text, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status === 0) return { output: r.stdout, crashed: false };
  if (r.status === 3) return { output: r.stdout, crashed: true };
  throw new Error(`c-oracle: driver failed (status ${r.status ?? r.signal}): ${r.stderr.trim()}`);
}
