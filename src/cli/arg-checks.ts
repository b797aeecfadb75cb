// Checks yargs does not make: an option given twice (yargs silently turns it into an
// array, which commands then trip over) and an option given without its value (yargs
// silently falls back to the default, so `--seed` alone ran with seed 1).

import { UserError } from '../errors.js';

/** What yargs' getOptions() reports, the parts read here. */
export interface OptionSets {
  array: string[];
  boolean: string[];
  string: string[];
  number: string[];
  alias: Record<string, string[]>;
}

function canonical(opts: OptionSets): Map<string, string> {
  const names = new Map<string, string>();
  for (const key of [...opts.string, ...opts.number, ...opts.boolean, ...opts.array]) names.set(key, key);
  for (const [key, aliases] of Object.entries(opts.alias)) for (const a of aliases) names.set(a, key);
  return names;
}

/** `--name` or `-n` before an option's value, without `=`. */
function flagName(token: string): string | undefined {
  const m = /^--?([A-Za-z][\w-]*)$/.exec(token);
  return m?.[1];
}

/**
 * Options a command collects when repeated although they are not yargs arrays: `run` sweeps
 * boards and what-ifs this way (an array --board would swallow the workloads after it).
 */
const REPEATABLE: Record<string, readonly string[]> = { run: ['board', 'what-if'] };

/** The text given for option `key` on the command line (`--key v` or `--key=v`), for messages. */
function rawValue(argv: readonly string[], names: Map<string, string>, key: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const m = /^--?([A-Za-z][\w-]*)(?:=(.*))?$/s.exec(argv[i]!);
    if (!m || names.get(m[1]!) !== key) continue;
    return m[2] ?? argv[i + 1];
  }
  return undefined;
}

/**
 * Throws a UserError naming the first option given twice, without a value, or (with the
 * parsed arguments) a number option whose value is not a number (yargs makes it NaN).
 */
export function checkRawArgs(argv: readonly string[], opts: OptionSets, parsed?: Record<string, unknown>): void {
  const names = canonical(opts);
  const array = new Set(opts.array);
  const takesValue = new Set([...opts.string, ...opts.number]);
  const seen = new Map<string, string>();
  const repeatable = new Set(REPEATABLE[argv.find((a) => !a.startsWith('-')) ?? ''] ?? []);
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') break;
    const m = /^--?(?:no-)?([A-Za-z][\w-]*)(=|$)/.exec(token);
    if (!m || /^-[A-Za-z]{2,}/.test(token)) continue; // positional, or grouped short flags
    const key = names.get(m[1]!) ?? names.get(token.replace(/^--?/, '').split('=')[0]!);
    if (key === undefined || key === 'help' || key === 'version') continue;
    const shown = token.split('=')[0]!;
    // yargs turns `--no-threshold` into threshold=false for any option; only switches have an off form.
    if (/^--no-/.test(token) && takesValue.has(key) && !opts.boolean.includes(key)) {
      throw new UserError(`${shown}: --${key} takes a value; there is no --no- form`);
    }
    if (!array.has(key) && !repeatable.has(key)) {
      const first = seen.get(key);
      if (first !== undefined) throw new UserError(`${shown}: given twice (${first} … ${shown}); give it once`);
      seen.set(key, shown);
    }
    if (m[2] === '' && takesValue.has(key) && !token.startsWith('--no-')) {
      const next = argv[i + 1];
      if (next === undefined || (flagName(next) !== undefined && !/^-\d/.test(next))) {
        throw new UserError(`${shown}: needs a value`);
      }
    }
  }
  if (!parsed) return;
  for (const key of opts.number) {
    const v = parsed[key];
    if (typeof v === 'number' && Number.isNaN(v)) {
      throw new UserError(`--${key}: '${rawValue(argv, names, key) ?? ''}' is not a number`);
    }
  }
}
