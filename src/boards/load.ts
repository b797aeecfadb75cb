// Board configs: the shipped ports/<id>.yaml, the user's own folders (--ports-dir DIR,
// MCU_GC_PORTS=DIR:DIR like PATH) and any file named on the command line (--board
// ./my.yaml). A config may `extends:` another (see merge.ts for the rules). Each is
// validated with zod (schema.ts: shape, types, unknown keys) and then with
// emulator/board.ts's checkBoardSpec (overlaps, heap outside RAM, ...). A broken config
// fails with one line naming the file, line, key and reason — and only when it is used:
// folders are indexed by id and aliases alone, so one broken file breaks no other board.

import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Document, LineCounter, parseDocument } from 'yaml';
import { type BoardSpec, checkBoardSpec } from '../../emulator/board.js';
import { UserError } from '../errors.js';
import { readText } from '../io/files.js';
import { type MergeSource, extendsOf, mergeBoards, pathInSource } from './merge.js';
import { type RawBoard, boardSchema } from './schema.js';
import { boardErrorMap } from './zod-messages.js';

/** ports/ next to the package root (works from src/ via tsx and from dist/src/). */
let shippedDir: string | null = null;

export function portsDir(): string {
  if (shippedDir) return shippedDir;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'ports');
    try {
      if (readdirSync(candidate).some((f) => f.endsWith('.yaml'))) return (shippedDir = candidate);
    } catch {
      /* keep looking upwards */
    }
    dir = dirname(dir);
  }
  throw new UserError('cannot find the ports/ folder with the board configs (is the package installed completely?)');
}

/** Where a config came from: the package, a --ports-dir folder, MCU_GC_PORTS, or a path given to --board. */
export type BoardOrigin = 'shipped' | 'ports-dir' | 'MCU_GC_PORTS' | 'path';

/** One config file found in a folder, known by its id and aliases before it is validated. */
export interface BoardEntry {
  /** Absolute path. */
  path: string;
  /** As shown in messages: ports/<file> for shipped configs, else relative to the current folder. */
  shown: string;
  origin: BoardOrigin;
  /** The folder as the user gave it (for `boards`). */
  dir: string;
  /** The file name without .yaml (a folder's config must use it as its id). */
  id: string;
  aliases: string[];
  /** Set when an earlier folder has a config with the same id (PATH rule: the first wins). */
  shadowedBy?: string;
}

let flagDirs: string[] = [];

/** Folders given with --ports-dir (searched before MCU_GC_PORTS, both before the shipped ports/). */
export function setPortsDirs(dirs: readonly string[]): void {
  flagDirs = [...dirs];
  index = null;
}

function userDirs(): Array<{ dir: string; origin: BoardOrigin }> {
  const env = (process.env.MCU_GC_PORTS ?? '').split(':').filter((d) => d.trim() !== '');
  return [...flagDirs.map((dir) => ({ dir, origin: 'ports-dir' as const })), ...env.map((dir) => ({ dir, origin: 'MCU_GC_PORTS' as const }))];
}

function shownName(path: string): string {
  const inPorts = relative(portsDir(), path);
  if (!inPorts.startsWith('..') && !inPorts.includes('/')) return `ports/${inPorts}`;
  const rel = relative(process.cwd(), path);
  return !rel || rel.startsWith('..') ? path : rel.startsWith('.') || rel.includes('/') ? rel : `./${rel}`;
}

function yamlFiles(dir: string, origin: BoardOrigin): string[] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error(), { code: 'ENOTDIR' });
    names = readdirSync(dir);
  } catch (e) {
    const flag = origin === 'ports-dir' ? '--ports-dir' : origin === 'MCU_GC_PORTS' ? 'MCU_GC_PORTS' : 'ports';
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`${flag} ${dir}: ${code === 'ENOENT' ? 'no such folder' : code === 'ENOTDIR' ? 'not a folder' : 'cannot read the folder'}`);
  }
  return names.filter((f) => /\.ya?ml$/i.test(f) && !f.startsWith('.')).sort();
}

/**
 * Reads the aliases without validating. A folder's config is known by its file name (its
 * `id` must match it, which loading checks), so a file with a wrong id cannot take over
 * another board's name; a file that is not even YAML is still listed.
 */
