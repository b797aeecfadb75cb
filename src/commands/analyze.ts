// mcu-gc analyze IMAGE: load a heap image (from `capture --ram`, the virtual board, or a raw
// RAM dump) into the emulator; print the device's own mem_info(1) GC text regenerated from
// the bytes, fragmentation, reachability, why-alive paths, and what gc.collect() would free.

import type { CommandModule } from 'yargs';
import { cannotEmulate, checkAgainstDevice, emulateCollect } from '../../emulator/analysis/collect.js';
import { fragmentation } from '../../emulator/analysis/fragmentation.js';
import { GC_VERSIONS } from '../../emulator/config.js';
import { reachability, whyAlive } from '../../emulator/analysis/whyalive.js';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../io/files.js';
import { type GraphFormat, exportGraph } from '../graph/export.js';
import { type HtmlPanel, renderHtml } from '../html/page.js';
import { imageMeta, serializeImage } from '../image/format.js';
import { freedBlocks, gcTextOf } from '../capture/verify.js';
import { readText } from '../io/files.js';
import { type ImageSourceArgs, open, readImage } from '../image/load.js';
import { parseAddress } from '../image/raw.js';
import { DUMP_TYPE_LETTERS, type HeapImage, LETTER_NAMES, typeLetterOf } from '../../emulator/image.js';
import { TYPE_NAMES } from '../../emulator/types.js';
import { plural } from '../report/plural.js';
import { checkText, collectText, deviceDumpText, fragmentationText, noRootsCollectText, reachabilityText, whyText } from '../image/report.js';

interface Args {
  image: string;
  why?: string[];
  after?: string;
  collect: boolean;
  dump: boolean;
  html?: string;
  graph?: string[];
  type?: string;
  limit?: number;
  json: boolean;
  'save-image'?: string;
  force: boolean;
  base?: string;
  heap?: string[];
  roots?: string[];
  stack?: string[];
  profile?: string;
  word?: number;
  block?: number;
  finaliser?: boolean;
  split?: boolean;
  'split-auto'?: boolean;
  'max-new-split'?: number;
  types?: string;
  'device-dump'?: string;
}

function source(file: string, a: Args): ImageSourceArgs {
  return {
    file,
    base: a.base,
    heap: a.heap,
    roots: a.roots,
    stack: a.stack,
    profile: a.profile,
    word: a.word,
    block: a.block,
    finaliser: a.finaliser,
    split: a.split,
    splitAuto: a['split-auto'],
    maxNewSplit: a['max-new-split'],
    types: a.types,
    dump: a['device-dump'],
  };
}

/** --type takes what the graph filter can match: a type name, a dump letter, or a letter's name. */
function isGraphType(t: string): boolean {
  return typeLetterOf(t) !== undefined || Object.values(LETTER_NAMES).includes(t);
}

/** Why two images are not the same heap (before/after a collection), or null. */
export function layoutDifference(x: HeapImage, y: HeapImage): string | null {
  const hx = (n: number): string => '0x' + n.toString(16);
  if (x.word !== y.word || x.block !== y.block) return `${x.word}-byte words, ${x.block}-byte blocks vs ${y.word}-byte words, ${y.block}-byte blocks`;
  if (x.areas.length !== y.areas.length) return `${plural(x.areas.length, 'area')} vs ${y.areas.length}`;
  for (let i = 0; i < x.areas.length; i++) {
    const [p, q] = [x.areas[i]!, y.areas[i]!];
    if (p.start !== q.start || p.end !== q.end) return `areas[${i}] is [${hx(p.start)}, ${hx(p.end)}) vs [${hx(q.start)}, ${hx(q.end)})`;
  }
  return null;
}

