import { strictString } from '../convert.js';
import { TimeValue, fail, kindOf, type Value } from '../values.js';
import { literalString, type Arg, type FunctionDef } from './define.js';
import { formatGoTime, layoutChunks, toGoLayout } from './go-time.js';
import { hasDateElements, parseGoTime, wallNs } from './go-time-parse.js';

/**
 * Time and FormatTime: strptime-like formats (the collector's ctimefmt directives) through
 * Go's layouts. A time without a zone in its text is read in `location` (an IANA name), else
 * in UTC, which spansift takes as the collector's zone.
 */
const NS_PER_S = 1_000_000_000n;

/**
 * Zone abbreviations that are also time zone database names, with the offset the collector
 * ends up with for them (it loads the zone of that name); any other abbreviation but UTC and
 * GMT[+-h] is an error there too.
 */
const NAMED_ZONES: Record<string, number> = { EST: -5, MST: -7, HST: -10, CET: 1, MET: 1, EET: 2, WET: 0, GMT: 0, UCT: 0, ROK: 0, ROC: 0, PRC: 0 };

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string, locale = 'en-US'): Intl.DateTimeFormat {
  const key = `${locale} ${zone}`;
  let f = formatters.get(key);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat(locale, { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', era: 'short', timeZoneName: 'short' });
    } catch {
      return fail();
    }
    // The location can come from span data: keep the cache bounded whatever senders write.
    if (formatters.size >= 1000) formatters.clear();
    formatters.set(key, f);
  }
  return f;
}

/** The zone's offset from UTC in seconds at the instant `utcMs`. */
function zoneAt(zone: string, utcMs: number): { offset: number } {
  const parts = Object.fromEntries(formatter(zone).formatToParts(new Date(utcMs)).map((p) => [p.type, p.value]));
  const year = parts.era === 'BC' ? 1 - Number(parts.year) : Number(parts.year);
  const wall = new Date(0);
  wall.setUTCFullYear(year, Number(parts.month) - 1, Number(parts.day));
  wall.setUTCHours(Number(parts.hour), Number(parts.minute), Number(parts.second), 0);
  const whole = Math.floor(utcMs / 1000) * 1000;
  return { offset: Math.round((wall.getTime() - whole) / 1000) };
}

/**
 * The zone abbreviations in force at `utcMs`, as the zone database names them: ICU gives each
 * English locale the abbreviations in common use there (EDT in en-US, CEST in en-GB...).
 */
const ABBREVIATION_LOCALES = ['en-US', 'en-GB', 'en-AU', 'en-NZ', 'en-IN', 'en-ZA', 'en-IE', 'en-CA'];

function abbreviationsAt(zone: string, utcMs: number): string[] {
  return ABBREVIATION_LOCALES.map((l) => formatter(zone, l).formatToParts(new Date(utcMs)).find((p) => p.type === 'timeZoneName')?.value ?? '');
}

/** Go's time.Date in a location: the offset in force at the wall time, rechecked once across a transition. */
function inZone(wall: bigint, zone: string): bigint {
  const wallMs = Number(wall / 1_000_000n);
  const first = zoneAt(zone, wallMs).offset;
  const utcMs = wallMs - first * 1000;
  const second = zoneAt(zone, utcMs).offset;
  return wall - BigInt(second) * NS_PER_S;
}

/** timeutils.ParseGotime for one layout: zone, missing date and missing year as the collector fills them. */
export function parseTime(layout: string, text: string, location: string, now = Date.now()): bigint {
  const p = parseGoTime(layout, text);
  if (!p) fail();
  const today = new Date(now);
  if (!hasDateElements(layout)) {
    [p.year, p.month, p.day] = [today.getUTCFullYear(), today.getUTCMonth() + 1, today.getUTCDate()];
  } else if (p.year <= 0) {
    p.year = today.getUTCFullYear();
    const week = BigInt(now) * 1_000_000n + 7n * 86_400n * NS_PER_S;
    if (wallNs(p) > week) p.year -= 1;
  }
  const wall = wallNs(p);
  if (p.offset !== undefined) return wall - BigInt(p.offset) * NS_PER_S;
  if (p.zone !== undefined) {
    if (p.zone === 'UTC') return wall;
    const gmt = /^GMT([+-]\d+)$/.exec(p.zone);
    if (gmt) return wall - BigInt(Number(gmt[1]) * 3600) * NS_PER_S;
    if (location !== '') {
      const utc = inZone(wall, location);
      if (abbreviationsAt(location, Number(utc / 1_000_000n)).includes(p.zone)) return utc;
    }
    if (Object.hasOwn(NAMED_ZONES, p.zone)) return wall - BigInt(NAMED_ZONES[p.zone] * 3600) * NS_PER_S;
    return fail();
  }
  return location === '' || location === 'UTC' ? wall : inZone(wall, location);
}

function timeNs(a: Arg): (s: Parameters<Arg['get']>[0]) => bigint {
  const g = a.get;
  if (a.type === 'time') return (s) => (typeof g(s) === 'bigint' ? (g(s) as bigint) : fail());
  return (s) => {
    const v: Value = g(s);
    return kindOf(v) === 'time' ? (v as TimeValue).ns : fail();
  };
}

const ENGLISH = ['', 'en', 'en-US', 'en-GB'];

export const CTIME_FUNCTIONS: Record<string, FunctionDef> = {
  Time: {
    params: [
      { name: 'time', kind: 'value' },
      { name: 'format', kind: 'string' },
      { name: 'location', kind: 'value', default: '' },
      { name: 'locale', kind: 'string', default: '' },
    ],
    returns: 'time',
    errors: true,
    check: (args, bad) => {
      if (args[1].type === 'literal' && args[1].value === '') bad(1, 'the format must not be empty');
      const locale = args[3]?.type === 'literal' ? args[3].value : '';
      if (typeof locale === 'string' && !ENGLISH.includes(locale)) bad(3, `locale ${JSON.stringify(locale)}: spansift reads times in English only`);
    },
    closure: ([time, , location], call) => {
      const native = toGoLayout(literalString(call, 1));
      return (s) => {
        const loc = strictString(location.get(s));
        const text = strictString(time.get(s));
        if (!('layout' in native) || text === '') fail();
        if (loc !== '' && loc !== 'UTC') formatter(loc);
        return parseTime(native.layout, text, loc);
      };
    },
  },
  FormatTime: {
    params: [{ name: 'time', kind: 'value' }, { name: 'format', kind: 'string' }],
    returns: 'string',
    errors: true,
    check: (args, bad) => {
      const f = args[1].type === 'literal' ? String(args[1].value) : '';
      if (f === '') bad(1, 'the format must not be empty');
      const native = toGoLayout(f);
      if ('error' in native) bad(1, native.error);
    },
    closure: ([time], call) => {
      const chunks = layoutChunks((toGoLayout(literalString(call, 1)) as { layout: string }).layout);
      const ns = timeNs(time);
      return (s) => formatGoTime(ns(s), chunks);
    },
  },
};