function indexEntry(path: string, origin: BoardOrigin, dir: string): BoardEntry {
  const id = basename(path).replace(/\.ya?ml$/i, '');
  let aliases: string[] = [];
  try {
    const doc = parseDocument(readText(path), { prettyErrors: false });
    const raw = doc.errors.length === 0 ? (doc.toJS() as Record<string, unknown> | null) : null;
    if (raw && typeof raw === 'object') {
      if (Array.isArray(raw.aliases)) aliases = raw.aliases.filter((a): a is string => typeof a === 'string');
    }
  } catch {
    /* unreadable: indexed by name; loading it reports why */
  }
  return { path, shown: shownName(path), origin, dir, id, aliases };
}

let index: BoardEntry[] | null = null;

/** Every config file, user folders first (in order), then the shipped ones; nothing validated yet. */
export function boardEntries(): BoardEntry[] {
  if (index) return index;
  const out: BoardEntry[] = [];
  const seen = new Map<string, string>();
  const sources = [...userDirs(), { dir: portsDir(), origin: 'shipped' as const }];
  for (const { dir, origin } of sources) {
    for (const f of yamlFiles(dir, origin)) {
      const e = indexEntry(resolve(dir, f), origin, dir);
      if (out.some((o) => o.path === e.path)) continue;
      const prev = seen.get(e.id.toLowerCase());
      if (prev) e.shadowedBy = prev;
      else seen.set(e.id.toLowerCase(), e.shown);
      out.push(e);
    }
  }
  index = out;
  return out;
}

/** --board values that name a file rather than a board: anything with a slash or a .yaml/.yml ending. */
export function looksLikePath(name: string): boolean {
  return /[\\/]/.test(name) || /\.ya?ml$/i.test(name.trim());
}

function findEntry(name: string, exclude?: string): BoardEntry | undefined {
  const want = name.trim().toLowerCase();
  const entries = boardEntries().filter((e) => e.path !== exclude);
  return (
    entries.find((e) => e.id.toLowerCase() === want) ??
    entries.find((e) => e.aliases.some((a) => a.toLowerCase() === want)) ??
    entries.find((e) => basename(e.path).replace(/\.ya?ml$/i, '').toLowerCase() === want)
  );
}

function knownIds(): string {
  return [...new Set(boardEntries().map((e) => e.id))].sort().join(', ');
}

/**
 * Boards whose id or an alias contains `name`, or is contained in it (case-insensitive, '_'
 * and '-' alike), for a "did you mean": `--board=rp2` names a family, not a board, and
 * `--board=RPI_PICO2_W` a variant whose heap is its base board's.
 */
function nearIds(name: string): string[] {
  const norm = (x: string) => x.toLowerCase().replace(/_/g, '-');
  const want = norm(name);
  if (want.length < 2) return [];
  const near = (n: string) => norm(n).includes(want) || (n.length >= 4 && want.includes(norm(n)));
  return [...new Set(boardEntries().filter((e) => [e.id, ...e.aliases].some(near)).map((e) => e.id))].sort();
}

