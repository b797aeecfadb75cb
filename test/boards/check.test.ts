// mcu-gc check through the real CLI: records, verifies, reports a changed block size, heap
// start and version in words with exit 1; --junit output read back with a real XML parser
// (fast-xml-parser) as a CI system would; --shard/--merge give the unsharded result.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { TINY_M0_YAML } from '../helpers/boards.js';
import { tempDir } from '../helpers/temp.js';

const bin = new URL('../../bin/mcu-gc.js', import.meta.url).pathname;
const vectors = new URL('../conformance/vectors/', import.meta.url).pathname;
const dir = tempDir('mcu-gc-check-');

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const BOARD = TINY_M0_YAML;

const board = (text: string): void => writeFileSync(join(dir, 'tiny.yaml'), text);
const CHECK = ['check', '--board', './tiny.yaml', '--workload', 'dict-cache', '--workload', 'sensor-logger', '--golden', 'tiny.golden.json'];

interface JunitCase {
  '@_name': string;
  '@_classname': string;
  failure?: { '@_message': string; '#text'?: string };
}

function junit(file: string) {
  const xml = readFileSync(join(dir, file), 'utf8');
  expect(XMLValidator.validate(xml)).toBe(true);
  const doc = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === 'testsuite' || name === 'testcase' }).parse(xml);
  return doc.testsuites as { '@_tests': string; '@_failures': string; testsuite: Array<{ '@_name': string; '@_tests': string; '@_failures': string; testcase: JunitCase[] }> };
}

