// Runs the CLI's real command path (src/cli/run-cli.ts) in this process with stdout and
// stderr captured: a case costs milliseconds instead of a Node start-up.
import { runCli } from '../../src/cli/run-cli.js';
import type { RunOutcome } from './checks.js';

export async function runCaptured(argv: readonly string[]): Promise<RunOutcome> {
  const out: string[] = [];
  const err: string[] = [];
  const so = process.stdout.write;
  const se = process.stderr.write;
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