function keyPath(path: ReadonlyArray<PropertyKey>): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${String(p)}` : String(p);
  return s || '(top level)';
}

interface ParsedFile extends MergeSource {
  doc: Document;
  lc: LineCounter;
}

function parseFile(text: string, shown: string): ParsedFile {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = lc.linePos(e.pos[0]);
    throw new UserError(`${shown}:${pos.line}:${pos.col}: not valid YAML: ${e.message.split('\n')[0]}`);
  }
  return { doc, lc, shown, raw: doc.toJS() as unknown };
}

/** The line of the deepest node on `path` that exists in the file (a map key: the key's line). */
function lineIn(f: ParsedFile, path: Array<string | number>): { line: number; depth: number } | undefined {
  for (let n = path.length; n >= 1; n--) {
    const node = f.doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return { line: f.lc.linePos(node.range[0]).line, depth: n };
    const parent = f.doc.getIn(path.slice(0, n - 1), true) as { items?: Array<{ key?: { value?: unknown; range?: [number, number, number] } }> } | undefined;
    const item = parent?.items?.find((it) => it.key?.value === path[n - 1]);
    if (item?.key?.range) return { line: f.lc.linePos(item.key.range[0]).line, depth: n };
  }
  return undefined;
}

/** file:line of a key in a merged config: the file of the chain that sets the deepest part of it. */
function whereIn(chain: ParsedFile[], merged: unknown, path: Array<string | number>): string {
  let best: { shown: string; line: number; depth: number } | undefined;
  for (const f of chain) {
    const p = pathInSource(merged, f.raw, path);
    if (!p) continue;
    const hit = lineIn(f, p);
    if (hit && (!best || hit.depth > best.depth)) best = { shown: f.shown, ...hit };
  }
  if (!best) return chain[0]!.shown;
  // A key the child inherits: say which file inherits it, or the user looks in the wrong one.
  const via = best.shown !== chain[0]!.shown ? ` (inherited by ${chain[0]!.shown})` : '';
  return `${best.shown}:${best.line}${via}`;
}

function toSpec(r: RawBoard, file: string): BoardSpec {
  const end = (x: { start: number; end?: number | undefined; size?: number | undefined }): number => x.end ?? x.start + x.size!;
  const spec: BoardSpec = {
    id: r.id,
    name: r.name,
    aliases: r.aliases,
    chip: r.chip,
    port: r.port,
    micropython: r.micropython,
    gc: { ...r.gc, version: r.gc.version as BoardSpec['gc']['version'] },
    regions: r.regions.map((x) => ({ name: x.name, kind: x.kind, base: x.base, size: x.size, ...(x.note ? { note: x.note } : {}) })),
    heap: {
      placement: r.heap.placement,
      rule: r.heap.rule,
      start: r.heap.start,
      end: end(r.heap),
      endFixed: r.heap.endFixed,
      add: r.heap.add.map((a) => ({ start: a.start, end: end(a), ...(a.note ? { note: a.note } : {}) })),
    },
    rootSection: r.rootSection,
    stack: r.stack,
    typesBase: r.typesBase,
    ...(r.types ? { typeAddresses: r.types } : {}),
    ...(r.bootUsed ? { bootUsed: r.bootUsed } : {}),
    threshold:
      r.threshold === 'off'
        ? 'off'
        : typeof r.threshold === 'number'
          ? { bytes: r.threshold }
          : { poolDivisor: Number(r.threshold.slice('pool/'.length)) },
    thresholdSupported: r.thresholdSupported,
    memStats: r.memStats,
    sources: r.sources,
    inferred: r.inferred,
    file,
  };
  if (r.notes) spec.notes = r.notes;
  if (r.splitAuto) {
    spec.splitAuto = {
      rule: r.splitAuto.rule,
      maxNewSplit: r.splitAuto.maxNewSplit === 'largest-free-block' ? 'largest-free-block' : { constant: r.splitAuto.maxNewSplit },
      align: r.splitAuto.align,
      overhead: r.splitAuto.overhead,
      segments: r.splitAuto.segments.map((s) => ({ start: s.start, end: end(s), ...(s.note ? { note: s.note } : {}) })),
    };
  }
  return spec;
}

/** Validates a (merged) raw config; messages point into the file of `chain` that sets the key. */
function validate(raw: unknown, chain: ParsedFile[]): BoardSpec {
  const where = (path: Array<string | number>): string => whereIn(chain, raw, path);
  const parsed = boardSchema.safeParse(raw, { error: boardErrorMap });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path: Array<string | number> = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
    let key = keyPath(issue.path);
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') {
      const k = issue.keys[0]!;
      path.push(k);
      key = keyPath([...issue.path, k]);
      message = `unknown key '${k}'`;
    }
    throw new UserError(`${where(path)}: key ${key}: ${message}`);
  }
  const spec = toSpec(parsed.data, chain[0]!.shown);
  const problems = checkBoardSpec(spec);
  if (problems.length > 0) {
    const p = problems[0]!;
    const path: Array<string | number> = [];
    for (const part of p.key.split(/\.|(?=\[)/)) {
      const m = /^\[(\d+)\]$/.exec(part);
      if (m) path.push(Number(m[1]));
      else if (part) path.push(part);
    }
    throw new UserError(`${where(path)}: key ${p.key}: ${p.reason}`);
  }
  return spec;
}

/**
 * Parses a config and the chain of configs it extends (child first). `extends:` names a
 * board (looked up like --board, skipping this very file, so ./esp32.yaml can extend the
 * shipped esp32) or a path relative to this file.
 */
function resolveChain(text: string, shown: string, path: string | null, seen: string[]): ParsedFile[] {
  const f = parseFile(text, shown);
  const parent = extendsOf(f.raw);
  if (parent === undefined) return [f];
  const line = lineIn(f, ['extends'])?.line ?? 1;
  if (typeof parent !== 'string' || parent.trim() === '') throw new UserError(`${shown}:${line}: key extends: give a board id or a path to a .yaml file`);
  let parentPath: string;
  if (looksLikePath(parent)) parentPath = resolve(path ? dirname(path) : process.cwd(), parent);
  else {
    const e = findEntry(parent, path ?? undefined);
    if (!e) throw new UserError(`${shown}:${line}: key extends: unknown board '${parent}' (known: ${knownIds()})`);
    parentPath = e.path;
  }
  if (seen.includes(parentPath) || parentPath === path) {
    throw new UserError(`${shown}:${line}: key extends: '${parent}' extends this file again (a cycle)`);
  }
  const parentShown = shownName(parentPath);
  const chain = resolveChain(readText(parentPath), parentShown, parentPath, [...seen, ...(path ? [path] : [])]);
  return [f, ...chain];
}

/** Parses and validates one board config given as text (`extends` resolves through the board folders). `file` is shown in messages. */
export function parseBoard(text: string, file: string, path: string | null = null): BoardSpec {
  const chain = resolveChain(text, file, path, []);
  if (chain.length === 1) return validate(chain[0]!.raw, chain);
  const locate = (i: number, p: Array<string | number>): string => {
    const f = chain[i]!;
    const hit = lineIn(f, p);
    return hit ? `${f.shown}:${hit.line}` : f.shown;
  };
  const merged = mergeBoards(chain, locate, (msg) => new UserError(msg));
  const spec = validate(merged.raw, chain);
  spec.extends = merged.parentId;
  spec.ancestors = chain.slice(1).map((f) => {
    const id = (f.raw as { id?: unknown } | null)?.id;
    return typeof id === 'string' ? id : f.shown;
  });
  return spec;
}

const cache = new Map<string, BoardSpec>();

/** Loads and validates a config file (cached by path). */
export function loadBoardFile(file: string): BoardSpec {
  const path = resolve(file);
  const hit = cache.get(path);
  if (hit) return hit;
  const spec = parseBoard(readText(file), shownName(path), path);
  cache.set(path, spec);
  return spec;
}

function loadEntry(e: BoardEntry): BoardSpec {
  const spec = loadBoardFile(e.path);
  const base = basename(e.path).replace(/\.ya?ml$/i, '');
  if (base !== spec.id) throw new UserError(`${e.shown}: key id: '${spec.id}' does not match the file name (${base})`);
  return spec;
}

/** Every shipped board in ports/ (or in `dir`), sorted by id. Throws UserError for the first broken config. */
export function listBoards(dir?: string): BoardSpec[] {
  const shipped = dir === undefined;
  const d = dir ?? portsDir();
  const entries = shipped
    ? boardEntries().filter((e) => e.origin === 'shipped')
    : yamlFiles(d, 'ports-dir').map((f) => indexEntry(resolve(d, f), 'ports-dir', d));
  const boards = entries.map(loadEntry);
  const seen = new Map<string, string>();
  for (const b of boards) {
    for (const name of [b.id, ...b.aliases]) {
      const k = name.toLowerCase();
      const prev = seen.get(k);
      if (prev && prev !== b.file) throw new UserError(`${b.file}: key ${name === b.id ? 'id' : 'aliases'}: '${name}' is already used by ${prev}`);
      seen.set(k, b.file!);
    }
  }
  return boards.sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * Every board a --board name can reach: the user's folders, then the shipped ones, without
 * those a user config hides by id and those that do not load (`mcu-gc boards` says why).
 */
export function usableBoards(): BoardSpec[] {
  return boardEntries()
    .filter((e) => !e.shadowedBy)
    .map(tryLoadEntry)
    .filter((x): x is BoardSpec => !('error' in x));
}

/** Loads an indexed entry, or returns the one-line reason it cannot be used. */
export function tryLoadEntry(e: BoardEntry): BoardSpec | { error: string } {
  try {
    return loadEntry(e);
  } catch (err) {
    if (err instanceof UserError) return { error: err.message };
    throw err;
  }
}

/**
 * A board by id or alias (MicroPython board names such as ESP32_GENERIC work),
 * case-insensitive, from the user's folders and then the shipped ones — or a config file
 * when the name looks like a path (./my.yaml, boards/x.yml).
 */
export function loadBoard(nameOrPath: string): BoardSpec {
  if (looksLikePath(nameOrPath)) return loadBoardFile(nameOrPath);
  const e = findEntry(nameOrPath);
  if (e) return loadEntry(e);
  const near = nearIds(nameOrPath);
  const hint = near.length > 0 ? `did you mean ${near.join(', ')}? ` : '';
  throw new UserError(`unknown board '${nameOrPath}' (${hint}known: ${knownIds()}; or give a path such as ./my-board.yaml)`);
}
