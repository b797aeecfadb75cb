// mcu-gc layout --board=X: the board's memory map and the heap layout gc_init/gc_add give it.

import type { CommandModule } from 'yargs';
import { type BoardMachine, type BoardSpec, buildBoard } from '../../emulator/board.js';
import { BoardError } from '../../emulator/board.js';
import type { AreaLayout } from '../../emulator/layout.js';
import { hex } from '../../emulator/memory.js';
import { loadBoard } from '../boards/load.js';
import { type OverrideArgs, overridesFrom, withOverrideOptions } from '../boards/options.js';
import { UserError } from '../errors.js';
import { type ElfReport, boardSpecWithElf, formatElfReport } from '../elf/board.js';

interface Args extends OverrideArgs {
  board?: string;
  json: boolean;
}

export interface LayoutReport {
  board: string;
  name: string;
  chip: string;
  micropython: string;
  file: string;
  config: BoardMachine['config'];
  regions: Array<{ name: string; kind: string; base: string; end: string; size: number; note?: string }>;
  heap: { placement: string; rule: string; start: string; end: string; bytes: number };
  areas: Array<{
    via: 'gc_init' | 'gc_add';
    descriptor?: string;
    atbStart: string;
    atbLen: number;
    gapByte?: string;
    ftbStart?: string;
    ftbLen: number;
    wtbStart?: string;
    wtbLen: number;
    slack: number;
    poolStart: string;
    poolEnd: string;
    blocks: number;
    poolBytes: number;
  }>;
  /** mem_info's GC line for the heap gc_init/gc_add leave, before the interpreter allocates anything. */
  gcTotal: number;
  gcTotalLine: string;
  /** What the firmware's own boot allocations add to `used:` (measured; absent: firmware-dependent). */
  bootUsed?: { min: number; max: number; when: string };
  threshold: string;
  rootSection: { address: string; words: number };
  stack: { top: string; size: number; limit: number | null; scanned: string };
  typesBase: string;
  splitAuto?: { rule: string; maxNewSplit: number; segments: Array<{ start: string; end: string; note?: string }> };
  inferred: Record<string, string>;
  sources: string[];
  notes: string[];
  /** With --elf: the values the firmware's ELF set. */
  elf?: ElfReport;
}

function area(a: AreaLayout): LayoutReport['areas'][number] {
  return {
    via: a.descriptor ? 'gc_add' : 'gc_init',
    ...(a.descriptor ? { descriptor: `${hex(a.descriptor.address)} (${a.descriptor.size} B)` } : {}),
    atbStart: hex(a.atbStart),
    atbLen: a.atbLen,
    ...(a.gapByte !== undefined ? { gapByte: hex(a.gapByte) } : {}),
    ...(a.ftbStart !== undefined ? { ftbStart: hex(a.ftbStart) } : {}),
    ftbLen: a.ftbLen,
    ...(a.wtbStart !== undefined ? { wtbStart: hex(a.wtbStart) } : {}),
    wtbLen: a.wtbLen,
    slack: a.slack,
    poolStart: hex(a.poolStart),
    poolEnd: hex(a.poolEnd),
    blocks: a.blocks,
    poolBytes: a.poolBytes,
  };
}

export function layoutReport(b: BoardMachine): LayoutReport {
  const s = b.spec;
  const info = b.machine.heap.info();
  const bpb = b.config.blockSize;
  let gcTotalLine = `GC: total: ${info.total}, used: 0, free: ${info.total}`;
  if (b.config.splitAuto) gcTotalLine += `, max new split: ${info.maxNewSplit ?? 0}`;
  const ws = b.config.wordSize;
  const st = b.machine.stack;
  return {
    board: s.id,
    name: s.name,
    chip: s.chip,
    micropython: s.micropython,
    file: s.file ?? '',
    config: b.config,
    regions: s.regions.map((r) => ({ name: r.name, kind: r.kind, base: hex(r.base), end: hex(r.base + r.size), size: r.size, ...(r.note ? { note: r.note } : {}) })),
    heap: { placement: s.heap.placement, rule: s.heap.rule, start: hex(b.heapStart), end: hex(b.heapEnd), bytes: b.heapEnd - b.heapStart },
    areas: b.areas.map(area),
    gcTotal: info.total,
    gcTotalLine,
    ...(s.bootUsed ? { bootUsed: s.bootUsed } : {}),
    threshold: Number.isFinite(b.thresholdBlocks) ? `${b.thresholdBlocks} blocks (gc.threshold() reads ${b.thresholdBlocks * bpb})` : 'off (-1)',
    rootSection: { address: hex(s.rootSection.address), words: s.rootSection.words },
    stack: {
      top: hex(s.stack.top),
      size: s.stack.size,
      limit: b.stackLine.limit,
      scanned: `${hex(st.address)}..${hex(st.address + st.words * ws)} (${st.words} words)`,
    },
    typesBase: hex(s.typesBase),
    ...(s.splitAuto && b.systemHeap
      ? {
          splitAuto: {
            rule: s.splitAuto.rule,
            maxNewSplit: b.systemHeap.maxNewSplit(),
            segments: b.systemHeap.spec.segments.map((g) => ({ start: hex(g.start), end: hex(g.end), ...(g.note ? { note: g.note } : {}) })),
          },
        }
      : {}),
    inferred: s.inferred,
    sources: s.sources,
    notes: b.notes,
  };
}

