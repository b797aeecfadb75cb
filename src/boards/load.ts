// Board configs: ports/<id>.yaml, one file per board, validated with zod (shape, types,
// unknown keys) and then with emulator/board.ts's checkBoardSpec (overlaps, heap outside
// RAM, ...). A broken config fails with one line naming the file, line, key and reason.

import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { type BoardSpec, checkBoardSpec } from '../../emulator/board.js';
import { GC_VERSIONS, isPowerOfTwo } from '../../emulator/config.js';
import { UserError } from '../errors.js';
import { readText } from '../io/files.js';

/** ports/ next to the package root (works from src/ via tsx and from dist/src/). */
export function portsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'ports');
    try {
      if (readdirSync(candidate).some((f) => f.endsWith('.yaml'))) return candidate;
    } catch {
      /* keep looking upwards */
    }
    dir = dirname(dir);
  }
  throw new UserError('cannot find the ports/ folder with the board configs (is the package installed completely?)');
}

const addr = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const size = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

const gcSchema = z
  .object({
    version: z.enum(GC_VERSIONS as unknown as [string, ...string[]]),
    wordSize: z.union([z.literal(4), z.literal(8)]),
    blockSize: z.number().int().refine(isPowerOfTwo, { message: 'block size must be a power of two' }),
    finaliser: z.boolean(),
    split: z.boolean(),
    splitAuto: z.boolean(),
    weakref: z.boolean(),
    gcStack: z.number().int().min(1).max(1 << 20),
    conservativeClear: z.boolean(),
  })
  .strict();

const rangeSchema = z
  .object({ start: addr, end: addr.optional(), size: size.optional(), note: z.string().optional() })
  .strict()
  .refine((r) => (r.end === undefined) !== (r.size === undefined), { message: 'give exactly one of end and size' });

const boardSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'ids are lower-case letters, digits and dashes'),
    name: z.string().min(1),
    aliases: z.array(z.string().min(1)).default([]),
    chip: z.string().min(1),
    port: z.string().min(1),
    micropython: z.string().regex(/^v\d+\.\d+(\.\d+)?/, 'a MicroPython release such as v1.27.0'),
    gc: gcSchema,
    regions: z
      .array(
        z
          .object({
            name: z.string().min(1),
            kind: z.enum(['ram', 'psram', 'flash', 'rom']),
            base: addr,
            size,
            note: z.string().optional(),
          })
          .strict(),
      )
      .min(1),
    heap: z
      .object({
        placement: z.enum(['static', 'linker', 'malloc']),
        rule: z.string().min(1),
        start: addr,
        end: addr.optional(),
        size: size.optional(),
        endFixed: z.boolean().default(false),
        add: z.array(rangeSchema).default([]),
      })
      .strict()
      .refine((h) => (h.end === undefined) !== (h.size === undefined), { message: 'give exactly one of heap.end and heap.size' }),
    rootSection: z.object({ address: addr, words: z.number().int().min(8).max(4096) }).strict(),
    stack: z
      .object({
        top: addr,
        size,
        margin: z.number().int().nonnegative().default(0),
        used: size,
        check: z.boolean().default(true),
      })
      .strict(),
    typesBase: addr,
    types: z.partialRecord(z.enum(['tuple', 'list', 'dict', 'str', 'bytes', 'bytearray', 'array', 'float', 'fun_bc', 'module']), addr).optional(),
    bootUsed: z.object({ min: z.number().int().nonnegative(), max: z.number().int().nonnegative(), when: z.string().min(1) }).strict().optional(),
    threshold: z.union([
      z.literal('off'),
      z.number().int().nonnegative(),
      z.string().regex(/^pool\/[1-9][0-9]*$/, "a byte count, 'off', or 'pool/N'"),
    ]),
    thresholdSupported: z.boolean().default(true),
    memStats: z.boolean().default(false),
    splitAuto: z
      .object({
        rule: z.string().min(1),
        maxNewSplit: z.union([z.literal('largest-free-block'), size]),
        align: z.number().int().refine(isPowerOfTwo, { message: 'alignment must be a power of two' }),
        overhead: z.number().int().nonnegative(),
        segments: z.array(rangeSchema).min(1),
      })
      .strict()
      .optional(),
    sources: z.array(z.string().min(1)).min(1),
    inferred: z.record(z.string(), z.string()).default({}),
    notes: z.string().optional(),
  })
  .strict();

