// Fuzz cases for every input a user hands the CLI: gctrace files, board YAML, heap images
// (JSON and raw RAM dumps), mem_info(1) dumps, capture snapshots, and command lines. A case
// is a set of files plus an argv (with {dir} for the case's folder), made deterministically
// from (seed, index) by mutating real seed inputs from the repository.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTrace } from '../../emulator/trace/parse.js';
import { runTrace } from '../../emulator/trace/run.js';
import type { HeapImage } from '../../emulator/image.js';
import { serializeImage } from '../../src/image/format.js';
import { EDGE_NUMBERS, mutateBytes, mutateJson, mutateText } from './mutate.js';
import { Rng, caseSeed } from './rng.js';

export const KINDS = ['trace', 'board', 'image', 'raw', 'dump', 'snapshot', 'argv'] as const;
export type Kind = (typeof KINDS)[number];

export interface FuzzCase {
  kind: Kind;
  /** Files to create in the case folder: name → content. */
  files: Record<string, string | Uint8Array>;
  /** The command line; `{dir}` stands for the case folder. Empty for `board` (a reader call). */
  argv: string[];
  /** For `board`: the YAML text given to the board reader. */
  boardYaml?: string;
}

/** The package root (where package.json names mcu-gc), from src/ or dist/. */
export function packageRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      if ((JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')) as { name?: string }).name === 'mcu-gc') return d;
    } catch {
      /* go up */
    }
    d = dirname(d);
  }
  throw new Error('cannot find the mcu-gc package root');
}

interface Seeds {
  traces: string[];
  dumps: string[];
  images: string[];
  raws: Array<{ bytes: Uint8Array; base: number; heap: string; roots?: string; word: number; block: number; profile: string }>;
  snapshots: string[];
  boards: string[];
  boardIds: string[];
}

const TRACE_VOCABULARY = [
  'alloc zz N', 'alloc zz N fin', 'free a', 'free zz', 'realloc a N', 'realloc a N move', 'collect', 'info', 'dump', 'stats', 'lock', 'unlock',
  'root N a', 'root N 0', 'stack N a', 'rootw N N', 'stackw N N', 'setp a N b', 'setp a N 0', 'setw a N N', 'type a str', 'type a list',
  'type a banana', 'threshold N', 'threshold off', 'auto 1', 'auto 0', 'weak a', 'nbytes a', 'heap 0xN 0xN', 'heap 0x20010000 0x20020000',
  'word 8', 'word 4', 'split 1', 'weakref 1', 'finaliser 0', 'gc v1.9.4', 'gc v1.28', 'gcstack N', 'block N', 'clear 1', '#', '',
];

const DUMP_VOCABULARY = [
  'GC: total: N, used: N, free: N', ' No. of 1-blocks: N, 2-blocks: N, max blk sz: N, max free sz: N', 'GC memory layout; from N:',
  '00000000: hhhhhhhh', '       (N lines all free)', 'stack: N out of N', 'mem: total=N, current=N, peak=N', '>>> ', 'Traceback (most recent call last):',
];

let cached: Seeds | undefined;

