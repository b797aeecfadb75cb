// A progress bar on stderr for long runs and transfers: only when stderr is a terminal,
// so pipes, CI logs and --json output stay clean.
import cliProgress from 'cli-progress';

export interface Progress {
  onProgress: (done: number, total: number) => void;
  stop: () => void;
}

/** `label` and `unit` make the line, e.g. "run [====   ] 1200/5000 ops". */
export function progressBar(label: string, unit: string, enabled: boolean): Progress {
  if (!enabled || !process.stderr.isTTY) return { onProgress: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: `${label} [{bar}] {percentage}% {value}/{total} ${unit}`, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    onProgress: (done, total) => {
      if (!started) {
        bar.start(total, 0);
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
