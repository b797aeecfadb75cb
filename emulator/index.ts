// Public surface of the pure engine (no Node APIs): usable from the CLI and a browser.
export * from './memory.js';
export * from './config.js';
export * from './layout.js';
export * from './area.js';
export * from './heap.js';
export * from './types.js';
export * from './dump.js';
export * from './machine.js';
export * from './trace/parse.js';
export * from './trace/run.js';
