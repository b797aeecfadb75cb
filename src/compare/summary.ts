// Short human summaries of a snapshot (printed by `capture`).

import type { Snapshot } from '../capture/snapshot.js';

export function hx(n: number): string {
  return '0x' + n.toString(16);
}

export function snapshotSummary(s: Snapshot): string {
  const out: string[] = [];
  const d = s.device;
  const who = [d.version ? `MicroPython ${d.version}` : 'MicroPython', d.platform ? `on ${d.platform}` : '', d.machine ? `(${d.machine})` : '']
    .filter(Boolean)
    .join(' ');
  out.push(`  ${who}${s.port ? `, port ${s.port}` : ''}, ${s.time}`);
  const p = s.parsed;
  if (p.stack) out.push(`  stack: ${p.stack.used}${p.stack.limit !== undefined ? ` out of ${p.stack.limit}` : ''}`);
  if (p.gc) {
    const g = p.gc;
    out.push(
      `  GC: total ${g.total}, used ${g.used}, free ${g.free}${g.maxNewSplit !== undefined ? `, max new split ${g.maxNewSplit}` : ''}; ` +
        `1-blocks ${g.num1block}, 2-blocks ${g.num2block}, largest block ${g.maxBlock}, largest free run ${g.maxFree} blocks`,
    );
  }
  if (p.areas.length) {
    const areas = p.areas.map((a) => `${hx(a.start)} (${a.blocks} blocks)`).join(', ');
    out.push(`  ${p.areas.length} area${p.areas.length > 1 ? 's' : ''}: ${areas}${p.blockSize ? `, ${p.blockSize}-byte blocks` : ''}`);
  }
  if (s.memAlloc !== undefined) out.push(`  gc.mem_alloc() in the same command: ${s.memAlloc}${p.gc && p.gc.used === s.memAlloc ? ' (= used)' : ''}`);
  const f = s.footprint;
  if (f) {
    const parts: string[] = [];
    if (f.codeBlocks !== undefined) parts.push(`${f.codeBlocks} blocks (${f.codeBytes} bytes) held by the capture command during the dump`);
    if (f.allocatedBeforeDump !== undefined) {
      parts.push(`${f.allocatedBeforeDump} bytes allocated between ${f.since === 'command start' ? "the capture command's start (no gc.collect() ran)" : 'gc.collect()'} and the dump`);
    }
    if (parts.length) out.push(`  capture footprint: ${parts.join('; ')}${s.rawPaste === false ? ' (chunked raw mode: the REPL line buffer also holds the source)' : ''}`);
  }
  if (s.script) out.push(`  setup script ${s.script.file}${s.script.error ? ` raised: ${s.script.error.split('\n').pop()}` : ' ran'}`);
  return out.join('\n') + '\n';
}
