// `npm run build`, after tsc: the trace fast path (src/cli/trace-fast.ts, as compiled to
// dist/) bundled into one CommonJS file for bin/mcu-gc.js. Node loads it without the ES
// module loader and without resolving a dozen modules one by one: `mcu-gc trace FILE` peaks
// several MiB lower, and starts faster.
import { defineConfig } from 'rolldown';

export default defineConfig({
  input: 'dist/src/cli/trace-fast.js',
  platform: 'node',
  // Node's own modules stay require()s; the fast path imports no npm package statically
  // (cli-progress is required only when a bar shows).
  external: [/^node:/],
  // ASCII only and without comments: Node keeps the source as a string, two bytes a
  // character if a single one is not Latin-1 (a '—' in a comment doubled it); the comments
  // are in the TypeScript sources.
  output: { file: 'dist/src/cli/trace-fast.cjs', format: 'cjs', charset: 'ascii', comments: false },
  logLevel: 'warn',
});
