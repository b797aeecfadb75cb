// The HTML report in a real headless browser (Debian's chromium): it renders (its script
// runs and marks the body), and device-controlled strings — a root range name, a file name —
// that carry markup end up as inert text. Skips with a message when chromium is absent
// (install: apt-get install -y chromium).

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadImage } from '../../emulator/image.js';
import { renderHtml, scriptJson } from '../../src/html/page.js';
import { serializeImage } from '../../src/image/format.js';
import { type WasmDump, WasmBoard } from '../../src/wasm/capture.js';
import { tempDir } from '../helpers/temp.js';

const CHROMIUM = '/usr/bin/chromium';
const CLI = join(__dirname, '../../bin/mcu-gc.js');
const EVIL = '"><img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script>';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`html.test: ${CHROMIUM} not found, browser checks skipped (apt-get install -y chromium)`);

function chromium(args: string[]): string {
  const r = spawnSync(
    CHROMIUM,
    ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--hide-scrollbars', ...args],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (r.status !== 0) throw new Error(`chromium failed (${r.status}): ${r.stderr.slice(-500)}`);
  return r.stdout;
}

let cap: WasmDump;
let dir: string;
let page: string;
let nums: number;

beforeAll(async () => {
  const b = await WasmBoard.open();
  const out = b.run('keep = [i * 0.5 for i in range(30)]\nnames = [str(i) * 9 for i in range(400)]\nnames = names[::3]\nprint("ID", id(keep))').output;
  nums = Number(/ID (\d+)/.exec(out)![1]);
  cap = b.capture('');
  dir = tempDir('mcugc-html-');
  // A crafted image: the root range name (free text in the format) carries markup.
  const img = { ...cap.image, roots: cap.image.roots.map((r) => ({ ...r, name: EVIL })) };
  const imgFile = join(dir, `heap<script>alert(1)<svg onload=x>.json`);
  writeFileSync(imgFile, serializeImage(img));
  page = join(dir, 'report.html');
  const r = spawnSync(process.execPath, [CLI, 'analyze', imgFile, '--why', '0x' + nums.toString(16), '--html', page], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
}, 60_000);

describe('HTML report', () => {
  it('is self-contained and carries untrusted strings only inside escaped JSON', () => {
    const html = readFileSync(page, 'utf8');
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    // Exactly the page's own two script elements; the crafted ones never appear as markup.
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html).not.toContain('<img');
    expect(html).toContain('\\u003cimg src=x onerror=');
    expect(scriptJson({ s: '</script><!--\u2028' })).toBe('{"s":"\\u003c/script\\u003e\\u003c!--\\u2028"}');
  });

  it('renders in chromium with the crafted strings inert', { timeout: 90_000 }, (ctx) => {
    if (!hasChromium) ctx.skip();
    const dom = chromium(['--virtual-time-budget=5000', '--dump-dom', 'file://' + page]);
    expect(dom).toContain('data-rendered="yes"');
    expect(dom).toContain('<title>mcu-gc heap report</title>');
    // The why-alive text names the range; as text it is escaped, never an element.
    expect(dom).toContain('&lt;img src=x onerror=');
    expect(dom).not.toMatch(/<img[\s>]/);
    expect(dom.match(/<script/g)).toHaveLength(2);
    expect(dom).toMatch(/<canvas class="map" width="384" height="\d+"/);
    // Side by side: the image and the heap after the emulated collection.
    expect(dom).toContain('after emulated gc.collect()');
    const png = join(dir, 'report.png');
    chromium(['--window-size=1400,1000', `--screenshot=${png}`, 'file://' + page]);
    const bytes = readFileSync(png);
    expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(bytes.length).toBeGreaterThan(20_000);
    if (process.env.MCUGC_KEEP_SCREENSHOT) writeFileSync(process.env.MCUGC_KEEP_SCREENSHOT, bytes);
  });

  it('renders a panel per heap given', () => {
    const l = loadImage(cap.image);
    const html = renderHtml({ title: 't', panels: [{ title: 'a', loaded: l }, { title: 'b', loaded: l }] });
    const data = JSON.parse(/<script type="application\/json" id="data">(.*?)<\/script>/s.exec(html)![1]!);
    expect(data.panels).toHaveLength(2);
    expect(data.panels[0].areas[0].cells.length).toBe(l.heap.areas[0]!.blocks);
    expect(data.panels[0].areas[0].cells).toMatch(/^[.=TLDSAFBMhm]+$/);
  });
});
