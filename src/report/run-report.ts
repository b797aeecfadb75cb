// Text and JSON forms of a RunReport (mcu-gc run) and of two runs side by side (--vs).

import type { RunReport } from '../../emulator/run.js';

const n = (x: number): string => x.toLocaleString('en-US');

function kib(bytes: number): string {
  return bytes >= 10240 ? `${n(bytes)} B (${(bytes / 1024).toFixed(1)} KiB)` : `${n(bytes)} B`;
}

/** The summary rows, shared by the single and side-by-side views. */
export function summaryRows(r: RunReport): Array<[string, string]> {
  const c = r.counters;
  const rows: Array<[string, string]> = [
    ['board', `${r.board} (${r.micropython}, gc ${r.config.version}, ${r.config.wordSize * 8}-bit, ${r.config.blockSize}-byte blocks)`],
    ['workload', r.seed ? `${r.workload} (seed ${r.seed}${r.scale !== 1 ? `, scale ${r.scale}` : ''})` : r.workload],
    ['gc.threshold() at boot', r.thresholdBytes === null ? '-1 (off)' : `${n(r.thresholdBytes)} B`],
    ['allocations', `${n(c.allocs)} (failed ${n(c.failedAllocs)}), reallocs ${n(c.reallocs)}, frees ${n(c.frees)}`],
    ['MemoryErrors', n(r.memoryErrors)],
    [
      'collections',
      `${n(c.collections)} (threshold ${n(r.collectionsByReason.threshold)}, heap exhausted ${n(r.collectionsByReason.exhausted)}, gc.collect() ${n(r.collectionsByReason.explicit)})`,
    ],
    ['heap total at end', kib(r.info.total)],
    ['peak used', kib(r.peakUsedBytes)],
    ['used at end', kib(r.info.used)],
    ['largest free run at end', kib(r.largestFreeBytes)],
  ];
  if (r.worstLargestFreeAfterGc !== null) rows.push(['worst largest free after a GC', kib(r.worstLargestFreeAfterGc)]);
  rows.push(['heap areas', `${r.areasAtBoot.length} at boot, ${r.areasAtEnd.length} at end`]);
  if (r.systemHeap || r.config.splitAuto) {
    rows.push([
      'split-heap-auto',
      `added ${n(c.areasAdded)} area(s), gave back ${n(c.areasFreed)}; max new split at end ${kib(r.systemHeap?.maxNewSplitAtEnd ?? 0)}`,
    ]);
  }
  rows.push([
    'emulated work',
    `${n(r.work.ops)} ops, ${kib(r.work.bytesRequested)} requested; GC marked ${n(r.work.markedWords)} words, swept ${n(r.work.sweptBlocks)} blocks`,
  ]);
  rows.push(['collection trigger', r.pacing === 'stock' ? 'stock (gc.threshold as configured)' : r.pacing]);
  if (r.pauses) {
    const p = r.pauses;
    const ms = (x: number): string => (x >= 10 ? x.toFixed(0) : x.toFixed(2));
    rows.push([
      'GC pause (estimated)',
      `mean ${ms(p.meanMs)} ms, max ${ms(p.maxMs)} ms (model band ${ms(p.maxLowMs)}–${ms(p.maxHighMs)} ms), total ${ms(p.totalMs)} ms over ${n(p.collections)} collections; ${p.model}`,
    ]);
  }
  if (r.warnings.length) rows.push(['warnings', `${r.warnings.length}: ${r.warnings[0]!.message}`]);
  return rows;
}

function table(rows: Array<[string, string]>): string {
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n') + '\n';
}

export function formatRun(r: RunReport, opts: { memInfo?: boolean } = {}): string {
  let s = '';
  for (const d of r.dumps) s += `--- micropython.mem_info(1) after ${n(d.ops)} ops ---\n${d.text}`;
  if (r.traceOutput) s += `--- trace output ---\n${r.traceOutput}`;
  if (opts.memInfo !== false) s += `--- micropython.mem_info(1) at the end ---\n${r.memInfo}`;
  s += `--- summary ---\n${table(summaryRows(r))}`;
  for (const note of r.notes) s += `note: ${note}\n`;
  return s;
}

/** Two runs, summary rows side by side, then each run's gc_dump_info lines. */
export function formatSideBySide(a: RunReport, b: RunReport, labels: [string, string]): string {
  const ra = summaryRows(a);
  const rb = summaryRows(b);
  const keys = [...new Set([...ra.map((r) => r[0]), ...rb.map((r) => r[0])])];
  const get = (rows: Array<[string, string]>, k: string): string => rows.find((r) => r[0] === k)?.[1] ?? '';
  const kw = Math.max(...keys.map((k) => k.length));
  const colW = 48;
  const wrap = (t: string): string[] => {
    const out: string[] = [];
    let line = '';
    for (const word of t.split(' ')) {
      if (line && line.length + 1 + word.length > colW) {
        out.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(line);
    return out;
  };
  let s = `${''.padEnd(kw)}  ${labels[0].padEnd(colW)}  ${labels[1]}\n`;
  for (const k of keys) {
    const la = wrap(get(ra, k));
    const lb = wrap(get(rb, k));
    for (let i = 0; i < Math.max(la.length, lb.length); i++) {
      s += `${(i === 0 ? k : '').padEnd(kw)}  ${(la[i] ?? '').padEnd(colW)}  ${lb[i] ?? ''}`.trimEnd() + '\n';
    }
  }
  const gcLines = (r: RunReport): string =>
    r.memInfo
      .split('\n')
      .filter((l) => /^(mem:|stack:|GC:| No\. of)/.test(l))
      .join('\n');
  s += `\n--- ${labels[0]}: mem_info() at the end ---\n${gcLines(a)}\n--- ${labels[1]}: mem_info() at the end ---\n${gcLines(b)}\n`;
  return s;
}

/** JSON for machine use: everything in the report. */
export function runReportJson(r: RunReport): unknown {
  return r;
}
