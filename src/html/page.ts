// A self-contained HTML report of one or more heaps side by side (image / after an emulated
// collection / device after its collection): a heap map per area coloured by type with a
// legend, hover for address, size and type, and free-run histograms.
//
// Safety: everything that came from a device (dump letters, type names, file names, numbers)
// is untrusted. None of it is interpolated into markup: the page template is a constant, the
// data travels as one JSON document inside <script type="application/json">, with <, >, &,
// U+2028 and U+2029 written as \uXXXX escapes so no byte sequence can close the script
// element, and the page script puts every value into the DOM with textContent or canvas
// drawing only (never innerHTML). One escaping rule at one seam is why no templating library
// is used: there is no HTML templating to get wrong.

import { AT_FREE, AT_HEAD, AT_TAIL } from '../../emulator/area.js';
import type { LoadedImage } from '../../emulator/image.js';
import { LETTER_NAMES } from '../../emulator/image.js';
import { type Fragmentation, fragmentation } from '../../emulator/analysis/fragmentation.js';

export interface HtmlPanel {
  title: string;
  loaded: LoadedImage;
  /** Short lines shown under the title (e.g. "freed 123 heads"). */
  notes?: string[];
}

interface PanelData {
  title: string;
  notes: string[];
  blockSize: number;
  areas: Array<{ poolStart: number; cells: string; typeNames: Record<string, string> }>;
  frag: Fragmentation;
}

export interface HtmlReport {
  title: string;
  panels: HtmlPanel[];
  /** Extra text lines (why-alive answers, collection check). */
  text?: string[];
}

function cellsOf(l: LoadedImage): PanelData['areas'] {
  return l.heap.areas.map((a) => {
    const chars: string[] = new Array(a.blocks);
    const typeNames: Record<string, string> = {};
    for (let b = 0; b < a.blocks; b++) {
      const k = a.kind(b);
      if (k === AT_FREE) chars[b] = '.';
      else if (k === AT_TAIL) chars[b] = '=';
      else if (k === AT_HEAD) {
        const w = l.heap.mem.readWord(a.addr(b));
        const letter = l.types.letter(w);
        chars[b] = letter;
        const name = l.types.describe(w);
        if (name !== (LETTER_NAMES[letter] ?? '')) typeNames[String(b)] = name;
      } else chars[b] = 'm';
    }
    return { poolStart: a.poolStart, cells: chars.join(''), typeNames };
  });
}

/** JSON safe inside a <script> element: no '<', '>', '&', U+2028, U+2029 survive literally. */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

export function renderHtml(r: HtmlReport): string {
  const data = {
    title: r.title,
    text: r.text ?? [],
    letterNames: LETTER_NAMES,
    panels: r.panels.map<PanelData>((p) => ({
      title: p.title,
      notes: p.notes ?? [],
      blockSize: p.loaded.heap.config.blockSize,
      areas: cellsOf(p.loaded),
      frag: fragmentation(p.loaded.heap),
    })),
  };
  return TEMPLATE.replace('__DATA__', () => scriptJson(data));
}

