// Port selection (mpremote's connect grammar) and udev-free port listing from sysfs.

import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { candidatePaths, formatPortTable, listPorts, parsePortSpec, sortPorts, type SerialPortEntry } from '../../src/serial/ports.js';
import { listPortsFromSysfs } from '../../src/serial/sysfs-ports.js';
import { tempDir } from '../helpers/temp.js';

describe('port spec grammar', () => {
  it('parses auto, list/devs, id:, port: and bare paths', () => {
    expect(parsePortSpec('auto')).toEqual({ kind: 'auto' });
    expect(parsePortSpec('list')).toEqual({ kind: 'list' });
    expect(parsePortSpec('devs')).toEqual({ kind: 'list' });
    expect(parsePortSpec('id:E6614C311B4F')).toEqual({ kind: 'id', serial: 'E6614C311B4F' });
    expect(parsePortSpec('port:/dev/ttyACM7')).toEqual({ kind: 'path', path: '/dev/ttyACM7' });
    // port: takes the rest verbatim, even something that looks like a shortcut.
    expect(parsePortSpec('port:a0')).toEqual({ kind: 'path', path: 'a0' });
    expect(parsePortSpec('/dev/serial/by-id/usb-MicroPython_Board-if00')).toEqual({
      kind: 'path',
      path: '/dev/serial/by-id/usb-MicroPython_Board-if00',
    });
  });

  it('expands the a0..a3, u0..u3 and c0..c3 shortcuts', () => {
    for (let i = 0; i < 4; i++) {
      expect(parsePortSpec(`a${i}`)).toEqual({ kind: 'path', path: `/dev/ttyACM${i}` });
      expect(parsePortSpec(`u${i}`)).toEqual({ kind: 'path', path: `/dev/ttyUSB${i}` });
      expect(parsePortSpec(`c${i}`)).toEqual({ kind: 'path', path: `COM${i}` });
    }
    // Only 0..3 are shortcuts (as mpremote); a4 is a relative path.
    expect(parsePortSpec('a4')).toEqual({ kind: 'path', path: 'a4' });
  });

  it('refuses rfc2217:// and other URLs with a clear "not supported"', () => {
    expect(() => parsePortSpec('rfc2217://192.168.1.5:2217')).toThrow(/rfc2217:\/\/ is not supported/);
    expect(() => parsePortSpec('socket://localhost:7777')).toThrow(/socket:\/\/ is not supported/);
    expect(() => parsePortSpec('rfc2217://x:1')).toThrow(UserError);
  });

  it('rejects empty forms', () => {
    expect(() => parsePortSpec('')).toThrow(/empty port/);
    expect(() => parsePortSpec('id:')).toThrow(/id: needs a serial number/);
    expect(() => parsePortSpec('port:')).toThrow(/port: needs a device path/);
  });
});

describe('choosing among listed ports', () => {
  const ports: SerialPortEntry[] = [
    { path: '/dev/ttyS0', description: 'serial' },
    { path: '/dev/ttyACM10', vid: 0x2e8a, pid: 0x0005, serialNumber: 'E66', description: 'MicroPython Board in FS mode' },
    { path: '/dev/ttyUSB0', vid: 0x10c4, pid: 0xea60, serialNumber: '0001', description: 'Silicon Labs CP2102' },
    { path: '/dev/ttyACM2', vid: 0xf055, pid: 0x9800, serialNumber: '3276', description: 'MicroPython Pyboard Virtual Comm Port' },
  ];

  it('auto takes USB ports with a VID:PID in natural order, any vendor (as mpremote)', () => {
    expect(candidatePaths({ kind: 'auto' }, ports)).toEqual(['/dev/ttyACM2', '/dev/ttyACM10', '/dev/ttyUSB0']);
  });

  it('auto with no USB port is a clear error', () => {
    expect(() => candidatePaths({ kind: 'auto' }, [ports[0]!])).toThrow(/no device found/);
  });

  it('id: matches the USB serial number exactly', () => {
    expect(candidatePaths({ kind: 'id', serial: '0001' }, ports)).toEqual(['/dev/ttyUSB0']);
    expect(() => candidatePaths({ kind: 'id', serial: 'E6' }, ports)).toThrow(/no port with serial number E6 \(known: E66, 0001, 3276\)/);
  });

  it('sorts naturally and formats a table with VID:PID in hex', () => {
    expect(sortPorts(ports).map((p) => p.path)).toEqual(['/dev/ttyACM2', '/dev/ttyACM10', '/dev/ttyS0', '/dev/ttyUSB0']);
    const table = formatPortTable(sortPorts(ports)).split('\n');
    expect(table[0]).toMatch(/^PATH\s+VID:PID\s+SERIAL\s+DESCRIPTION$/);
    expect(table[1]).toMatch(/^\/dev\/ttyACM2\s+f055:9800\s+3276\s+MicroPython Pyboard Virtual Comm Port$/);
    expect(table[3]).toMatch(/^\/dev\/ttyS0\s+-\s+-\s+serial$/);
  });

  it('listPorts never throws on this machine', async () => {
    const list = await listPorts();
    expect(Array.isArray(list)).toBe(true);
  });
});

