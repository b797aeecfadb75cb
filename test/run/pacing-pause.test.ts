// run --pacing and the pause estimate in the run report.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildBoard } from '../../emulator/board.js';
import { parsePacing } from '../../emulator/pacing.js';
import { runWorkload } from '../../emulator/run.js';
import { loadBoard } from '../../src/boards/load.js';

const bin = new URL('../../bin/mcu-gc.js', import.meta.url).pathname;

describe('run with a pacing model', () => {
  it('a GOGC trigger collects earlier and keeps the peak lower than stock on a split-heap board', () => {
    const spec = loadBoard('esp32s3');
    const stock = runWorkload(buildBoard(spec), 'http-json', { scale: 0.3 });
    const gogc = runWorkload(buildBoard(spec), 'http-json', { scale: 0.3, pacing: parsePacing('gogc:100') });
    expect(stock.pacing).toBe('stock');
    expect(gogc.pacing).toBe('gogc:100,min=4096');
    // stock esp32 has no threshold: every collection is an exhausted heap
    expect(stock.collectionsByReason.threshold).toBe(0);
    expect(gogc.collectionsByReason.threshold).toBeGreaterThan(0);
    expect(gogc.counters.collections).toBeGreaterThan(stock.counters.collections);
    expect(gogc.peakUsedBytes).toBeLessThan(stock.peakUsedBytes);
  });

  it('threshold:N behaves as gc.threshold(N) set at boot', () => {
    const spec = loadBoard('rp2-pico');
    const viaPacing = runWorkload(buildBoard(spec), 'sensor-logger', { scale: 0.2, pacing: parsePacing('threshold:8k') });
    const viaFlag = runWorkload(buildBoard(spec, { threshold: 8192 }), 'sensor-logger', { scale: 0.2 });
    expect(viaPacing.counters.collections).toBe(viaFlag.counters.collections);
    expect(viaPacing.memInfo).toBe(viaFlag.memInfo);
  });
});

describe('pause estimates in run', () => {
  it('are given for a board CPU, scale with the work, and are absent for host ports', () => {
    const esp = runWorkload(buildBoard(loadBoard('esp32')), 'sensor-logger', { scale: 0.3 });
    expect(esp.pauses).not.toBeNull();
    expect(esp.pauses!.collections).toBe(esp.counters.collections);
    expect(esp.pauses!.maxMs).toBeGreaterThanOrEqual(esp.pauses!.meanMs);
    expect(esp.pauses!.maxLowMs).toBeLessThan(esp.pauses!.maxMs);
    expect(esp.pauses!.maxHighMs).toBeGreaterThan(esp.pauses!.maxMs);
    // A board without a calibration of its own gets the clock-scaled model, named as such.
    const pico = runWorkload(buildBoard(loadBoard('rp2-pico')), 'fragmentation', { scale: 0.3 });
    expect(pico.counters.collections).toBeGreaterThan(0);
    expect(pico.pauses!.model).toMatch(/RP2040 \(125 MHz; ESP32 cycle costs, not calibrated/);
    const unix = runWorkload(buildBoard(loadBoard('unix')), 'sensor-logger', { scale: 0.3 });
    expect(unix.pauses).toBeNull();
  });

  it('appear in the CLI summary, and --pacing inside --vs applies to the second run only', () => {
    const r = spawnSync(process.execPath, [bin, 'run', '--board=esp32', '--scale', '0.2', '--pacing', 'gogc:50', '--vs=--pacing stock'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^collection trigger\s+gogc:50,min=2048\s+stock \(gc.threshold as configured\)$/m);
    expect(r.stdout).toMatch(/^GC pause \(estimated\)\s+mean [\d.]+ ms, max [\d.]+ ms/m);
  });

  it('a bad pacing spec is one line, exit 2', () => {
    const r = spawnSync(process.execPath, [bin, 'run', '--board=esp32', '--pacing', 'gogc:lots'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^mcu-gc: --pacing: /);
  });
});
