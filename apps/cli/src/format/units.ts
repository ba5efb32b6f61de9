/**
 * Human-readable sizes and durations exactly as github.com/docker/go-units
 * prints them, plus the small display helpers the Docker CLI formatters use
 * (`stringid.TruncateID`, `formatter.Ellipsis`).
 */
import { formatFloat } from './go-fmt.js';
import { isWide } from './width.js';
import { humanDuration } from '@drydock/units';

export { humanDuration };

const DECIMAL_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

function sizeAndUnit(size: number, base: number, units: readonly string[]): [number, string] {
  let i = 0;
  while (size >= base && i < units.length - 1) {
    size /= base;
    i++;
  }
  return [size, units[i]!];
}

/** go-units `HumanSizeWithPrecision`: decimal units, `%.{precision}g` (e.g. `docker history` uses 3). */
export function humanSizeWithPrecision(size: number, precision: number): string {
  const [n, unit] = sizeAndUnit(size, 1000, DECIMAL_UNITS);
  return formatFloat(n, 'g', precision) + unit;
}

/** go-units `HumanSize`: decimal units with 4 significant digits, e.g. 72800000 → `72.8MB`, 0 → `0B`. */
export function humanSize(size: number): string {
  return humanSizeWithPrecision(size, 4);
}

/** go-units `BytesSize`: binary units with 4 significant digits, e.g. 1048576 → `1MiB`. */
export function bytesSize(size: number): string {
  const [n, unit] = sizeAndUnit(size, 1024, BINARY_UNITS);
  return formatFloat(n, 'g', 4) + unit;
}

const DECIMAL_MAP: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15 };
const BINARY_MAP: Record<string, number> = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 };

function parseSize(sizeStr: string, map: Record<string, number>): number {
  let sep = -1;
  for (let i = sizeStr.length - 1; i >= 0; i--) {
    if ('0123456789. '.includes(sizeStr[i]!)) { sep = i; break; }
  }
  if (sep === -1) throw new Error(`invalid size: '${sizeStr}'`);
  const num = sizeStr[sep] === ' ' ? sizeStr.slice(0, sep) : sizeStr.slice(0, sep + 1);
  let sfx = sizeStr.slice(sep + 1);
  if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(num)) {
    throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(num)}: invalid syntax`);
  }
  let size = Number(num);
  if (size < 0) throw new Error(`invalid size: '${sizeStr}'`);
  if (sfx.length === 0) return (Math.trunc(size) + 0);
  const bad = (): never => { throw new Error(`invalid suffix: '${sfx}'`); };
  if (sfx.length > 3) bad();
  sfx = sfx.toLowerCase();
  if (sfx[0] === 'b') return sfx.length > 1 ? bad() : (Math.trunc(size) + 0);
  const mul = map[sfx[0]!];
  if (mul === undefined) bad();
  size *= mul!;
  if ((sfx.length === 2 && sfx[1] !== 'b') || (sfx.length === 3 && sfx.slice(1) !== 'ib')) bad();
  return (Math.trunc(size) + 0);
}

/** go-units `FromHumanSize`: parses `32kB`, `1.5 MB`… with decimal multipliers. @throws Error on bad input. */
export function fromHumanSize(size: string): number {
  return parseSize(size, DECIMAL_MAP);
}

/** go-units `RAMInBytes`: parses `32k`, `1GiB`, `512m`… with binary multipliers. @throws Error on bad input. */
export function ramInBytes(size: string): number {
  return parseSize(size, BINARY_MAP);
}

/** `HumanDuration(now - date) + " ago"`, as Docker's CREATED columns print it. */
export function timeAgo(date: Date | number, now: Date | number = Date.now()): string {
  return `${humanDuration(Number(now) - Number(date))} ago`;
}

/** `stringid.TruncateID`: strips a `sha256:`-style algorithm prefix and keeps 12 characters. */
export function truncateId(id: string): string {
  const colon = id.indexOf(':');
  if (colon >= 0) id = id.slice(colon + 1);
  return id.length > 12 ? id.slice(0, 12) : id;
}

/**
 * docker/cli `formatter.Ellipsis`: fits `s` into `maxDisplayWidth` terminal
 * columns (East Asian wide characters count 2), ending in `…` when cut.
 * A width of 1 returns the first character; 0 or less returns "".
 */
export function ellipsis(s: string, maxDisplayWidth: number): string {
  if (maxDisplayWidth <= 0) return '';
  const rs = Array.from(s);
  if (maxDisplayWidth === 1) return rs[0] ?? '';
  if (Buffer.byteLength(s, 'utf8') === rs.length) {
    return rs.length <= maxDisplayWidth ? s : rs.slice(0, maxDisplayWidth - 1).join('') + '…';
  }
  const display: number[] = [];
  let width = 0;
  for (const r of rs) {
    width += isWide(r.codePointAt(0)!) ? 2 : 1;
    display.push(width);
  }
  if (width <= maxDisplayWidth) return s;
  for (let i = 0; i < display.length - 1; i++) {
    if (display[i]! <= maxDisplayWidth - 1 && display[i + 1]! > maxDisplayWidth - 1) return rs.slice(0, i + 1).join('') + '…';
  }
  return s;
}
