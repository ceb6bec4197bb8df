import { DAYS, MONTHS, isDigitAt, nextStdChunk, type Std } from './go-time.js';

/**
 * Go's time.Parse over a layout, field by field (the layout chunks come from go-time.ts),
 * and what the collector's timeutils does around it.
 */

/** The parts time.Parse reads; undefined where Go returns an error. */
export interface Parsed {
  year: number;
  month: number;
  day: number;
  hour: number;
  min: number;
  sec: number;
  nsec: number;
  /** Seconds east of UTC when the text says, and the zone abbreviation read by `MST`. */
  offset?: number;
  zone?: string;
}

function getnum(v: string, fixed: boolean): [number, string] | undefined {
  if (!isDigitAt(v, 0)) return undefined;
  if (!isDigitAt(v, 1)) return fixed ? undefined : [+v[0], v.slice(1)];
  return [+v.slice(0, 2), v.slice(2)];
}

function cutspace(s: string): string {
  let i = 0;
  while (s[i] === ' ') i++;
  return s.slice(i);
}

function skip(value: string, prefix: string): string | undefined {
  let v = value;
  let p = prefix;
  while (p.length > 0) {
    if (p[0] === ' ') {
      if (v.length > 0 && v[0] !== ' ') return undefined;
      p = cutspace(p);
      v = cutspace(v);
      continue;
    }
    if (v.length === 0 || v[0] !== p[0]) return undefined;
    p = p.slice(1);
    v = v.slice(1);
  }
  return v;
}

function lookup(table: string[], v: string): [number, string] | undefined {
  for (let i = 0; i < table.length; i++) {
    if (v.length >= table[i].length && v.slice(0, table[i].length).toLowerCase() === table[i].toLowerCase()) return [i, v.slice(table[i].length)];
  }
  return undefined;
}

/** Go's parseTimeZone: how many characters of `v` look like a zone abbreviation. */
function zoneLength(v: string): number {
  if (v.length < 3) return 0;
  if (v.startsWith('ChST') || v.startsWith('MeST')) return 4;
  if (v.startsWith('GMT')) return 3 + signedOffset(v.slice(3));
  if (v[0] === '+' || v[0] === '-') return signedOffset(v);
  let n = 0;
  while (n < 6 && n < v.length && v[n] >= 'A' && v[n] <= 'Z') n++;
  if (n === 3) return 3;
  if (n === 4 && (v[3] === 'T' || v.startsWith('WITA'))) return 4;
  if (n === 5 && v[4] === 'T') return 5;
  return 0;
}

/** Go's parseSignedOffset: `+h` or `-h` with h at most 12. */
function signedOffset(v: string): number {
  const m = /^[+-](\d+)/.exec(v);
  return m && Number(m[1]) <= 12 ? m[0].length : 0;
}

function fraction(v: string, n: number): number | undefined {
  if (v[0] !== '.' && v[0] !== ',') return undefined;
  const digits = v.slice(1, n);
  if (!/^[0-9]+$/.test(digits)) return undefined;
  return Number(digits.slice(0, 9).padEnd(9, '0'));
}