type RawBoard = z.infer<typeof boardSchema>;

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

function keyPath(path: ReadonlyArray<PropertyKey>): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${String(p)}` : String(p);
  return s || '(top level)';
}

/** Parses and validates one board config. `file` is only used in messages. */
export function parseBoard(text: string, file: string): BoardSpec {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const lineOf = (path: Array<string | number>): number | undefined => {
    // The deepest node that exists on the path.
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === 'object' && node.range) return lc.linePos(node.range[0]).line;
      if (n > 0) {
        // A map key: point at the key itself.
        const parent = doc.getIn(path.slice(0, n - 1), true) as { items?: Array<{ key?: { value?: unknown; range?: [number, number, number] } }> } | undefined;
        const item = parent?.items?.find((it) => it.key?.value === path[n - 1]);
        if (item?.key?.range) return lc.linePos(item.key.range[0]).line;
      }
    }
    return undefined;
  };
  const where = (path: Array<string | number>): string => {
    const line = lineOf(path);
    return line ? `${file}:${line}` : file;
  };
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = lc.linePos(e.pos[0]);
    throw new UserError(`${file}:${pos.line}:${pos.col}: not valid YAML: ${e.message.split('\n')[0]}`);
  }
  const raw: unknown = doc.toJS();
  const parsed = boardSchema.safeParse(raw);
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
  const spec = toSpec(parsed.data, file);
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

export function loadBoardFile(file: string): BoardSpec {
  // Shipped configs are named ports/<id>.yaml wherever mcu-gc runs from (stable in reports
  // and snapshots); other files relative to the current folder.
  const inPorts = relative(portsDir(), file);
  const shown = !inPorts.startsWith('..') && !inPorts.includes('/') ? `ports/${inPorts}` : relative(process.cwd(), file) || file;
  return parseBoard(readText(file), shown.startsWith('..') ? file : shown);
}

let cache: BoardSpec[] | null = null;

/** Every board in ports/, sorted by id. Throws UserError for the first broken config. */
export function listBoards(dir = portsDir()): BoardSpec[] {
  if (cache && dir === portsDir()) return cache;
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort();
  const boards = files.map((f) => loadBoardFile(join(dir, f)));
  const seen = new Map<string, string>();
  for (const b of boards) {
    for (const name of [b.id, ...b.aliases]) {
      const k = name.toLowerCase();
      const prev = seen.get(k);
      if (prev && prev !== b.file) throw new UserError(`${b.file}: key ${name === b.id ? 'id' : 'aliases'}: '${name}' is already used by ${prev}`);
      seen.set(k, b.file!);
    }
    const base = b.file!.replace(/^.*[\\/]/, '').replace(/\.ya?ml$/, '');
    if (base !== b.id) throw new UserError(`${b.file}: key id: '${b.id}' does not match the file name (${base})`);
  }
  boards.sort((a, b) => a.id.localeCompare(b.id));
  if (dir === portsDir()) cache = boards;
  return boards;
}

/** A board by id or alias (MicroPython board names such as ESP32_GENERIC work), case-insensitive. */
export function loadBoard(nameOrAlias: string): BoardSpec {
  const want = nameOrAlias.trim().toLowerCase();
  const boards = listBoards();
  const hit = boards.find((b) => b.id === want || b.aliases.some((a) => a.toLowerCase() === want));
  if (hit) return hit;
  throw new UserError(`unknown board '${nameOrAlias}' (known: ${boards.map((b) => b.id).join(', ')})`);
}
