// Runs the real command path (src/cli/run-cli.ts) in this process, capturing stdout and
// stderr: thousands of cases cost milliseconds each instead of a Node start-up each.
import { runCli } from '../../src/cli/run-cli.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export async function cli(argv: readonly string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const so = process.stdout.write.bind(process.stdout);
  const se = process.stderr.write.bind(process.stderr);
  const capture = (sink: string[]) =>
    ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      sink.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      cb?.();
      return true;
    }) as typeof process.stdout.write;
  process.stdout.write = capture(out);
  process.stderr.write = capture(err);
  let code: number;
  try {
    code = await runCli(argv);
  } finally {
    process.stdout.write = so;
    process.stderr.write = se;
  }
  return { code, out: out.join(''), err: err.join('') };
}

/** The promises every run keeps, whatever the input. */
export function problemsOf(r: CliRun): string[] {
  const p: string[] = [];
  if (![0, 1, 2].includes(r.code)) p.push(`exit ${r.code}`);
  if (/internal error/.test(r.err)) p.push('internal error');
  if (/\n\s+at [^\n]*[(:]\d+/.test(r.err) || /^\s+at .*:\d+:\d+\)?$/m.test(r.err)) p.push('stack trace');
  if (r.code !== 0) {
    const lines = r.err.split('\n').filter((l) => l !== '' && !/: warning: /.test(l));
    if (lines.length > 1) p.push(`${lines.length} lines on stderr`);
  }
  return p;
}