function parseOffset(std: Std, v: string): [number, string] | undefined {
  const form = std.slice(1);
  if (v.length < form.length + 1 && !(std.startsWith('Z') && v[0] === 'Z')) return undefined;
  if (std.startsWith('Z') && v[0] === 'Z') return [0, v.slice(1)];
  const sign = v[0];
  if (sign !== '+' && sign !== '-') return undefined;
  const re: Record<string, RegExp> = {
    '070000': /^(\d\d)(\d\d)(\d\d)/, '07:00:00': /^(\d\d):(\d\d):(\d\d)/, '0700': /^(\d\d)(\d\d)/, '07:00': /^(\d\d):(\d\d)/, '07': /^(\d\d)/,
  };
  const m = re[form].exec(v.slice(1));
  if (!m) return undefined;
  const [h, mi, s] = [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
  if (h > 24 || mi > 60 || s > 60) return undefined;
  const off = (h * 3600 + mi * 60 + s) * (sign === '-' ? -1 : 1);
  return [off, v.slice(1 + m[0].length)];
}

/** time.Parse's reading of `value` against `layout`. */
export function parseGoTime(layout: string, value: string): Parsed | undefined {
  const p: Parsed = { year: 0, month: -1, day: -1, hour: 0, min: 0, sec: 0, nsec: 0 };
  let pm = false;
  let am = false;
  let rest = layout;
  let v = value;
  for (;;) {
    const c = nextStdChunk(rest);
    const after = skip(v, c.prefix);
    if (after === undefined) return undefined;
    v = after;
    if (!c.std) {
      if (v.length > 0) return undefined;
      break;
    }
    rest = c.suffix;
    let r: [number, string] | undefined;
    switch (c.std) {
      case '2006':
        if (v.length < 4 || !/^[0-9]{4}/.test(v)) return undefined;
        p.year = +v.slice(0, 4);
        v = v.slice(4);
        break;
      case '06':
        if (!/^[0-9]{2}/.test(v)) return undefined;
        p.year = +v.slice(0, 2);
        p.year += p.year >= 69 ? 1900 : 2000;
        v = v.slice(2);
        break;
      case 'January':
      case 'Jan':
        r = lookup(c.std === 'Jan' ? MONTHS.map((m) => m.slice(0, 3)) : MONTHS, v);
        if (!r) return undefined;
        [p.month, v] = [r[0] + 1, r[1]];
        break;
      case '1':
      case '01':
        r = getnum(v, c.std === '01');
        if (!r || r[0] < 1 || r[0] > 12) return undefined;
        [p.month, v] = r;
        break;
      case 'Monday':
      case 'Mon':
        r = lookup(c.std === 'Mon' ? DAYS.map((d) => d.slice(0, 3)) : DAYS, v);
        if (!r) return undefined;
        v = r[1];
        break;
      case '2':
      case '_2':
      case '02':
        if (c.std === '_2' && v[0] === ' ') v = v.slice(1);
        r = getnum(v, c.std === '02');
        if (!r) return undefined;
        [p.day, v] = r;
        break;
      case '__2':
      case '002':
        return undefined;
      case '15':
        r = getnum(v, false);
        if (!r || r[0] > 23) return undefined;
        [p.hour, v] = r;
        break;
      case '3':
      case '03':
        r = getnum(v, c.std === '03');
        if (!r || r[0] > 12) return undefined;
        [p.hour, v] = r;
        break;
      case '4':
      case '04':
        r = getnum(v, c.std === '04');
        if (!r || r[0] > 59) return undefined;
        [p.min, v] = r;
        break;
      case '5':
      case '05': {
        r = getnum(v, c.std === '05');
        if (!r || r[0] > 59) return undefined;
        [p.sec, v] = r;
        // A fraction in the text that the layout does not ask for is read all the same.
        if (v.length >= 2 && (v[0] === '.' || v[0] === ',') && isDigitAt(v, 1)) {
          const next = nextStdChunk(rest);
          if (next.std === 'frac0' || next.std === 'frac9') break;
          let n = 2;
          while (isDigitAt(v, n)) n++;
          const f = fraction(v, n);
          if (f === undefined) return undefined;
          p.nsec = f;
          v = v.slice(n);
        }
        break;
      }
      case 'PM':
      case 'pm': {
        const t = v.slice(0, 2);
        const [PM, AM] = c.std === 'PM' ? ['PM', 'AM'] : ['pm', 'am'];
        if (t === PM) pm = true;
        else if (t === AM) am = true;
        else return undefined;
        v = v.slice(2);
        break;
      }
      case 'MST': {
        if (v.startsWith('UTC')) {
          p.zone = 'UTC';
          v = v.slice(3);
          break;
        }
        const n = zoneLength(v);
        if (n === 0) return undefined;
        p.zone = v.slice(0, n);
        v = v.slice(n);
        break;
      }
      case 'frac0': {
        const n = 1 + (c.digits ?? 0);
        if (v.length < n) return undefined;
        const f = fraction(v, n);
        if (f === undefined) return undefined;
        p.nsec = f;
        v = v.slice(n);
        break;
      }
      case 'frac9': {
        if (v.length < 2 || (v[0] !== '.' && v[0] !== ',') || !isDigitAt(v, 1)) break;
        let i = 0;
        while (isDigitAt(v, i + 1)) i++;
        const f = fraction(v, 1 + i);
        if (f === undefined) return undefined;
        p.nsec = f;
        v = v.slice(1 + i);
        break;
      }
      default: {
        r = parseOffset(c.std, v);
        if (!r) return undefined;
        [p.offset, v] = r;
      }
    }
  }
  if (pm && p.hour < 12) p.hour += 12;
  else if (am && p.hour === 12) p.hour = 0;
  if (p.month < 0) p.month = 1;
  if (p.day < 0) p.day = 1;
  if (p.day < 1 || p.day > daysIn(p.month, p.year)) return undefined;
  return p;
}

function daysIn(month: number, year: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

/** Nanoseconds since the epoch of a wall-clock time read as UTC. */
export function wallNs(p: Parsed): bigint {
  const d = new Date(0);
  d.setUTCFullYear(p.year, p.month - 1, p.day);
  d.setUTCHours(p.hour, p.min, p.sec, 0);
  return BigInt(d.getTime()) * 1_000_000n + BigInt(p.nsec);
}

/** Whether the layout has a date part (timeutils.hasDateElements). */
export function hasDateElements(layout: string): boolean {
  return ['2006', '06', 'January', 'Jan', '01', '_1', '02', '_2', 'Monday', 'Mon', '002'].some((e) => layout.includes(e));
}
