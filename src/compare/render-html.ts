// The comparison as one self-contained HTML page: summary tables and the two block maps side
// by side (64 blocks a line, as gc_dump_alloc_table prints them), differing blocks outlined.
// No scripts, no external resources. Every piece of text — labels (file names, board
// identity from the device), notes, numbers, map letters — goes through escapeHtml(); the
// map letters are also restricted to MicroPython's alphabet by the parser, but are escaped
// all the same.

import type { ParsedMemInfo } from '../memdump/index.js';
import type { Comparison } from './compare.js';
import { hx } from './summary.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const CLASS: Record<string, string> = {
  '.': 'f',
  '=': 't',
  h: 'h',
  T: 'ty',
  L: 'li',
  D: 'di',
  S: 'st',
  A: 'ar',
  F: 'fl',
  B: 'fn',
  M: 'mo',
  m: 'mk',
  '?': 'un',
};

function mapHtml(p: ParsedMemInfo, other: ParsedMemInfo, bs: number): string {
  const out: string[] = [];
  p.areas.forEach((area, ai) => {
    const om = other.areas[ai]?.map ?? '';
    out.push(`<h4>area ${ai}: pool ${escapeHtml(hx(area.start))}, ${area.blocks} blocks</h4><pre class="map">`);
    for (let line = 0; line < area.blocks; line += 64) {
      out.push(escapeHtml((line * bs).toString(16).padStart(8, '0')) + ': ');
      let k = line;
      const end = Math.min(area.blocks, line + 64);
      while (k < end) {
        const ch = area.map[k]!;
        const diff = om[k] !== ch;
        let j = k + 1;
        while (j < end && area.map[j] === ch && (om[j] !== area.map[j]) === diff) j++;
        const cls = (CLASS[ch] ?? 'h') + (diff ? ' d' : '');
        out.push(`<span class="${cls}">${escapeHtml(area.map.slice(k, j))}</span>`);
        k = j;
      }
      out.push('\n');
    }
    out.push('</pre>');
  });
  return out.join('');
}

export function renderHtml(
  c: Comparison,
  a: ParsedMemInfo,
  b: ParsedMemInfo,
  o: { title: string; notes?: string[] },
): string {
  const e = escapeHtml;
  const bs = c.a.blockSize ?? c.b.blockSize ?? 16;
  const rows = c.stats
    .map((r) => {
      const d = r.a !== undefined && r.b !== undefined ? r.b - r.a : undefined;
      return `<tr><th>${e(r.name)}</th><td>${r.a ?? '-'}</td><td>${r.b ?? '-'}</td><td class="${d ? 'chg' : ''}">${d === undefined ? '' : d}</td></tr>`;
    })
    .join('');
  const letters = c.letters
    .filter((l) => !c.deviceOnly || l.a)
    .map((l) =>
      c.deviceOnly
        ? `<tr><th><span class="${CLASS[l.letter] ?? 'h'}">${e(l.letter)}</span> ${e(l.meaning)}</th><td>${l.a}</td><td>-</td><td></td></tr>`
        : `<tr><th><span class="${CLASS[l.letter] ?? 'h'}">${e(l.letter)}</span> ${e(l.meaning)}</th><td>${l.a}</td><td>${l.b}</td><td class="${l.b - l.a ? 'chg' : ''}">${l.b - l.a}</td></tr>`,
    )
    .join('');
  const layout = c.layout.match
    ? `<p class="ok">layout: exact match (${c.layout.areas.length} area(s), ${bs}-byte blocks)</p>`
    : `<p class="bad">layout differs</p><ul>${c.layout.areas
        .map(
          (p) =>
            `<li>area ${p.index}: A ${p.a ? e(`${hx(p.a.start)}, ${p.a.blocks} blocks`) : 'none'}; B ${p.b ? e(`${hx(p.b.start)}, ${p.b.blocks} blocks`) : 'none'}</li>`,
        )
        .join('')}</ul>`;
  const notes = (o.notes ?? []).map((n) => `<li>${e(n)}</li>`).join('');
  const D = c.diff;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${e(o.title)}</title>
<style>
body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.5em 0}td,th{padding:2px 10px;text-align:right;border-bottom:1px solid #eee}th{text-align:left;font-weight:normal}
.ok{color:#176117;font-weight:bold}.bad{color:#a40000;font-weight:bold}.chg{color:#a45a00}
.cols{display:flex;gap:2em;align-items:flex-start}.col{flex:1;min-width:0;overflow-x:auto}
pre.map{font:12px/1.25 ui-monospace,monospace;margin:0}
.f{color:#bbb}.t{color:#777}.h{color:#1f4e9c}.ty{color:#8a2be2}.li{color:#b8860b}.di{color:#c71585}.st{color:#2e8b57}.ar{color:#d2691e}.fl{color:#008b8b}.fn{color:#b22222}.mo{color:#000;font-weight:bold}.mk{color:#f0f}.un{background:#fdd}
.d{background:#ffe08a;outline:1px solid #e0a800}
</style></head><body>
<h1>${e(o.title)}</h1>
<p>A: ${e(c.a.label)}${c.a.complete ? '' : ' (incomplete)'}<br>B: ${e(c.b.label)}${c.b.complete ? '' : ' (incomplete)'}</p>
${layout}
${notes ? `<ul>${notes}</ul>` : ''}
<table><tr><th></th><th>A</th><th>B</th><th>B−A</th></tr>${rows}</table>
<table><tr><th>blocks by letter</th><th>A</th><th>B</th><th>B−A</th></tr>${letters}</table>
<p>${c.deviceOnly ? `block diff: not compared — ${e(c.deviceOnly)}` : `block diff: ${D.differingBlocks} of ${D.comparedBlocks} blocks differ, in ${D.runsTotal} run(s) (highlighted).`}</p>
<div class="cols"><div class="col"><h3>A: ${e(c.a.label)}</h3>${mapHtml(a, b, bs)}</div><div class="col"><h3>B: ${e(c.b.label)}</h3>${mapHtml(b, a, bs)}</div></div>
</body></html>
`;
}
