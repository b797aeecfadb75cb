// Choosing a port the way mpremote's `connect` does (tools/mpremote/mpremote/main.py and
// commands.py, v1.27.0; protocol.md §1.8):
//   auto          the first port, in natural order of device name, that has a USB VID and
//                 PID — any vendor; mpremote has no allow-list (the only VID in its code,
//                 0x10C4, is for a Windows DTR/RTS quirk). A port that cannot be opened
//                 (busy) is skipped, so a second session connects to the next board.
//   list / devs   list the ports
//   id:SERIAL     the port whose USB serial number is SERIAL
//   port:PATH     PATH, verbatim
//   a0..a3 u0..u3 c0..c3   /dev/ttyACM0..3, /dev/ttyUSB0..3, COM0..3
//   anything else a device path
// pyserial URLs (rfc2217://, socket://) are not supported: node serialport opens local
// devices only.

import { SerialPort } from 'serialport';
import { UserError } from '../errors.js';
import { listPortsFromSysfs, type SerialPortEntry } from './sysfs-ports.js';
import { listRunningBoards } from '../virtual-board/registry.js';

export type { SerialPortEntry } from './sysfs-ports.js';

export type PortSpec =
  | { kind: 'auto' }
  | { kind: 'list' }
  | { kind: 'id'; serial: string }
  | { kind: 'path'; path: string };

const SHORTCUTS: Record<string, string> = {};
for (let i = 0; i < 4; i++) {
  SHORTCUTS[`a${i}`] = `/dev/ttyACM${i}`;
  SHORTCUTS[`u${i}`] = `/dev/ttyUSB${i}`;
  SHORTCUTS[`c${i}`] = `COM${i}`;
}

/** Parses a port argument; throws a UserError for forms that cannot work here. */
export function parsePortSpec(spec: string): PortSpec {
  const s = spec.trim();
  if (s === '') throw new UserError('empty port (use auto, list, id:SERIAL, port:PATH, a0..a3, u0..u3, c0..c3 or a device path)');
  if (s === 'auto') return { kind: 'auto' };
  if (s === 'list' || s === 'devs') return { kind: 'list' };
  if (s.startsWith('id:')) {
    const serial = s.slice(3);
    if (serial === '') throw new UserError(`port ${spec}: id: needs a serial number (see mcu-gc ports)`);
    return { kind: 'id', serial };
  }
  if (s.startsWith('port:')) {
    const path = s.slice(5);
    if (path === '') throw new UserError(`port ${spec}: port: needs a device path`);
    return { kind: 'path', path };
  }
  const short = SHORTCUTS[s];
  if (short) return { kind: 'path', path: short };
  const url = /^([a-z][a-z0-9+.-]*):\/\//i.exec(s);
  if (url) {
    throw new UserError(
      `port ${spec}: ${url[1]!.toLowerCase()}:// is not supported (mpremote gets it from pyserial; node serialport opens local devices only — run a serial-over-network bridge such as ser2net/socat to a local pty instead)`,
    );
  }
  return { kind: 'path', path: s };
}

/**
 * All serial ports, naturally sorted by path. Never throws. On Linux sysfs is read first
 * (as pyserial, hence mpremote, does; it needs no udev); serialport's lister adds anything
 * sysfs missed and is the only source elsewhere.
 */
export async function listPorts(): Promise<SerialPortEntry[]> {
  const ports = process.platform === 'linux' ? listPortsFromSysfs() : [];
  const seen = new Set(ports.map((p) => p.path));
  for (const e of await listPortsWithSerialport()) if (!seen.has(e.path)) ports.push(e);
  for (const e of virtualBoardPorts()) if (!seen.has(e.path)) ports.push(e);
  return sortPorts(ports);
}

/**
 * Running `mcu-gc virtual-board`s (their ptys are in no system list). They have no USB
 * VID:PID, so `auto` never picks one, as mpremote would not.
 */
function virtualBoardPorts(): SerialPortEntry[] {
  return listRunningBoards().map((b) => ({
    path: b.path,
    description: `mcu-gc virtual board (${b.qemu ? `${b.qemu.title} under QEMU` : 'MicroPython WebAssembly'}, pid ${b.pid}${b.link ? `, link ${b.link}` : ''}${b.compareWith ? `; ${b.compareWith}` : ''})`,
  }));
}

async function listPortsWithSerialport(): Promise<SerialPortEntry[]> {
  try {
    const raw = await SerialPort.list();
    return raw.map((p) => {
      const vid = p.vendorId ? parseInt(p.vendorId, 16) : undefined;
      const pid = p.productId ? parseInt(p.productId, 16) : undefined;
      const e: SerialPortEntry = { path: p.path, description: p.manufacturer || 'serial' };
      if (vid !== undefined && !Number.isNaN(vid)) e.vid = vid;
      if (pid !== undefined && !Number.isNaN(pid)) e.pid = pid;
      if (p.serialNumber) e.serialNumber = p.serialNumber;
      if (p.manufacturer) e.manufacturer = p.manufacturer;
      return e;
    });
  } catch {
    return []; // e.g. "spawn udevadm ENOENT" where udev is missing
  }
}

/** pyserial's natural order: "ttyACM2" before "ttyACM10". */
export function sortPorts(ports: SerialPortEntry[]): SerialPortEntry[] {
  const coll = new Intl.Collator('en', { numeric: true });
  return [...ports].sort((a, b) => coll.compare(a.path, b.path));
}

/**
 * Candidate device paths for a spec, best first. `auto` gives every USB port (the caller
 * tries them in order, skipping busy ones, as mpremote does).
 */
export function candidatePaths(spec: PortSpec, ports: SerialPortEntry[]): string[] {
  switch (spec.kind) {
    case 'path':
      return [spec.path];
    case 'auto': {
      const usb = sortPorts(ports).filter((p) => p.vid !== undefined && p.pid !== undefined);
      if (usb.length === 0) {
        throw new UserError('no device found: no USB serial port with a VID:PID (see mcu-gc ports; give --port PATH for other ports)');
      }
      return usb.map((p) => p.path);
    }
    case 'id': {
      const hit = ports.filter((p) => p.serialNumber === spec.serial);
      if (hit.length === 0) {
        const known = ports.map((p) => p.serialNumber).filter(Boolean);
        throw new UserError(
          `no port with serial number ${spec.serial}` + (known.length ? ` (known: ${known.join(', ')})` : ' (no port reports a serial number)'),
        );
      }
      return hit.map((p) => p.path);
    }
    case 'list':
      throw new UserError('"list" names no single port: run mcu-gc ports');
  }
}

export function formatVidPid(p: SerialPortEntry): string {
  if (p.vid === undefined || p.pid === undefined) return '-';
  return `${p.vid.toString(16).padStart(4, '0')}:${p.pid.toString(16).padStart(4, '0')}`;
}

/** mpremote `connect list` columns: device, serial number, vid:pid, description. */
export function formatPortTable(ports: SerialPortEntry[]): string {
  if (ports.length === 0) return 'no serial ports found\n';
  const rows = ports.map((p) => [p.path, formatVidPid(p), p.serialNumber ?? '-', p.description]);
  const header = ['PATH', 'VID:PID', 'SERIAL', 'DESCRIPTION'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
