// mem_info(1) text → typed structure (pure; no Node APIs).
export * from './types.js';
export * from './parse.js';
export * from './stats.js';
