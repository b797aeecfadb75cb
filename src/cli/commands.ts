// The command registry: name → module loader. Only the command being run is imported,
// so `mcu-gc trace` does not pay for loading the serial stack or the WebAssembly
// MicroPython (startup time and memory matter for long trace replays). Add a command by
// writing src/commands/<name>.ts (a yargs CommandModule as default export) and listing
// it here.
import type { CommandModule } from 'yargs';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loader = () => Promise<{ default: CommandModule<any, any> }>;

export const commandLoaders: Record<string, Loader> = {
  run: () => import('../commands/run.js'),
  boards: () => import('../commands/boards.js'),
  check: () => import('../commands/check.js'),
  layout: () => import('../commands/layout.js'),
  trace: () => import('../commands/trace.js'),
  conformance: () => import('../commands/conformance.js'),
  analyze: () => import('../commands/analyze.js'),
  ports: () => import('../commands/ports.js'),
  exec: () => import('../commands/exec.js'),
  'run-script': () => import('../commands/run-script.js'),
  'virtual-board': () => import('../commands/virtual-board.js'),
  capture: () => import('../commands/capture.js'),
  compare: () => import('../commands/compare.js'),
  diff: () => import('../commands/diff.js'),
  record: () => import('../commands/record.js'),
};
