// The command registry. Add a command by writing src/commands/<name>.ts (a yargs
// CommandModule as default export) and listing it here.
import type { CommandModule } from 'yargs';
import conformance from '../commands/conformance.js';
import trace from '../commands/trace.js';
import ports from '../commands/ports.js';
import exec from '../commands/exec.js';
import runScript from '../commands/run-script.js';
import virtualBoard from '../commands/virtual-board.js';
import analyze from '../commands/analyze.js';
import boards from '../commands/boards.js';
import layout from '../commands/layout.js';
import run from '../commands/run.js';
import capture from '../commands/capture.js';
import compare from '../commands/compare.js';
import diff from '../commands/diff.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [trace, conformance, ports, exec, runScript, virtualBoard, analyze, boards, layout, run, capture, compare, diff];