/** Reads and builds the seed inputs once per process. */
export function seeds(): Seeds {
  if (cached) return cached;
  const root = packageRoot();
  const vec = join(root, 'test/conformance/vectors');
  const traces = readdirSync(vec)
    .filter((f) => f.endsWith('.trace') && statSync(join(vec, f)).size < 12_000)
    .sort()
    .map((f) => readFileSync(join(vec, f), 'utf8'));
  traces.push('gc v1.27\nalloc a 16\nroot 0 a\ncollect\ninfo\n', 'alloc a 100\nalloc b 20 fin\nfree a\ncollect\ninfo\ndump\n');
  const fx = join(root, 'test/memdump/fixtures');
  const dumps = readdirSync(fx)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) => readFileSync(join(fx, f), 'utf8'));
  const images: string[] = [];
  const raws: Seeds['raws'] = [];
  for (const t of [
    'gc v1.27\nheap 0x20000000 0x20002000\nalloc a 40\nalloc b 100 fin\ntype b list\nsetp b 0 a\nalloc c 16\ntype c str\nfree c\nalloc d 300\ninfo\n',
    'gc v1.28\nword 8\nweakref 1\nheap 0x10000 0x14000\nalloc a 64\nalloc b 64 fin\nsetp a 0 b\nweak b\nalloc c 200\ntype c dict\n',
    'gc v1.27\nsplit 1\nheap 0x20000000 0x20001000\nheap 0x20004000 0x20005000\nalloc a 1000\nalloc b 2000\nalloc c 16\nsetp c 0 b\n',
    'gc v1.9.4\nheap 0x3ffb0000 0x3ffb1000\nalloc a 50\nalloc b 50\nsetp a 1 b\ntype a tuple\n',
  ]) {
    const trace = parseTrace(t);
    const r = runTrace(trace);
    const heap = r.machine.heap;
    const areas = heap.areas.map((a) => ({ start: a.layout.start, end: a.layout.end, bytes: r.machine.mem.slice(a.layout.start, a.layout.end - a.layout.start) }));
    const heads = [...r.output.matchAll(/= (0x[0-9a-f]+)/g)].map((m) => Number.parseInt(m[1]!, 16));
    const ws = trace.config.wordSize;
    const rootBytes = new Uint8Array(Math.max(1, heads.length) * ws);
    heads.forEach((h, i) => new DataView(rootBytes.buffer).setUint32(i * ws, h, true));
    const c = trace.config;
    const img: HeapImage = {
      profile: c.version,
      word: c.wordSize,
      block: c.blockSize,
      finaliser: c.finaliser,
      split: c.split,
      splitAuto: false,
      weakref: c.weakref,
      areas,
      roots: [{ start: 0x1000, bytes: rootBytes, name: 'roots' }],
      stack: [],
      types: new Map([[0x08000100, 'str']]),
    };
    images.push(serializeImage(img));
    const a0 = areas[0]!;
    const pad = 0x100;
    const bytes = new Uint8Array(pad + a0.bytes.length + rootBytes.length);
    bytes.set(a0.bytes, pad);
    bytes.set(rootBytes, pad + a0.bytes.length);
    const base = a0.start - pad;
    const rootsAt = a0.end;
    raws.push({
      bytes,
      base,
      heap: `0x${a0.start.toString(16)}:0x${a0.end.toString(16)}`,
      roots: `0x${rootsAt.toString(16)}:0x${(rootsAt + rootBytes.length).toString(16)}`,
      word: c.wordSize,
      block: c.blockSize,
      profile: c.version,
    });
  }
  const snapshots = dumps.map((raw) =>
    JSON.stringify(
      { format: 'mcu-gc-snapshot/1', complete: true, time: '2026-01-01T00:00:00.000Z', port: '/dev/ttyACM0', device: { platform: 'rp2', version: '1.27.0' }, collected: true, softReset: false, raw, parsed: {}, notes: [] },
      null,
      1,
    ),
  );
  const portsDir = join(root, 'ports');
  const boardFiles = readdirSync(portsDir).filter((f) => f.endsWith('.yaml')).sort();
  const boards = boardFiles.map((f) => readFileSync(join(portsDir, f), 'utf8'));
  const boardIds = boardFiles.map((f) => f.replace(/\.yaml$/, ''));
  cached = { traces, dumps, images, raws, snapshots, boards, boardIds };
  return cached;
}

/** Relative weights of the kinds in a run. */
const WEIGHTS: Record<Kind, number> = { trace: 30, board: 10, image: 14, raw: 10, dump: 12, snapshot: 8, argv: 16 };

/** Boards with small heaps, so that `run` cases stay quick. */
const QUICK_BOARDS = ['samd21', 'esp8266', 'rp2-pico', 'esp32', 'nrf52840', 'pyboard', 'qemu'];

export function makeCase(seed: number, index: number, only?: Kind): FuzzCase {
  const rng = new Rng(caseSeed(seed, index));
  const kind = only ?? KINDS[rng.weighted(KINDS.map((k) => WEIGHTS[k]))]!;
  const s = seeds();
  switch (kind) {
    case 'trace':
      return traceCase(rng, s);
    case 'board':
      return { kind, files: {}, argv: [], boardYaml: mutateText(rng, rng.pick(s.boards), ['wordSize: "four"', 'blockSize: N', 'gc: N', 'heap: {}', '  - N', 'extends: esp32', 'regions: []', 'threshold: pool/N']) };
    case 'image':
      return imageCase(rng, s);
    case 'raw':
      return rawCase(rng, s);
    case 'dump':
      return dumpCase(rng, s);
    case 'snapshot': {
      const snap = rng.pick(s.snapshots);
      const text = rng.chance(0.5) ? JSON.stringify(mutateJson(rng, JSON.parse(snap))) : mutateText(rng, snap);
      const other = rng.chance(0.5) ? rng.pick(s.dumps) : rng.pick(s.snapshots);
      return { kind, files: { 'a.json': text, 'b.json': other }, argv: ['diff', '{dir}/a.json', '{dir}/b.json', ...outputFlags(rng, false)] };
    }
    default:
      return argvCase(rng, s);
  }
}

