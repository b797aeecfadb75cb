// JUnit XML for `mcu-gc check --junit FILE`: one <testsuite> per board (and what-if
// variant), one <testcase> for its layout and one per workload, a <failure> carrying the
// difference in words. The shape CI systems read (GitHub/GitLab test reports, Jenkins):
// testsuites > testsuite[name,tests,failures,errors,skipped] > testcase[classname,name].

import type { Verdict } from './check-diff.js';
import { layoutKey } from './check-result.js';

/** XML 1.0 text: escaped, and without the control characters XML cannot carry. */
function esc(s: string): string {
  return s
    .replace(/[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

export function junitXml(verdicts: readonly Verdict[], opts: { recorded?: boolean; name?: string } = {}): string {
  const suites = new Map<string, Verdict[]>();
  for (const v of verdicts) {
    const k = layoutKey(v.board, v.whatIf);
    const list = suites.get(k) ?? [];
    list.push(v);
    suites.set(k, list);
  }
  const failures = verdicts.filter((v) => v.words.length).length;
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<testsuites name="${esc(opts.name ?? 'mcu-gc check')}" tests="${verdicts.length}" failures="${failures}" errors="0">`);
  for (const [name, vs] of [...suites.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const f = vs.filter((v) => v.words.length).length;
    out.push(`  <testsuite name="${esc(name)}" tests="${vs.length}" failures="${f}" errors="0" skipped="0">`);
    // The layout first, then the workloads in name order.
    const sorted = [...vs].sort((a, b) => (a.kind !== b.kind ? (a.kind === 'layout' ? -1 : 1) : (a.workload ?? '') < (b.workload ?? '') ? -1 : 1));
    for (const v of sorted) {
      const caseName = v.kind === 'layout' ? 'layout' : v.workload!;
      const open = `    <testcase classname="mcu-gc.check.${esc(name)}" name="${esc(caseName)}"`;
      if (v.words.length === 0) {
        out.push(opts.recorded ? `${open}>\n      <system-out>recorded</system-out>\n    </testcase>` : `${open}/>`);
      } else {
        const words = v.words.join('; ');
        out.push(`${open}>\n      <failure type="regression" message="${esc(words)}">${esc(v.words.join('\n'))}</failure>\n    </testcase>`);
      }
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