export function formatLayout(r: LayoutReport): string {
  const out: string[] = [];
  if (r.elf) out.push(formatElfReport(r.elf));
  const c = r.config;
  out.push(`${r.name} — ${r.chip}`);
  out.push(`MicroPython ${r.micropython} (${r.file}); gc ${c.version}, ${c.wordSize * 8}-bit words, ${c.blockSize}-byte blocks, mark stack ${c.gcStack}, finaliser ${c.finaliser ? 'on' : 'off'}, split ${c.split ? (c.splitAuto ? 'auto' : 'on') : 'off'}${c.weakref ? ', weakref' : ''}`);
  out.push('');
  out.push('Memory map:');
  const nw = Math.max(...r.regions.map((x) => x.name.length));
  for (const x of r.regions) {
    out.push(`  ${x.name.padEnd(nw)}  ${x.kind.padEnd(5)}  ${x.base.padStart(14)} .. ${x.end.padEnd(14)} ${String(x.size).padStart(9)} B  ${x.note ?? ''}`.trimEnd());
  }
  out.push('');
  out.push(`Heap (${r.heap.placement}): ${r.heap.rule}`);
  out.push(`  gc_init(${r.heap.start}, ${r.heap.end}): ${r.heap.bytes} bytes`);
  r.areas.forEach((a, i) => {
    out.push(`  area ${i} (${a.via}${a.descriptor ? `, area struct at ${a.descriptor}` : ''}):`);
    out.push(`    ATB  ${a.atbStart}  ${a.atbLen} B${a.gapByte ? `, gap byte at ${a.gapByte}` : ''}`);
    if (a.ftbStart) out.push(`    FTB  ${a.ftbStart}  ${a.ftbLen} B`);
    if (a.wtbStart) out.push(`    WTB  ${a.wtbStart}  ${a.wtbLen} B`);
    out.push(`    pool ${a.poolStart} .. ${a.poolEnd}  ${a.blocks} blocks, ${a.poolBytes} B (slack before the pool: ${a.slack} B)`);
  });
  out.push(`  empty heap (gc_init done, nothing allocated): ${r.gcTotalLine}`);
  if (r.bootUsed) {
    const b = r.bootUsed;
    out.push(`  at the REPL, used: ${b.min === b.max ? b.min : `${b.min}-${b.max}`} B is the firmware's own boot allocations (measured ${b.when})`);
  } else {
    out.push("  at the REPL, used: is never 0: the firmware's own boot allocations (firmware-dependent, not measured for this board) come first");
  }
  // The lines micropython.mem_info(1) prints that the layout alone fixes, as the firmware prints them.
  out.push('  mem_info(1) prints:');
    out.push(`    stack: …${r.stack.limit !== null ? ` out of ${r.stack.limit}` : "" }`);
  out.push(`    GC: total: ${r.gcTotal}, used: …`);
  for (const a of r.areas) out.push(`    GC memory layout; from ${a.poolStart.replace(/^0x/, '')}:`);
  out.push(`  gc.threshold() at boot: ${r.threshold}`);
  if (r.splitAuto) {
    out.push(`  split-heap-auto: ${r.splitAuto.rule}`);
    out.push(`    system heap (modelled): ${r.splitAuto.segments.map((g) => `${g.start}..${g.end}`).join(', ')}; max new split now ${r.splitAuto.maxNewSplit}`);
  }
  out.push(`Root section: ${r.rootSection.address}, ${r.rootSection.words} words`);
  out.push(`C stack: top ${r.stack.top}, ${r.stack.size} B${r.stack.limit !== null ? ` (limit ${r.stack.limit})` : ''}; scanned at the REPL: ${r.stack.scanned}`);
  out.push(`Type objects (mp_type_*) at ${r.typesBase}`);
  const inf = Object.entries(r.inferred);
  if (inf.length) {
    out.push('');
    out.push('Inferred or not determined by the source (override with flags where it matters):');
    for (const [k, v] of inf) out.push(`  ${k}: ${v}`);
  }
  for (const n of r.notes) out.push(`note: ${n}`);
  return out.join('\n') + '\n';
}

/** loadBoard + buildBoard with CLI flags; engine errors become one-line UserErrors. */
export function boardFromArgs(name: string | BoardSpec, args: OverrideArgs): BoardMachine {
  const spec = typeof name === 'string' ? loadBoard(name) : name;
  try {
    return buildBoard(spec, overridesFrom(args));
  } catch (e) {
    if (e instanceof UserError) throw e;
    if (e instanceof BoardError || (e instanceof Error && /Error$/.test(e.name))) throw new UserError(`--board ${spec.id}: ${e.message}`);
    throw e;
  }
}

const command: CommandModule<object, Args> = {
  command: 'layout',
  describe: "Show a board's memory map and the GC heap layout (ATB, FTB, pool) it boots with",
  builder: (y) =>
    withOverrideOptions(
      y
        .option('board', { type: 'string', describe: 'board id or MicroPython board name (see mcu-gc boards); with --elf, default: the board the firmware names' })
        .option('json', { type: 'boolean', default: false, describe: 'machine-readable output' }),
    )
      .example('$0 layout --board=esp32', '')
      .example('$0 layout --board=qemu --elf build-MPS2_AN385/firmware.elf', "your build's heap, root range and type objects from its symbols")
      .example('$0 layout --board=RPI_PICO --pool-start 20010ec0 --pool-total 192000', 'place the heap as a captured mem_info(1) shows it') as never,
  handler: async (args) => {
    const { spec, elf } = await boardSpecWithElf(args.board, args.elf);
    const r: LayoutReport = { ...layoutReport(boardFromArgs(spec, args)), ...(elf ? { elf } : {}) };
    process.stdout.write(args.json ? JSON.stringify(r, null, 2) + '\n' : formatLayout(r));
  },
};

export default command;
