// A progress bar on stderr for long runs and transfers: only when stderr is a terminal,
// so pipes, CI logs and --json output stay clean, and only once the work has taken over
// a second, so quick commands never flash a bar.
import { createRequire } from 'node:module';
import type * as CliProgress from 'cli-progress';

export interface Progress {
  /** false when no bar can show (not a terminal, or turned off): skip work done only for it. */
  enabled: boolean;
  onProgress: (done: number, total: number) => void;
  stop: () => void;
}

/** Work shorter than this never shows a bar. */
export const PROGRESS_DELAY_MS = 1000;

/** `label` and `unit` make the line, e.g. "run [====   ] 1200/5000 ops". */
export function progressBar(label: string, unit: string, enabled: boolean, delayMs = PROGRESS_DELAY_MS): Progress {
  if (!enabled || !process.stderr.isTTY) return { enabled: false, onProgress: () => {}, stop: () => {} };
  // Loaded only when a bar can show: `mcu-gc trace` in a pipe should not pay for it.
  const cliProgress = createRequire(import.meta.url)('cli-progress') as typeof CliProgress;
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: `${label} [{bar}] {percentage}% {value}/{total} ${unit} | {duration_formatted}`, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  const t0 = Date.now();
  let started = false;
  return {
    enabled: true,
    onProgress: (done, total) => {
      if (!started) {
        if (Date.now() - t0 < delayMs) return;
        bar.start(total, done);
        started = true;
      }
      // Estimated totals may be exceeded: grow the total rather than overflow the bar.
      if (done > total) bar.setTotal(done);
      bar.update(done);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