function outputFlags(rng: Rng, analyze: boolean): string[] {
  const f: string[] = [];
  if (rng.chance(0.25)) f.push('--json');
  if (rng.chance(0.25)) f.push('--html', '{dir}/out.html');
  if (analyze) {
    if (rng.chance(0.2)) f.push('--save-image', '{dir}/saved.json');
    if (rng.chance(0.2)) f.push('--graph', rng.pick(['dot', 'cytoscape', 'svg']), '{dir}/graph.out');
    if (rng.chance(0.15)) f.push('--type', rng.pick(['str', 'list', 'L', 'S', 'banana', 'h', 'dict']));
    if (rng.chance(0.15)) f.push('--limit', rng.pick(['1', '5', '0', '-1', 'x']));
    if (rng.chance(0.2)) f.push('--why', rng.pick(['0x20000080', '0x20000000', '0x10020', '0x0', 'zz', '0x20004010']));
    if (rng.chance(0.1)) f.push('--no-collect');
    if (rng.chance(0.1)) f.push('--no-dump');
  } else if (rng.chance(0.1)) {
    f.push('--max-runs', rng.pick(EDGE_NUMBERS));
  }
  if (rng.chance(0.05)) f.push('--force');
  return f;
}

function traceCase(rng: Rng, s: Seeds): FuzzCase {
  let text = rng.pick(s.traces);
  const cmd = rng.weighted([70, 22, 8]);
  if (cmd === 1 && rng.chance(0.6)) text = text.replace(/^heap .*\n/gm, ''); // run on the board's own heap
  const bad = mutateText(rng, text, TRACE_VOCABULARY);
  if (cmd === 0) return { kind: 'trace', files: { 't.trace': bad }, argv: ['trace', '{dir}/t.trace', ...(rng.chance(0.1) ? ['--no-warnings'] : [])] };
  if (cmd === 1) {
    const board = rng.pick(QUICK_BOARDS);
    const extra = rng.chance(0.2) ? [rng.pick(['--json', '--pacing=gogc:100', '--block-size=32', '--gc-version=v1.9.4', '--threshold=4096'])] : [];
    return { kind: 'trace', files: { 't.trace': bad }, argv: ['run', `--board=${board}`, '{dir}/t.trace', ...extra] };
  }
  return { kind: 'trace', files: { 'v/x.trace': bad, 'v/x.expected': rng.chance(0.5) ? '' : 'info total=0\n' }, argv: ['conformance', '{dir}/v'] };
}

function imageCase(rng: Rng, s: Seeds): FuzzCase {
  const seed = rng.pick(s.images);
  const text = rng.chance(0.65) ? JSON.stringify(mutateJson(rng, JSON.parse(seed)), null, rng.chance(0.5) ? 1 : 0) : mutateText(rng, seed);
  const files: Record<string, string | Uint8Array> = { 'img.json': text };
  const argv = ['analyze', '{dir}/img.json', ...outputFlags(rng, true)];
  if (rng.chance(0.2)) {
    files['after.json'] = rng.chance(0.5) ? seed : rng.pick(s.images);
    argv.push('--after', '{dir}/after.json');
  }
  if (rng.chance(0.1)) {
    files['types.json'] = rng.pick(['{"0x8000100": "str"}', '{"0x8000100": "banana"}', '[1]', '{"zz": "L"}', '{', '{"0x8000100": "L", "0x8000104": "L"}']);
    argv.push('--types', '{dir}/types.json');
  }
  return { kind: 'image', files, argv };
}

