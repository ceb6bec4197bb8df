import { ConditionError, describeText } from './errors.js';

/**
 * Numeric and duration literals. Integers are exact: they stay JS numbers while safe and
 * become bigint beyond 2^53 (the same rule the span decoder uses for attribute values, so
 * `===`/Map lookups between the two agree). Like OTTL, integers must fit an int64.
 */
export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

export function normalizeInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

export function fitsInt64(v: bigint): boolean {
  return v >= INT64_MIN && v <= INT64_MAX;
}

export interface NumberToken {
  kind: 'int' | 'float';
  /** Ints as bigint (the sign is applied by the parser), floats as numbers. */
  value: number | bigint;
  end: number;
}

/** An unsigned number: `12`, `1.5`, `.5`, `1e3`; the parser checks an int's range once the sign is known. */
export function readUnsigned(source: string, start: number): NumberToken {
  const m = /^(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?/.exec(source.slice(start, start + 400));
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
  if (big > INT64_MAX + 1n) {
    throw new ConditionError('bad_number', `integer ${describeText(text)} does not fit in 64 bits`, source, start);
  }
  return { kind: 'int', value: big, end };
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

export type DurationResult = { ok: true; value: bigint; end: number } | { ok: false; reason: string; at: number };

/**
 * Go `time.ParseDuration` syntax from `start` on (sign included): `500ms`, `1.5s`, `1h30m`,
 * `-250us`, and `0` alone. Fractions below 1ns are truncated as Go does; a value beyond
 * int64 nanoseconds is an error, as in Go. `whole` demands that the text ends there.
 */
export function parseGoDuration(text: string, start = 0, whole = true): DurationResult {
  let i = start;
  let negative = false;
  if (text[i] === '-' || text[i] === '+') {
    negative = text[i] === '-';
    i++;
  }
  if (text.slice(i) === '0' && whole) return { ok: true, value: 0n, end: i + 1 };
  let total = 0n;
  let parts = 0;
  let unitAt = i;
  for (;;) {
    const m = /^(\d*)(?:\.(\d*))?/.exec(text.slice(i, i + 64));
    const whole_ = m?.[1] ?? '';
    const frac = m?.[2] ?? '';
    if (whole_ === '' && frac === '') break;
    const numEnd = i + (m?.[0].length ?? 0);
    const unit = UNITS.find(([u]) => text.startsWith(u, numEnd));
    if (!unit) {
      const shown = /^[A-Za-z_\u00b5\u03bc]+/.exec(text.slice(numEnd))?.[0] ?? text[numEnd] ?? '';
      const what = shown ? `unknown duration unit ${describeText(shown)}` : 'missing duration unit';
      return { ok: false, reason: `${what}; use ns, us, ms, s, m or h`, at: numEnd };
    }
    const [u, ns] = unit;
    total += BigInt(whole_ || '0') * ns;
    if (frac) total += (BigInt(frac) * ns) / 10n ** BigInt(frac.length);
    unitAt = numEnd;
    i = numEnd + u.length;
    parts++;
  }
  if (parts === 0) return { ok: false, reason: 'malformed duration', at: start };
  if (whole ? i < text.length : i < text.length && /[A-Za-z_0-9.]/.test(text[i])) {
    const shown = /^[A-Za-z_0-9.\u00b5\u03bc]+/.exec(text.slice(unitAt))?.[0] ?? text.slice(i, i + 1);
    return { ok: false, reason: `unknown duration unit ${describeText(shown)}`, at: unitAt };
  }
  const value = negative ? -total : total;
  if (!fitsInt64(value)) return { ok: false, reason: 'duration does not fit in 64 bits', at: start };
  return { ok: true, value, end: i };
}

/** A duration literal in a condition (`5s`); unsigned, since the parser applies signs. */
export function readDuration(source: string, start: number): { value: bigint; end: number } {
  const d = parseGoDuration(source, start, false);
  if (!d.ok) throw new ConditionError('bad_duration', d.reason, source, d.at);
  return { value: d.value, end: d.end };
}