describe('listing from sysfs without udev', () => {
  /** A fake /dev + /sys: an rp2 on ttyACM0 (cdc_acm), a CP2102 on ttyUSB0 (usb-serial), a platform ttyS0. */
  function fakeTree(): { dev: string; sys: string } {
    const root = tempDir('mcu-gc-sysfs-');
    const dev = join(root, 'dev');
    const sys = join(root, 'sys');
    mkdirSync(join(dev, 'serial', 'by-id'), { recursive: true });
    for (const n of ['ttyACM0', 'ttyUSB0', 'ttyS0', 'ttyS1', 'tty0', 'null']) writeFileSync(join(dev, n), '');
    symlinkSync('../../ttyUSB0', join(dev, 'serial', 'by-id', 'usb-Silicon_Labs_CP2102_USB_to_UART_Bridge_Controller_0001-if00-port0'));
    const bus = join(sys, 'bus');
    for (const b of ['usb', 'usb-serial', 'platform']) mkdirSync(join(bus, b), { recursive: true });
    // rp2: usb device 1-1, interface 1-1:1.0 (subsystem usb) is the tty's device.
    const rp2 = join(sys, 'devices', 'pci0000:00', 'usb1', '1-1');
    mkdirSync(join(rp2, '1-1:1.0'), { recursive: true });
    writeFileSync(join(rp2, 'idVendor'), '2e8a\n');
    writeFileSync(join(rp2, 'idProduct'), '0005\n');
    writeFileSync(join(rp2, 'serial'), 'E6614C311B4F3A21\n');
    writeFileSync(join(rp2, 'manufacturer'), 'MicroPython\n');
    writeFileSync(join(rp2, 'product'), 'Board in FS mode\n');
    writeFileSync(join(rp2, '1-1:1.0', 'interface'), 'Board CDC\n');
    symlinkSync(join(bus, 'usb'), join(rp2, '1-1:1.0', 'subsystem'));
    // CP2102: usb device 1-2, interface 1-2:1.0, usb-serial port ttyUSB0 below it. No serial file.
    const cp = join(sys, 'devices', 'pci0000:00', 'usb1', '1-2');
    mkdirSync(join(cp, '1-2:1.0', 'ttyUSB0'), { recursive: true });
    writeFileSync(join(cp, 'idVendor'), '10c4\n');
    writeFileSync(join(cp, 'idProduct'), 'ea60\n');
    writeFileSync(join(cp, 'product'), 'CP2102 USB to UART Bridge Controller\n');
    symlinkSync(join(bus, 'usb-serial'), join(cp, '1-2:1.0', 'ttyUSB0', 'subsystem'));
    // ttyS0: a platform UART (skipped, as pyserial does); ttyS1: no device at all.
    const plat = join(sys, 'devices', 'platform', 'serial8250');
    mkdirSync(plat, { recursive: true });
    symlinkSync(join(bus, 'platform'), join(plat, 'subsystem'));
    const cls = join(sys, 'class', 'tty');
    for (const n of ['ttyACM0', 'ttyUSB0', 'ttyS0', 'ttyS1', 'tty0']) mkdirSync(join(cls, n), { recursive: true });
    symlinkSync(join(rp2, '1-1:1.0'), join(cls, 'ttyACM0', 'device'));
    symlinkSync(join(cp, '1-2:1.0', 'ttyUSB0'), join(cls, 'ttyUSB0', 'device'));
    symlinkSync(plat, join(cls, 'ttyS0', 'device'));
    return { dev, sys };
  }

  it('reads VID/PID, serial and strings from the USB device, skipping platform and absent UARTs', () => {
    const roots = fakeTree();
    const ports = sortPorts(listPortsFromSysfs(roots));
    expect(ports).toEqual([
      {
        path: join(roots.dev, 'ttyACM0'),
        vid: 0x2e8a,
        pid: 0x0005,
        serialNumber: 'E6614C311B4F3A21',
        manufacturer: 'MicroPython',
        product: 'Board in FS mode',
        interface: 'Board CDC',
        description: 'MicroPython Board in FS mode',
      },
      {
        path: join(roots.dev, 'ttyUSB0'),
        vid: 0x10c4,
        pid: 0xea60,
        // No serial file: taken from the /dev/serial/by-id name.
        serialNumber: '0001',
        product: 'CP2102 USB to UART Bridge Controller',
        description: 'CP2102 USB to UART Bridge Controller',
      },
    ]);
    expect(candidatePaths({ kind: 'auto' }, ports)).toEqual([join(roots.dev, 'ttyACM0'), join(roots.dev, 'ttyUSB0')]);
  });

  it('returns nothing (not an error) when /dev cannot be read', () => {
    expect(listPortsFromSysfs({ dev: '/nonexistent-dev', sys: '/nonexistent-sys' })).toEqual([]);
  });
});
