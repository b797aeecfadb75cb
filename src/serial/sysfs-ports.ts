// Serial port listing from /sys and /dev, without udev. serialport's Linux lister runs
// `udevadm` (and fails with "spawn udevadm ENOENT" where it is missing, e.g. containers);
// pyserial's list_ports_linux reads sysfs directly, and this follows it: the same device
// name patterns, the same walk from the tty to its USB device for VID/PID/serial/strings,
// and the same rule of skipping ports whose parent is a "platform" device (the built-in
// 8250 UARTs that exist whether or not anything is attached).

import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface SerialPortEntry {
  /** Device path, e.g. /dev/ttyACM0. */
  path: string;
  vid?: number;
  pid?: number;
  serialNumber?: string;
  manufacturer?: string;
  product?: string;
  /** USB interface name, if the device gives one. */
  interface?: string;
  /** One line for people: manufacturer and product, or the driver subsystem. */
  description: string;
}

/** pyserial list_ports_linux.comports() device patterns. */
const DEVICE_PATTERNS = [/^ttyS\d+$/, /^ttyUSB\d+$/, /^ttyXRUSB\d+$/, /^ttyACM\d+$/, /^ttyAMA\d+$/, /^rfcomm\d+$/, /^ttyAP\d+$/, /^ttyGS\d+$/];

export interface SysfsRoots {
  dev: string;
  sys: string;
}

export function listPortsFromSysfs(roots: SysfsRoots = { dev: '/dev', sys: '/sys' }): SerialPortEntry[] {
  let names: string[];
  try {
    names = readdirSync(roots.dev).filter((n) => DEVICE_PATTERNS.some((p) => p.test(n)));
  } catch {
    return [];
  }
  const byId = serialByIdNames(roots.dev);
  const out: SerialPortEntry[] = [];
  for (const name of names) {
    const e = describeTty(name, roots);
    if (!e) continue;
    const idName = byId.get(name);
    if (idName && e.serialNumber === undefined) {
      // /dev/serial/by-id/usb-<vendor>_<product>_<serial>-if00: the serial is the last "_" field.
      const m = /_([^_]+)-if\d+(?:-port\d+)?$/.exec(idName);
      if (m) e.serialNumber = m[1];
    }
    out.push(e);
  }
  return out;
}

function describeTty(name: string, roots: SysfsRoots): SerialPortEntry | undefined {
  const ttyDir = join(roots.sys, 'class', 'tty', name);
  let devicePath: string;
  try {
    devicePath = realpathSync(join(ttyDir, 'device'));
  } catch {
    return undefined; // no device behind it (e.g. an unused ttyS without hardware)
  }
  const subsystem = linkBase(join(devicePath, 'subsystem'));
  if (subsystem === 'platform') return undefined;
  const entry: SerialPortEntry = { path: join(roots.dev, name), description: subsystem ?? 'serial' };
  let usbInterface: string | undefined;
  if (subsystem === 'usb-serial') usbInterface = dirname(devicePath);
  else if (subsystem === 'usb') usbInterface = devicePath;
  if (usbInterface) {
    const usbDevice = dirname(usbInterface);
    const vid = readHex(join(usbDevice, 'idVendor'));
    const pid = readHex(join(usbDevice, 'idProduct'));
    if (vid !== undefined) entry.vid = vid;
    if (pid !== undefined) entry.pid = pid;
    const serial = readLine(join(usbDevice, 'serial'));
    const manufacturer = readLine(join(usbDevice, 'manufacturer'));
    const product = readLine(join(usbDevice, 'product'));
    const iface = readLine(join(usbInterface, 'interface'));
    if (serial) entry.serialNumber = serial;
    if (manufacturer) entry.manufacturer = manufacturer;
    if (product) entry.product = product;
    if (iface) entry.interface = iface;
    entry.description = [manufacturer, product].filter(Boolean).join(' ') || (iface ?? 'USB serial');
  }
  return entry;
}

function serialByIdNames(dev: string): Map<string, string> {
  const m = new Map<string, string>();
  const dir = join(dev, 'serial', 'by-id');
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return m;
  }
  for (const e of entries) {
    try {
      m.set(basename(readlinkSync(join(dir, e))), e);
    } catch {
      /* not a link */
    }
  }
  return m;
}

function linkBase(p: string): string | undefined {
  try {
    return basename(realpathSync(p));
  } catch {
    return undefined;
  }
}

function readLine(p: string): string | undefined {
  try {
    const s = readFileSync(p, 'utf8').trim();
    return s === '' ? undefined : s;
  } catch {
    return undefined;
  }
}

function readHex(p: string): number | undefined {
  const s = readLine(p);
  if (s === undefined || !/^[0-9a-fA-F]+$/.test(s)) return undefined;
  return parseInt(s, 16);
}
