// The comparison as terminal text. Colour via picocolors only when asked for (the caller
// decides: a TTY and no NO_COLOR), so piped output and files stay plain.

import pc from 'picocolors';
import type { Comparison } from './compare.js';
import { hx } from './summary.js';

export interface TextOptions {
  color: boolean;
  /** Diff runs to list (the rest are counted). */
  maxRuns?: number;
  /** Lines explaining layout mismatches, device-only parts, etc. (printed after the layout). */
  notes?: string[];
  /** Rows whose B value is not comparable (e.g. a --script ran on the device only). */
  deviceOnly?: boolean;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function lpad(s: string, n: number): string {
  return s.length >= n ? s : ' '.repeat(n - s.length) + s;
}

/** Strip terminal control characters from text that came from a device or a file name. */
export function safe(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function renderText(c: Comparison, o: TextOptions): string {
  const k = pc.createColors(o.color);
  const out: string[] = [];
  out.push(`A: ${safe(c.a.label)}${c.a.complete ? '' : k.yellow(' (incomplete)')}`);
  out.push(`B: ${safe(c.b.label)}${c.b.complete ? '' : k.yellow(' (incomplete)')}`);
  out.push('');
  const L = c.layout;
  if (L.match) {
    const a0 = L.areas.map((p) => `${hx(p.a!.start)} (${p.a!.blocks} blocks)`).join(', ');
    out.push(
      `${k.green(k.bold('layout: exact match'))} — ${L.areas.length} area${L.areas.length === 1 ? '' : 's'} of ${c.a.blockSize}-byte blocks: ${a0}` +
        (L.relative ? ' (run-time addresses: compared relative to each pool start)' : ''),
    );
  } else {
    out.push(k.red(k.bold('layout: differs')));
    if (!L.blockSizeMatch) out.push(`  block size: A ${c.a.blockSize ?? '?'}, B ${c.b.blockSize ?? '?'}`);
    for (const p of L.areas) {
      const side = (x?: { start: number; blocks: number }): string => (x ? `pool ${hx(x.start)}, ${x.blocks} blocks` : 'no such area');
      const mark = p.sameStart && p.sameBlocks ? k.green('same') : k.red('differs');
      out.push(`  area ${p.index}: A ${side(p.a)}; B ${side(p.b)}  ${mark}`);
    }
  }
  for (const n of o.notes ?? []) out.push(`  ${k.yellow('•')} ${safe(n)}`);
  out.push('');
  out.push(`  ${pad('', 14)}${lpad('A', 12)}${lpad('B', 12)}${lpad('B−A', 10)}`);
  for (const r of c.stats) {
    const d = r.a !== undefined && r.b !== undefined ? r.b - r.a : undefined;
    const ds = d === undefined ? '' : d === 0 ? '0' : (d > 0 ? '+' : '') + d;
    const col = d === undefined || d === 0 ? (s: string) => s : k.yellow;
    out.push(`  ${pad(r.name, 14)}${lpad(r.a === undefined ? '-' : String(r.a), 12)}${lpad(r.b === undefined ? '-' : String(r.b), 12)}${col(lpad(ds, 10))}`);
  }
  if (c.letters.length) {
    out.push('');
    out.push('  blocks by letter');
    for (const l of c.letters) {
      if (c.deviceOnly) {
        if (l.a) out.push(`  ${l.letter} ${pad(l.meaning, 30)}${lpad(String(l.a), 8)}${lpad('-', 12)}`);
        continue;
      }
      const d = l.b - l.a;
      const col = d === 0 ? (s: string) => s : k.yellow;
      out.push(`  ${l.letter} ${pad(l.meaning, 30)}${lpad(String(l.a), 8)}${lpad(String(l.b), 12)}${col(lpad(d === 0 ? '0' : (d > 0 ? '+' : '') + d, 10))}`);
    }
  }
  out.push('');
  const D = c.diff;
  if (c.deviceOnly) out.push(`block diff: not compared — ${safe(c.deviceOnly)}`);
  else if (D.comparedBlocks === 0) out.push('block diff: no block tables to compare (mem_info without the (1)?)');
  else if (D.differingBlocks === 0) out.push(k.green(`block diff: all ${D.comparedBlocks} blocks are the same`));
  else {
    const pct = ((100 * D.differingBlocks) / D.comparedBlocks).toFixed(1);
    out.push(`${k.bold('block diff')}: ${D.differingBlocks} of ${D.comparedBlocks} blocks differ (${pct}%), in ${D.runsTotal} run${D.runsTotal === 1 ? '' : 's'}`);
    const max = o.maxRuns ?? 20;
    for (const r of D.runs.slice(0, max)) {
      const show = (s: string): string => (s.length > 48 ? s.slice(0, 48) + '…' : s) || '(none)';
      out.push(`  area ${r.area} block ${r.from} ${k.dim('@' + hx(r.address))} ×${r.to - r.from}:  A ${k.red(show(r.a))}  B ${k.green(show(r.b))}`);
    }
    if (D.runsTotal > max) out.push(k.dim(`  … ${D.runsTotal - max} more run(s) (--max-runs N, --json or --html for all)`));
  }
  return out.join('\n') + '\n';
}