function rawCase(rng: Rng, s: Seeds): FuzzCase {
  const r = rng.pick(s.raws);
  const bytes = rng.chance(0.7) ? mutateBytes(rng, r.bytes) : r.bytes;
  const hx = (n: number): string => '0x' + n.toString(16);
  const tweak = (v: string): string => (rng.chance(0.15) ? mutateText(rng, v) : v);
  const argv = ['analyze', '{dir}/ram.bin', '--base', tweak(hx(r.base)), '--heap', tweak(r.heap)];
  if (r.roots && rng.chance(0.6)) argv.push('--roots', tweak(r.roots));
  if (rng.chance(0.2)) argv.push('--heap', tweak(r.heap));
  if (r.word !== 4 || rng.chance(0.1)) argv.push('--word', tweak(String(r.word)));
  if (r.block !== 16 || rng.chance(0.1)) argv.push('--block', tweak(String(r.block)));
  if (r.profile !== 'v1.27' || rng.chance(0.1)) argv.push('--profile', tweak(r.profile));
  if (rng.chance(0.1)) argv.push('--split');
  if (rng.chance(0.1)) argv.push('--max-new-split', rng.pick(['0', '-1', '1e9', '4096', 'x']));
  const files: Record<string, string | Uint8Array> = { 'ram.bin': bytes };
  if (rng.chance(0.15)) {
    files['dump.txt'] = mutateText(rng, rng.pick(s.dumps), DUMP_VOCABULARY);
    argv.push('--device-dump', '{dir}/dump.txt');
  }
  argv.push(...outputFlags(rng, true));
  return { kind: 'raw', files, argv };
}

function dumpCase(rng: Rng, s: Seeds): FuzzCase {
  const good = rng.pick(s.dumps);
  const bad = mutateText(rng, good, DUMP_VOCABULARY);
  if (rng.chance(0.15)) {
    // the dump taught to a heap image
    const r = s.raws[0]!;
    return {
      kind: 'dump',
      files: { 'ram.bin': r.bytes, 'dump.txt': bad },
      argv: ['analyze', '{dir}/ram.bin', '--base', '0x' + r.base.toString(16), '--heap', r.heap, '--device-dump', '{dir}/dump.txt'],
    };
  }
  const swap = rng.chance(0.3);
  return { kind: 'dump', files: { 'a.txt': good, 'b.txt': bad }, argv: ['diff', swap ? '{dir}/b.txt' : '{dir}/a.txt', swap ? '{dir}/a.txt' : '{dir}/b.txt', ...outputFlags(rng, false)] };
}

/** Every command's options, for random command lines. */
const COMMAND_OPTIONS: Record<string, string[]> = {
  run: ['board', 'json', 'dump-every', 'seed', 'scale', 'vs', 'progress', 'block-size', 'gc-stack', 'threshold', 'heap-size', 'gc-version', 'heap-start', 'pool-start', 'pool-total', 'pacing'],
  layout: ['board', 'json', 'block-size', 'gc-stack', 'threshold', 'heap-size', 'gc-version', 'heap-start', 'pool-start', 'pool-total'],
  boards: ['json'],
  trace: ['warnings', 'progress'],
  conformance: [],
  analyze: ['why', 'after', 'collect', 'dump', 'html', 'graph', 'type', 'limit', 'json', 'save-image', 'force', 'base', 'heap', 'roots', 'stack', 'profile', 'word', 'block', 'finaliser', 'split', 'split-auto', 'max-new-split', 'types', 'device-dump'],
  ports: ['json'],
  exec: ['port', 'baud', 'timeout', 'soft-reset', 'raw-paste', 'chunk-size', 'chunk-delay', 'interrupt-delay', 'dtr', 'rts'],
  'run-script': ['port', 'baud', 'timeout', 'soft-reset', 'raw-paste', 'chunk-size', 'chunk-delay', 'interrupt-delay'],
  capture: ['port', 'script', 'out', 'force', 'collect', 'footprint', 'ram', 'ram-out', 'progress', 'baud', 'timeout'],
  compare: ['board', 'port', 'script', 'out', 'save', 'collect', 'footprint', 'json', 'html', 'force'],
  diff: ['json', 'html', 'force', 'color', 'max-runs'],
  bogus: ['x'],
};

const SERIAL = new Set(['exec', 'run-script', 'capture', 'compare']);

