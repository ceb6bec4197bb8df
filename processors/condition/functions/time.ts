import { strictInt, strictString } from '../convert.js';
import { parseGoDuration } from '../numbers.js';
import { onString } from '../sql-convert.js';
import { OPAQUE, orErr, typed, type SqlValue } from '../sql-model.js';
import { DurationValue, TimeValue, fail, kindOf, type Getter, type Value } from '../values.js';
import type { Arg, FunctionDef } from './define.js';

/**
 * Time converters. A time is nanoseconds since the epoch and a duration nanoseconds, as
 * bigint live and Int64 in SQL; calendar fields are read in UTC (OTTL reads span times in
 * UTC; Now() in the collector's zone, which spansift takes to be UTC).
 */
const NS = 1_000_000_000n;
/** Go's zero time (year 1) is this many nanoseconds before the epoch; Truncate counts from it. */
const ZERO_TIME_NS = 62_135_596_800n * NS;

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function floorMod(a: bigint, b: bigint): bigint {
  const m = a % b;
  return m !== 0n && m < 0n !== b < 0n ? m + b : m;
}

function asInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** The argument as nanoseconds when it is a time (or a duration); anything else is an error. */
function nsGetter(a: Arg, kind: 'time' | 'duration'): (s: Parameters<Getter>[0]) => bigint {
  const g = a.get;
  if (a.type === kind) {
    return (s) => {
      const v = g(s);
      return typeof v === 'bigint' ? v : fail();
    };
  }
  return (s) => {
    const v: Value = g(s);
    return kindOf(v) === kind ? (v as TimeValue | DurationValue).ns : fail();
  };
}

/** The SQL nanoseconds of a time or duration argument, with an error where it is not one. */
function nsSql(v: SqlValue, kind: 'time' | 'duration'): { sql: string; err?: string } | undefined {
  if (v.k === 'opaque') return undefined;
  if (v.k !== 'typed' || v.t !== kind) return v.k === 'dyn' ? undefined : { sql: '0', err: '1' };
  return { sql: v.sql, err: orErr(v.err, v.nullable ? `isNull(${v.sql})` : undefined) };
}

function fromTime(returns: 'int' | 'float', f: (ns: bigint) => Value, sql: (x: string) => string, kind: 'time' | 'duration' = 'time'): FunctionDef {
  return {
    params: [{ name: 'value', kind: 'value' }],
    returns,
    errors: true,
    closure: ([a]) => {
      const ns = nsGetter(a, kind);
      return (s) => f(ns(s));
    },
    sql: ([v]) => {
      const x = nsSql(v, kind);
      return x ? typed(returns, sql(x.sql), false, x.err) : OPAQUE;
    },
  };
}

const utc = (x: string) => `fromUnixTimestamp64Nano(${x}, 'UTC')`;
const date = (ns: bigint) => new Date(Number(floorDiv(ns, 1_000_000n)));

/** Go's Duration.Seconds/Minutes/Hours: whole units plus the remainder, in float64. */
function unitsOf(d: bigint, unit: bigint): number {
  return Number(d / unit) + Number(d % unit) / Number(unit);
}

const unitsSql = (x: string, unit: bigint) => `(toFloat64(intDiv(${x}, ${unit})) + toFloat64(${x} % ${unit}) / ${unit}.)`;