const command: CommandModule<object, Args> = {
  command: 'analyze <image>',
  describe: 'Analyse a heap image: the device\'s mem_info(1) text, fragmentation, why-alive, what gc.collect() frees',
  builder: (y) =>
    y
      .positional('image', { type: 'string', demandOption: true, describe: 'heap image JSON (or a raw RAM dump with --base/--heap)' })
      .option('why', { type: 'string', array: true, describe: 'explain why the block at ADDR is alive (repeatable)' })
      .option('after', { type: 'string', describe: 'image captured after the device ran gc.collect(): check the emulated collection' })
      .option('collect', { type: 'boolean', default: true, describe: 'report what gc.collect() would free' })
      .option('dump', { type: 'boolean', default: true, describe: 'print the GC: / No. of / memory layout text' })
      .option('html', { type: 'string', describe: 'write a self-contained HTML report to FILE' })
      .option('graph', { type: 'string', array: true, nargs: 2, describe: 'write the object graph: --graph cytoscape|dot FILE' })
      .option('type', { type: 'string', describe: 'graph: only this type (name or dump letter) with its parents and children' })
      .option('limit', { type: 'number', describe: 'graph: at most N heap nodes' })
      .option('json', { type: 'boolean', default: false, describe: 'print the analysis as JSON instead of text' })
      .option('save-image', { type: 'string', describe: 'write the (converted) image as mcu-gc-heap-image/1 JSON' })
      .option('force', { type: 'boolean', default: false, describe: 'replace existing output files' })
      .option('base', { type: 'string', group: 'Raw dumps:', describe: 'address of the raw dump\'s first byte' })
      .option('heap', { type: 'string', array: true, group: 'Raw dumps:', describe: 'heap area START:END (ATB start .. pool end), repeatable' })
      .option('roots', { type: 'string', array: true, group: 'Raw dumps:', describe: 'root-pointer section START:END' })
      .option('stack', { type: 'string', array: true, group: 'Raw dumps:', describe: 'scanned stack START:END' })
      .option('profile', { type: 'string', group: 'Raw dumps:', describe: `GC profile (${GC_VERSIONS.join(', ')})` })
      .option('word', { type: 'number', group: 'Raw dumps:', describe: 'word size (4 or 8)' })
      .option('block', { type: 'number', group: 'Raw dumps:', describe: 'bytes per GC block' })
      .option('finaliser', { type: 'boolean', group: 'Raw dumps:', describe: 'MICROPY_ENABLE_FINALISER (default on)' })
      .option('split', { type: 'boolean', group: 'Raw dumps:', describe: 'MICROPY_GC_SPLIT_HEAP' })
      .option('split-auto', { type: 'boolean', group: 'Raw dumps:', describe: 'MICROPY_GC_SPLIT_HEAP_AUTO' })
      .option('max-new-split', { type: 'number', group: 'Raw dumps:', describe: 'what gc_get_max_new_split() returns' })
      .option('types', { type: 'string', describe: 'JSON {"0xADDR": "str", …}: where the device\'s type objects are' })
      .option('device-dump', { type: 'string', describe: 'the device\'s mem_info(1) text: learn type letters from it' })
      .example('$0 analyze heap.json --why 0x35a10', '')
      .example('$0 analyze before.json --after after.json --html report.html', '')
      .example('$0 analyze ram.bin --base 0x3ffae000 --heap 0x3ffb2000:0x3fff0000 --device-dump meminfo.txt', ''),
  handler: (a) => {
    const img = readImage(source(a.image, a));
    const l = open(a.image, img);
    // Validate everything before writing anything.
    const graph = a.graph;
    if (graph && (graph.length !== 2 || (graph[0] !== 'cytoscape' && graph[0] !== 'dot'))) {
      throw new UserError(`--graph: expected "cytoscape FILE" or "dot FILE", got "${graph.join(' ')}"`);
    }
    if (a.limit !== undefined && (!Number.isInteger(a.limit) || a.limit < 1)) throw new UserError(`--limit ${a.limit}: must be a whole number of nodes, at least 1`);
    if (a.type !== undefined && !isGraphType(a.type)) {
      throw new UserError(`--type ${a.type}: not a type name (${TYPE_NAMES.join(', ')}) or dump letter (${DUMP_TYPE_LETTERS.join(' ')} h)`);
    }
    const whys = (a.why ?? []).map((w) => parseAddress(w, '--why'));
    const afterImg = a.after ? readImage({ ...source(a.after, a), file: a.after }) : undefined;
    if (afterImg) {
      const problem = layoutDifference(img, afterImg);
      if (problem) throw new UserError(`${a.after}: not the same heap as ${a.image}: ${problem}`);
    }
    const afterLoaded = afterImg ? open(a.after!, afterImg) : undefined;

    const r = reachability(l.heap);
    const frag = fragmentation(l.heap);
    // Without roots every head looks unreachable: say the collection cannot be emulated
    // rather than claim it frees everything (and fail --after, which has nothing to check).
    const noRoots = cannotEmulate(img);
    if (afterImg && noRoots) throw new UserError(`--after ${a.after}: ${noRoots} (${a.image} has none)`, 1);
    const whatIf = !noRoots && (a.collect || afterImg) ? emulateCollect(img) : undefined;
    const check = whatIf && afterImg ? checkAgainstDevice(whatIf, afterImg) : undefined;
    // capture --ram records the firmware's own gc.collect() right after the read: compare.
    const raw = a.base === undefined && !a.heap?.length;
    const meta = raw ? imageMeta(readText(a.image)) : undefined;
    const recorded = whatIf && typeof meta?.afterCollect === 'string' && typeof meta.dump === 'string' ? { after: meta.afterCollect, before: meta.dump } : undefined;
    const recordedSame = recorded && !a.types && !a['device-dump'] ? deviceDumpText(whatIf!.after) === gcTextOf(recorded.after) : undefined;
    const whyAnswers = whys.map((w) => ({ addr: w, answer: whyAlive(l.heap, w, r) }));

    const out: string[] = [];
    if (a.json) {
      const hx = (n: number): string => '0x' + n.toString(16);
      const info = l.heap.info();
      out.push(
        JSON.stringify(
          {
            info,
            fragmentation: frag,
            unreachable: r.hasRoots ? r.graph.nodes.filter((n) => !r.reachable[n.id]).map((n) => hx(n.addr)) : null,
            why: whyAnswers.map(({ addr, answer }) => ({
              addr: hx(addr),
              status: answer.status,
              path: answer.status === 'alive' ? answer.path.map((s) => ({ addr: hx(s.node.addr), via: s.via })) : undefined,
            })),
            collect: whatIf
              ? { freed: whatIf.freed.map((n) => hx(n.addr)), record: whatIf.record }
              : a.collect && noRoots
                ? { emulated: false, reason: noRoots }
                : undefined,
            recordedCollect:
              recorded && recordedSame !== undefined
                ? { same: recordedSame, deviceFreedBlocks: freedBlocks(recorded.before, recorded.after), emulatedFreedBlocks: whatIf!.record.freedBlocks }
                : undefined,
            check: check
              ? {
                  bothFreed: check.bothFreed,
                  bothKept: check.bothKept,
                  deviceOnly: check.deviceFreedEmulatorKept.map((n) => hx(n.addr)),
                  emulatorOnly: check.emulatorFreedDeviceHead.map((n) => hx(n.addr)),
                }
              : undefined,
          },
          null,
          1,
        ) + '\n',
      );
    } else {
      const c = l.heap.config;
      out.push(`Heap image ${a.image}: ${c.version}, ${c.wordSize}-byte words, ${c.blockSize}-byte blocks, ${l.heap.areas.length} area(s), ${img.types.size} known type object(s)\n`);
      if (a.dump) out.push(deviceDumpText(l));
      out.push(fragmentationText(frag));
      out.push(reachabilityText(l, r));
      for (const { addr, answer } of whyAnswers) out.push(whyText(l, addr, answer));
      if (whatIf && a.collect) out.push(collectText(l, whatIf));
      else if (noRoots && a.collect) out.push(noRootsCollectText(noRoots));
      if (check) out.push(checkText(check));
      if (recorded && recordedSame !== undefined) {
        const n = freedBlocks(recorded.before, recorded.after);
        out.push(
          recordedSame
            ? `Check against the firmware's own gc.collect() recorded by capture --ram: the same heap after it (${n} blocks freed)\n`
            : `Check against the firmware's own gc.collect() recorded by capture --ram: it freed ${n} blocks, the emulated collection ${whatIf!.record.freedBlocks}; the heaps after differ\n`,
        );
      }
    }

    if (a['save-image']) writeFileAtomic(a['save-image'], serializeImage(img), { force: a.force });
    if (graph) writeFileAtomic(graph[1]!, exportGraph(l, { format: graph[0] as GraphFormat, type: a.type, limit: a.limit }), { force: a.force });
    if (a.html) {
      const panels: HtmlPanel[] = [{ title: `${a.image}`, loaded: l }];
      if (whatIf) panels.push({ title: 'after emulated gc.collect()', loaded: whatIf.after, notes: [`freed ${whatIf.freed.length} heads`] });
      if (afterLoaded) panels.push({ title: `device after gc.collect(): ${a.after}`, loaded: afterLoaded });
      const text = [...whyAnswers.map(({ addr, answer }) => whyText(l, addr, answer).trimEnd())];
      if (check) text.push(checkText(check).trimEnd());
      writeFileAtomic(a.html, renderHtml({ title: `mcu-gc heap report: ${a.image}`, panels, text }), { force: a.force });
    }
    process.stdout.write(out.join(''));
    if (recordedSame === false) {
      throw new UserError(`${a.image}: the emulated gc.collect() leaves a different heap than the firmware's own collection recorded by capture --ram`, 1);
    }
    if (check && check.deviceFreedEmulatorKept.length > 0) {
      throw new UserError(`${a.after}: the device freed ${check.deviceFreedEmulatorKept.length} head(s) the emulated collection keeps`, 1);
    }
  },
};

export default command;