const TEMPLATE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>mcu-gc heap report</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 16px; color: #222; background: #fff; }
h1 { font-size: 18px; margin: 0 0 8px; }
h2 { font-size: 15px; margin: 8px 0 4px; }
.panels { display: flex; gap: 24px; align-items: flex-start; flex-wrap: wrap; }
.panel { border: 1px solid #ccc; padding: 8px; border-radius: 4px; }
.legend { display: flex; flex-wrap: wrap; gap: 10px; margin: 6px 0 12px; }
.legend span.sw { display: inline-block; width: 12px; height: 12px; border: 1px solid #888; vertical-align: middle; margin-right: 4px; }
canvas.map { image-rendering: pixelated; border: 1px solid #999; display: block; margin: 4px 0; }
.stats { font-family: monospace; font-size: 12px; white-space: pre; }
.hist .row { display: flex; align-items: center; gap: 6px; font: 12px monospace; }
.hist .bar { background: #4a7bd0; height: 10px; }
#tip { position: fixed; pointer-events: none; background: #ffe; border: 1px solid #999; padding: 4px 6px; font: 12px monospace; display: none; white-space: pre; }
pre.text { background: #f6f6f6; padding: 8px; white-space: pre-wrap; }
</style>
</head>
<body>
<h1 id="title"></h1>
<div class="legend" id="legend"></div>
<div class="panels" id="panels"></div>
<pre class="text" id="text"></pre>
<div id="tip"></div>
<script type="application/json" id="data">__DATA__</script>
<script>
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('data').textContent);
  var COLORS = { T: '#e6194b', L: '#3cb44b', D: '#4363d8', S: '#f58231', A: '#911eb4', F: '#42d4f4',
    B: '#f032e6', M: '#9a6324', h: '#808000', m: '#000000' };
  var FREE = '#f4f4f4';
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = String(text);
    return e;
  }
  function hex(n) { return '0x' + Number(n).toString(16); }
  document.getElementById('title').textContent = data.title;
  var legend = document.getElementById('legend');
  function swatch(color, label, tail) {
    var item = el('span');
    var sw = el('span', 'sw');
    sw.style.background = color;
    if (tail) sw.style.opacity = '0.45';
    item.appendChild(sw);
    item.appendChild(document.createTextNode(label));
    legend.appendChild(item);
  }
  Object.keys(COLORS).forEach(function (k) {
    if (k === 'm') return;
    swatch(COLORS[k], k + ' ' + (data.letterNames[k] || ''), false);
  });
  swatch('#808080', '= tail (rest of the object to its left; not free)', true);
  swatch(FREE, '. free', false);
  var tip = document.getElementById('tip');
  var COLS = 128;
  var PX = 3;
  data.panels.forEach(function (p) {
    var box = el('div', 'panel');
    box.appendChild(el('h2', '', p.title));
    p.notes.forEach(function (n) { box.appendChild(el('div', 'stats', n)); });
    var f = p.frag;
    box.appendChild(el('div', 'stats',
      'total ' + f.totalBytes + ' B, used ' + f.usedBytes + ' B, free ' + f.freeBytes + ' B\\n' +
      'largest free run ' + f.largestFreeBytes + ' B (' + (100 * f.largestFreeRatio).toFixed(1) + ' % of free)\\n' +
      'fragmentation index ' + f.fragmentationIndex.toFixed(3) + ', 1-blocks ' + f.oneBlock + ', 2-blocks ' + f.twoBlock));
    p.areas.forEach(function (a) {
      var n = a.cells.length;
      var rows = Math.ceil(n / COLS);
      var c = el('canvas', 'map');
      c.width = COLS * PX; c.height = rows * PX;
      c.setAttribute('aria-label', 'heap area at ' + hex(a.poolStart));
      var g = c.getContext('2d');
      var current = FREE;
      for (var b = 0; b < n; b++) {
        var ch = a.cells.charAt(b);
        var color;
        g.globalAlpha = 1;
        if (ch === '.') color = FREE;
        else if (ch === '=') { color = current; g.globalAlpha = 0.45; }
        else { color = COLORS[ch] || COLORS.h; current = color; }
        g.fillStyle = color;
        g.fillRect((b % COLS) * PX, Math.floor(b / COLS) * PX, PX, PX);
      }
      box.appendChild(el('div', 'stats', 'area ' + hex(a.poolStart) + ': ' + n + ' blocks'));
      box.appendChild(c);
      c.addEventListener('mousemove', function (ev) {
        var r = c.getBoundingClientRect();
        var b = Math.floor((ev.clientY - r.top) / PX) * COLS + Math.floor((ev.clientX - r.left) / PX);
        if (b < 0 || b >= n) { tip.style.display = 'none'; return; }
        var ch = a.cells.charAt(b);
        var lines;
        if (ch === '.') {
          var s = b, e = b;
          while (s > 0 && a.cells.charAt(s - 1) === '.') s--;
          while (e + 1 < n && a.cells.charAt(e + 1) === '.') e++;
          lines = 'free block ' + hex(a.poolStart + b * p.blockSize) + '\\nfree run ' + (e - s + 1) * p.blockSize + ' B';
        } else {
          var h = b;
          while (h > 0 && a.cells.charAt(h) === '=') h--;
          var len = 1;
          while (h + len < n && a.cells.charAt(h + len) === '=') len++;
          var letter = a.cells.charAt(h);
          var name = a.typeNames[String(h)] || data.letterNames[letter] || 'other';
          lines = hex(a.poolStart + h * p.blockSize) + ' ' + letter + ' ' + name + '\\n' + len * p.blockSize + ' B (' + len + ' blocks)' +
            (h !== b ? '\\nthis block: tail at ' + hex(a.poolStart + b * p.blockSize) : '');
        }
        tip.textContent = lines;
        tip.style.left = (ev.clientX + 12) + 'px';
        tip.style.top = (ev.clientY + 12) + 'px';
        tip.style.display = 'block';
      });
      c.addEventListener('mouseleave', function () { tip.style.display = 'none'; });
    });
    var hist = el('div', 'hist');
    hist.appendChild(el('div', 'stats', 'free runs by length (blocks): count'));
    var max = 1;
    f.freeRunHistogram.forEach(function (h) { if (h.runs > max) max = h.runs; });
    f.freeRunHistogram.forEach(function (h) {
      if (!h.runs) return;
      var row = el('div', 'row');
      row.appendChild(el('span', '', (h.min === h.max ? String(h.min) : h.min + '-' + h.max).padStart(11)));
      var bar = el('span', 'bar');
      bar.style.width = Math.max(1, Math.round(200 * h.runs / max)) + 'px';
      row.appendChild(bar);
      row.appendChild(el('span', '', String(h.runs)));
      hist.appendChild(row);
    });
    box.appendChild(hist);
    document.getElementById('panels').appendChild(box);
  });
  document.getElementById('text').textContent = data.text.join('\\n');
  document.body.setAttribute('data-rendered', 'yes');
})();
</script>
</body>
</html>
`;