export const TIME_FUNCTIONS: Record<string, FunctionDef> = {
  Now: {
    params: [],
    returns: 'time',
    closure: () => () => BigInt(Date.now()) * 1_000_000n,
    sql: () => typed('time', 'toUnixTimestamp64Nano(now64(9))'),
  },
  Duration: {
    params: [{ name: 'duration', kind: 'value' }],
    returns: 'duration',
    errors: true,
    check: (args, bad) => {
      const a = args[0];
      if (a.type === 'literal' && a.kind === 'string') {
        const d = parseGoDuration(a.value);
        if (!d.ok) bad(0, `invalid duration ${JSON.stringify(a.value)}: ${d.reason}`);
      }
    },
    closure: ([a]) => (s) => {
      const d = parseGoDuration(strictString(a.get(s)));
      return d.ok ? d.value : fail();
    },
    sql: ([v], call) => {
      const a = call.args[0];
      if (a.type !== 'literal' || a.kind !== 'string') return OPAQUE;
      const d = parseGoDuration(a.value);
      return d.ok ? typed('duration', `toInt64(${d.value})`) : OPAQUE;
    },
  },
  Unix: {
    params: [{ name: 'seconds', kind: 'value' }, { name: 'nanoseconds', kind: 'value', default: 0 }],
    returns: 'time',
    errors: true,
    closure: ([sec, nsec]) => (s) => BigInt(strictInt(sec.get(s))) * NS + BigInt(strictInt(nsec.get(s))),
    sql: ([sec, nsec]) => {
      if (sec.k !== 'typed' || sec.t !== 'int' || nsec.k !== 'typed' || nsec.t !== 'int') return OPAQUE;
      const nulls = [sec, nsec].filter((v) => v.nullable).map((v) => `isNull(${v.sql})`);
      return typed('time', `(${sec.sql} * 1000000000 + ${nsec.sql})`, false, orErr(...nulls));
    },
  },
  UnixNano: fromTime('int', asInt, (x) => x),
  UnixMicro: fromTime('int', (ns) => asInt(floorDiv(ns, 1_000n)), (x) => `intDiv(${x} - ((${x} % 1000 + 1000) % 1000), 1000)`),
  UnixMilli: fromTime('int', (ns) => asInt(floorDiv(ns, 1_000_000n)), (x) => `intDiv(${x} - ((${x} % 1000000 + 1000000) % 1000000), 1000000)`),
  UnixSeconds: fromTime('int', (ns) => asInt(floorDiv(ns, NS)), (x) => `intDiv(${x} - ((${x} % 1000000000 + 1000000000) % 1000000000), 1000000000)`),
  Nanoseconds: fromTime('int', asInt, (x) => x, 'duration'),
  Microseconds: fromTime('int', (d) => asInt(d / 1_000n), (x) => `intDiv(${x}, 1000)`, 'duration'),
  Milliseconds: fromTime('int', (d) => asInt(d / 1_000_000n), (x) => `intDiv(${x}, 1000000)`, 'duration'),
  Seconds: fromTime('float', (d) => unitsOf(d, NS), (x) => unitsSql(x, NS), 'duration'),
  Minutes: fromTime('float', (d) => unitsOf(d, 60n * NS), (x) => unitsSql(x, 60n * NS), 'duration'),
  Hours: fromTime('float', (d) => unitsOf(d, 3600n * NS), (x) => unitsSql(x, 3600n * NS), 'duration'),
  Year: fromTime('int', (ns) => date(ns).getUTCFullYear(), (x) => `toInt64(toYear(${utc(x)}))`),
  Month: fromTime('int', (ns) => date(ns).getUTCMonth() + 1, (x) => `toInt64(toMonth(${utc(x)}))`),
  Day: fromTime('int', (ns) => date(ns).getUTCDate(), (x) => `toInt64(toDayOfMonth(${utc(x)}))`),
  Hour: fromTime('int', (ns) => date(ns).getUTCHours(), (x) => `toInt64(toHour(${utc(x)}))`),
  Minute: fromTime('int', (ns) => date(ns).getUTCMinutes(), (x) => `toInt64(toMinute(${utc(x)}))`),
  Second: fromTime('int', (ns) => date(ns).getUTCSeconds(), (x) => `toInt64(toSecond(${utc(x)}))`),
  Nanosecond: fromTime('int', (ns) => Number(floorMod(ns, NS)), (x) => `((${x} % 1000000000 + 1000000000) % 1000000000)`),
  Weekday: fromTime('int', (ns) => date(ns).getUTCDay(), (x) => `toInt64(toDayOfWeek(${utc(x)}) % 7)`),
  TruncateTime: {
    params: [{ name: 'time', kind: 'value' }, { name: 'duration', kind: 'value' }],
    returns: 'time',
    errors: true,
    closure: ([t, d]) => {
      const time = nsGetter(t, 'time');
      const dur = nsGetter(d, 'duration');
      return (s) => {
        const ns = time(s);
        const step = dur(s);
        return step <= 0n ? ns : ns - floorMod(ns + ZERO_TIME_NS, step);
      };
    },
    sql: ([t, d]) => {
      const x = nsSql(t, 'time');
      const step = nsSql(d, 'duration');
      if (!x || !step) return OPAQUE;
      const off = `toInt128(${x.sql}) + toInt128('${ZERO_TIME_NS}')`;
      const mod = `((${off}) % ${step.sql} + ${step.sql}) % ${step.sql}`;
      return typed('time', `if(${step.sql} <= 0, ${x.sql}, toInt64(${x.sql} - ${mod}))`, false, orErr(x.err, step.err));
    },
  },
};

export { onString };
