// The promises every command keeps on any input, as checks on one finished run: exit 0, 1
// or 2; an error is one line on stderr (warnings aside); never `internal error`; never a
// stack trace; no temporary file left behind; every output file whole.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface RunOutcome {
  code: number;
  out: string;
  err: string;
}

export function outcomeProblems(r: RunOutcome): string[] {
  const p: string[] = [];
  if (![0, 1, 2].includes(r.code)) p.push(`exit ${r.code}`);
  if (/internal error/.test(r.err)) p.push('internal error');
  if (/^\s+at .*(:\d+:\d+\)?|\(native\)|<anonymous>\)?)$/m.test(r.err)) p.push('stack trace');
  if (r.code !== 0) {
    const lines = r.err.split('\n').filter((l) => l !== '' && !/: warning: /.test(l));
    // A sweep (`run`/`check` over several boards or workloads) goes on past a case that cannot
    // run: one line per such case, then one summary line ("K of N runs could not run").
    const sweep = lines.length > 1 && /^mcu-gc: \d+ of \d+ runs could not run/.test(lines[lines.length - 1]!) && lines.length - 1 <= Number(/^mcu-gc: (\d+) of/.exec(lines[lines.length - 1]!)![1]);
    if (lines.length > 1 && !sweep) p.push(`${lines.length} lines on stderr`);
    // Exit 1 is a result (diff: different; conformance: a vector failed), not an error.
    if (lines.length === 0 && r.code === 2) p.push('bad input without a message');
  }
  return p;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

/** Files in the case folder that break "nothing half-written"; `inputs` are the case's own files. */
export function folderProblems(dir: string, inputs: ReadonlySet<string>): string[] {
  const p: string[] = [];
  for (const f of walk(dir)) {
    const rel = relative(dir, f);
    if (inputs.has(rel)) continue;
    if (/\.tmp$/.test(f)) {
      p.push(`temporary file left: ${rel}`);
      continue;
    }
    if (statSync(f).size === 0) {
      p.push(`empty output file: ${rel}`);
      continue;
    }
    const text = readFileSync(f, 'utf8');
    if (/\.json$/.test(f)) {
      try {
        JSON.parse(text);
      } catch {
        p.push(`output is not whole JSON: ${rel}`);
      }
    }
    if (/\.html$/.test(f) && !/<\/html>\s*$/.test(text)) p.push(`output HTML is cut short: ${rel}`);
  }
  return p;
}