function argvCase(rng: Rng, s: Seeds): FuzzCase {
  const files: Record<string, string | Uint8Array> = {
    't.trace': rng.pick(s.traces),
    'd.txt': rng.pick(s.dumps),
    'i.json': rng.pick(s.images),
    'p.py': rng.pick(['print(1)\n', 'x = "\x04"\n', '\xff\xfe', 'import gc\ngc.collect()\n']),
    'f/x.trace': 'gc v1.27\nheap 0x1000 0x2000\ninfo\n',
    'f/x.expected': 'info total=3968 used=0 free=3968 max_free=248 n1=0 n2=0 max_block=0\n',
  };
  const cmd = rng.pick(Object.keys(COMMAND_OPTIONS));
  const values = [
    ...EDGE_NUMBERS.slice(0, 20),
    rng.pick(EDGE_NUMBERS),
    rng.pick(EDGE_NUMBERS),
    rng.pick(s.boardIds),
    rng.pick(s.boardIds),
    'ESP32_GENERIC',
    'nope',
    'v1.27',
    'v1.9.4',
    'off',
    '64K',
    '2M',
    'gogc:100',
    'live:2',
    'stock',
    'threshold:x',
    'dot',
    'str',
    '0x20000000:0x20001000',
    '5:4',
    '--block-size 32',
    'esp32s3 --gc-version v1.9.4',
    '',
    ' ',
    'é',
    '{dir}/t.trace',
    '{dir}/d.txt',
    '{dir}/i.json',
    '{dir}/p.py',
    '{dir}/missing',
    '{dir}',
    '{dir}/f',
    '{dir}/out.json',
  ];
  const argv: string[] = [];
  if (cmd !== 'bogus' || rng.chance(0.5)) argv.push(cmd);
  // positionals
  const positionals: Record<string, number> = { trace: 1, conformance: 1, analyze: 1, exec: 1, 'run-script': 1, diff: 2, run: rng.chance(0.5) ? 1 : 0 };
  const np = (positionals[cmd] ?? 0) + (rng.chance(0.1) ? 1 : 0) - (rng.chance(0.1) ? 1 : 0);
  for (let i = 0; i < np; i++) {
    if (cmd === 'run') argv.push(rng.pick(['sensor-logger', 'http-json', 'fragmentation', 'nope', '{dir}/t.trace']));
    else if (cmd === 'exec') argv.push(rng.pick(['print(1)', '\x04', 'import gc']));
    else if (cmd === 'conformance') argv.push(rng.pick(['{dir}/f', '{dir}', '{dir}/t.trace', '{dir}/missing']));
    else argv.push(rng.pick(values));
  }
  const opts = COMMAND_OPTIONS[cmd]!;
  // Serial commands always name a port that is no device here (never `auto`, which could
  // open a real or another program's port).
  if (SERIAL.has(cmd)) argv.push('--port', rng.pick(['{dir}/missing-tty', '{dir}/p.py', '{dir}', '/dev/null', 'a3', 'id:no-such-serial', 'port:{dir}/missing']));
  if ((cmd === 'run' || cmd === 'layout' || cmd === 'compare') && rng.chance(0.8)) argv.push(`--board=${rng.pick(QUICK_BOARDS)}`);
  const n = rng.int(4);
  for (let i = 0; i < n; i++) {
    const o = opts.length && rng.chance(0.9) ? rng.pick(opts) : rng.pick(['help', 'version', 'unknown-flag', 'h', 'p']);
    let v = rng.pick(values);
    // Keep runs short: long but valid work is not what this looks for.
    if (o === 'scale') v = rng.pick(['0', '-1', '0.5', '1', 'x', '1001', '']);
    if (o === 'dump-every') v = rng.pick(['0', '-1', '1.5', '5000', 'x']);
    if (o === 'timeout' || o === 'chunk-delay' || o === 'interrupt-delay') v = rng.pick(['0', '-1', '1e9', 'abc', '0.01', '1', '86401']);
    if (o === 'port') v = rng.pick(['{dir}/p.py', '/dev/null', '{dir}/missing-tty']);
    const form = rng.int(6);
    const flag = o.length === 1 ? `-${o}` : `--${o}`;
    if (form === 0) argv.push(flag);
    else if (form === 1) argv.push(`${flag}=${v}`);
    else if (form === 2) argv.push(`--no-${o}`);
    else argv.push(flag, v);
  }
  return { kind: 'argv', files, argv };
}
