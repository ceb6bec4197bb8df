import { ConditionError, describeText } from './errors.js';

/**
 * Numeric and duration literals. Integers are exact: they stay JS numbers while safe and
 * become bigint beyond 2^53 (the same rule the span decoder uses for attribute values, so
 * `===`/Map lookups between the two agree). Like OTTL, integers must fit an int64.
 */
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function normalizeInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

export function fitsInt64(v: bigint): boolean {
  return v >= INT64_MIN && v <= INT64_MAX;
}

export interface NumberToken {
  kind: 'int' | 'float';
  value: number | bigint;
  end: number;
}

export function readNumber(source: string, start: number): NumberToken {
  const m = /^[-+]?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?/.exec(source.slice(start, start + 400));
  if (!m) throw new ConditionError('bad_number', 'malformed number', source, start);
  const text = m[0];
  const end = start + text.length;
  if (/[.eE]/.test(text)) {
    const value = Number(text);
    if (!Number.isFinite(value)) {
      throw new ConditionError('bad_number', `number ${describeText(text)} is out of range`, source, start);
    }
    return { kind: 'float', value, end };
  }
  const big = BigInt(text);
  if (!fitsInt64(big)) {
    throw new ConditionError('bad_number', `integer ${describeText(text)} does not fit in 64 bits`, source, start);
  }
  return { kind: 'int', value: normalizeInt(big), end };
}

/** Longest units first so that `ms` is not read as `m` followed by junk. */
const UNITS: ReadonlyArray<readonly [string, bigint]> = [
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00b5s', 1_000n],
  ['\u03bcs', 1_000n],
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
];

/**
 * Go `time.ParseDuration` syntax without the spaces: `500ms`, `1.5s`, `1h30m`, `-250us`.
 * The value is in nanoseconds, truncated like Go does for fractions below 1ns.
 */
export function readDuration(source: string, start: number): { value: number | bigint; end: number } {
  let i = start;
  let negative = false;
  if (source[i] === '-' || source[i] === '+') {
    negative = source[i] === '-';
    i++;
  }
  let total = 0n;
  let parts = 0;
  let unitAt = i;
  for (;;) {
    const m = /^(\d*)(?:\.(\d+))?/.exec(source.slice(i, i + 64));
    const whole = m?.[1] ?? '';
    const frac = m?.[2] ?? '';
    if (whole === '' && frac === '') break;
    const numEnd = i + (m?.[0].length ?? 0);
    const unit = UNITS.find(([u]) => source.startsWith(u, numEnd));
    if (!unit) {
      const shown = /^[A-Za-z_\u00b5\u03bc]+/.exec(source.slice(numEnd))?.[0] ?? source[numEnd] ?? '';
      const what = shown ? `unknown duration unit ${describeText(shown)}` : 'missing duration unit';
      throw new ConditionError('bad_duration', `${what}; use ns, us, ms, s, m or h`, source, numEnd);
    }
    const [u, ns] = unit;
    total += BigInt(whole || '0') * ns;
    if (frac) total += (BigInt(frac) * ns) / 10n ** BigInt(frac.length);
    unitAt = numEnd;
    i = numEnd + u.length;
    parts++;
  }
  if (parts === 0) throw new ConditionError('bad_duration', 'malformed duration', source, start);
  if (i < source.length && /[A-Za-z_0-9.]/.test(source[i])) {
    const shown = /^[A-Za-z_0-9.\u00b5\u03bc]+/.exec(source.slice(unitAt))?.[0] ?? '';
    throw new ConditionError('bad_duration', `unknown duration unit ${describeText(shown)}`, source, unitAt);
  }
  const value = negative ? -total : total;
  if (!fitsInt64(value)) throw new ConditionError('bad_duration', 'duration does not fit in 64 bits', source, start);
  return { value: normalizeInt(value), end: i };
}