describe('mcu-gc check', () => {
  it('records on the first run, then verifies', () => {
    board(BOARD);
    const rec = cli([...CHECK, '--junit', 'rec.xml']);
    expect(rec.err).toBe('');
    expect(rec.code).toBe(0);
    expect(rec.out).toBe('check: recorded 2 cases on 1 board in tiny.golden.json\n');
    const g = JSON.parse(readFileSync(join(dir, 'tiny.golden.json'), 'utf8'));
    expect(Object.keys(g.cases)).toEqual(['tiny-m0 dict-cache', 'tiny-m0 sensor-logger']);
    expect(g.layouts['tiny-m0'].total).toBe(19968);
    const ok = cli(CHECK);
    expect(ok.code).toBe(0);
    expect(ok.out).toBe('check: 2 cases on 1 board match tiny.golden.json\n');
    expect(junit('rec.xml').testsuite[0]!.testcase.map((c) => c['@_name'])).toEqual(['layout', 'dict-cache', 'sensor-logger']);
  });

  it('a changed block size: words, exit 1, and a JUnit failure per test case', () => {
    board(BOARD.replace('blockSize: 16', 'blockSize: 32'));
    const r = cli([...CHECK, '--junit', 'fail.xml']);
    expect(r.code).toBe(1);
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^tiny-m0: block size 16 → 32; pool start moved 0x20001200 → 0x20001100; total 19968 → 20224; dict-cache: peak [+−]\d+\.\d %, /);
    expect(lines[0]).toMatch(/; sensor-logger: peak [+−]\d+\.\d %/);
    expect(r.err).toBe('mcu-gc: check: 3 of 3 checks differ from tiny.golden.json (if the change is meant: mcu-gc check ... --update)\n');
    const j = junit('fail.xml');
    expect(j['@_tests']).toBe('3');
    expect(j['@_failures']).toBe('3');
    const suite = j.testsuite[0]!;
    expect(suite['@_name']).toBe('tiny-m0');
    const layout = suite.testcase.find((c) => c['@_name'] === 'layout')!;
    expect(layout['@_classname']).toBe('mcu-gc.check.tiny-m0');
    expect(layout.failure!['@_message']).toMatch(/^block size 16 → 32; pool start moved 0x20001200 → 0x20001100; total 19968 → 20224$/);
    expect(suite.testcase.find((c) => c['@_name'] === 'sensor-logger')!.failure!['@_message']).toMatch(/peak [+−]\d+\.\d %/);
  });

  it('a moved heap start: the pool moves and the total shrinks, counted in blocks', () => {
    board(BOARD.replace('start: 0x20001000', 'start: 0x20001040'));
    const r = cli(CHECK);
    expect(r.code).toBe(1);
    // endFixed: the linker pins the end, so a start 64 bytes later gives a pool 4 blocks (64 bytes) smaller.
    expect(r.out).toMatch(/^tiny-m0: heap start moved 0x20001000 → 0x20001040; heap 20480 → 20416 bytes; pool start moved 0x20001200 → 0x20001240; total 19968 → 19904 \(−4 blocks\); /);
  });

  it('a new MicroPython version and gc profile', () => {
    board(BOARD.replace('micropython: v1.27.0', 'micropython: v1.28.0').replace('version: v1.27', 'version: v1.28'));
    const r = cli(CHECK);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^tiny-m0: MicroPython v1\.27\.0 → v1\.28\.0; gc version v1\.27 → v1\.28/);
  });

  it('--update records the change; the next run matches', () => {
    board(BOARD.replace('blockSize: 16', 'blockSize: 32'));
    const u = cli([...CHECK, '--update']);
    expect(u.code).toBe(0);
    expect(u.out).toMatch(/^updated tiny-m0: block size 16 → 32; /);
    expect(cli(CHECK).code).toBe(0);
    board(BOARD);
  });

  it('a damaged golden file is one line, exit 2', () => {
    writeFileSync(join(dir, 'bad.json'), '{"mcu-gc check": 1,\n "cases": {,}}');
    const r = cli(['check', '--board', './tiny.yaml', '--workload', 'dict-cache', '--golden', 'bad.json']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^mcu-gc: bad\.json:2: not valid JSON \(byte \d+\)\n$/);
  });

  it('--shard I/N in 4 parts, merged, equals the unsharded run; the merge job verifies the golden file', () => {
    board(BOARD);
    const plan = ['--board', './tiny.yaml', '--board', 'esp32', '--workload', 'dict-cache', '--workload', join(vectors, 'basic-1000.trace'), '--what-if=--block-size 32'];
    const all = cli(['check', ...plan, '--out', 'all.json', '--golden', 'matrix.golden.json']);
    expect(all.code).toBe(0);
    mkdirSync(join(dir, 'shards'), { recursive: true });
    for (let i = 1; i <= 4; i++) {
      const s = cli(['check', ...plan, '--shard', `${i}/4`, '--out', `shards/${i}.json`, '--golden', 'matrix.golden.json']);
      expect(s.err).toBe('');
      expect(s.out).toMatch(new RegExp(`^check: 2 cases on 1 board \\(shard ${i}/4\\) match matrix\\.golden\\.json\\n$`));
    }
    const m = cli(['check', '--merge', 'shards', '--out', 'merged.json', '--golden', 'matrix.golden.json', '--junit', 'merged.xml']);
    expect(m.err).toBe('');
    expect(m.out).toBe('check: 8 cases on 2 boards match matrix.golden.json\n');
    expect(readFileSync(join(dir, 'merged.json'), 'utf8')).toBe(readFileSync(join(dir, 'all.json'), 'utf8'));
    const j = junit('merged.xml');
    expect(j.testsuite.map((s) => s['@_name']).sort()).toEqual(['esp32', 'esp32 --block-size 32', 'tiny-m0', 'tiny-m0 --block-size 32']);
    // The trace does not fit the tiny board's RAM: its one-line error is the pinned result.
    const merged = JSON.parse(readFileSync(join(dir, 'merged.json'), 'utf8'));
    expect(merged.cases[`tiny-m0 ${join(vectors, 'basic-1000.trace')}`].error).toMatch(/does not fit in tiny-m0's RAM \(ram 0x20000000\.\.0x20008000\)/);
    expect(merged.cases[`esp32 ${join(vectors, 'basic-1000.trace')}`].traceOutput.lines).toBeGreaterThan(0);
    writeFileSync(join(dir, 'shards', '3.json'), '');
    expect(cli(['check', '--merge', 'shards', '--golden', 'matrix.golden.json']).err).toMatch(/^mcu-gc: shards\/3\.json: not valid JSON\n$/);
    const again = cli(['check', ...plan, '--shard', '3/4', '--out', 'shards/3.json', '--scale', '2']);
    expect(again.code).toBe(0);
    expect(cli(['check', '--merge', 'shards', '--golden', 'matrix.golden.json']).err).toMatch(/^mcu-gc: shards\/3\.json: shard 3\/4 of plan \w+ does not belong with shards\/1\.json/);
  });
});
