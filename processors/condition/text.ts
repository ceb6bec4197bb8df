import { goQuote } from '../../collector/model/attributes.js';
import { DurationValue, IdValue, TimeValue, fail, idHex, kindOf, type Value } from './values.js';

/**
 * Values as text, the way OTTL's StringLikeGetter makes them (String, IsMatch, Concat):
 * strings as they are, numbers and booleans as Go's encoding/json writes them, byte values
 * in hex, lists and maps as Go's json.Marshal writes them (keys sorted; `<`, `>`, `&`
 * escaped), times as JSON time text, durations as nanoseconds. nil is undefined.
 */
export function stringLike(v: Value): string | undefined {
  switch (kindOf(v)) {
    case 'nil':
      return undefined;
    case 'string':
      return v as string;
    case 'int':
    case 'bool':
      return String(v);
    case 'float':
      return goFloat(v as number);
    case 'bytes':
      return Buffer.from(v as Uint8Array).toString('hex');
    case 'time':
      return `"${rfc3339Nano((v as TimeValue).ns)}"`;
    case 'duration':
      return String((v as DurationValue).ns);
    case 'traceid':
    case 'spanid':
      return idHex(v as IdValue);
    default:
      return goJson(v);
  }
}

/** encoding/json's float64: JavaScript's shortest form, which Go's matches; NaN and Inf are errors. */
export function goFloat(f: number): string {
  if (!Number.isFinite(f)) fail();
  return Object.is(f, -0) ? '-0' : String(f);
}

/** Go's json.Marshal of a raw value (AsRaw of a map or slice). */
export function goJson(v: Value): string {
  switch (kindOf(v)) {
    case 'nil':
      return 'null';
    case 'string':
      return goQuote(v as string);
    case 'int':
    case 'bool':
      return String(v);
    case 'float':
      return goFloat(v as number);
    case 'bytes':
      return goQuote(Buffer.from(v as Uint8Array).toString('base64'));
    case 'list':
      return `[${(v as Value[]).map(goJson).join(',')}]`;
    case 'map': {
      const m = v as Record<string, Value>;
      const keys = Object.keys(m).sort(byUtf8);
      return `{${keys.map((k) => `${goQuote(k)}:${goJson(m[k])}`).join(',')}}`;
    }
    default:
      return goQuote(stringLike(v) ?? '');
  }
}

function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Go's time.RFC3339Nano of a UTC time: fractional seconds without trailing zeros. */
export function rfc3339Nano(ns: bigint): string {
  const sec = ns / 1_000_000_000n - (ns % 1_000_000_000n < 0n ? 1n : 0n);
  const frac = ns - sec * 1_000_000_000n;
  const date = new Date(Number(sec) * 1000).toISOString().slice(0, 19);
  const f = frac === 0n ? '' : '.' + frac.toString().padStart(9, '0').replace(/0+$/, '');
  return `${date}${f}Z`;
}
