import { goJson, goFloat } from '../text.js';
import { kindOf, type Value } from '../values.js';

/**
 * Maps built by converters (ParseKeyValue, ParseCSV, URL...). Keys are set as own data
 * properties, so text such as "__proto__" is an ordinary key.
 */
export type ValueMap = Record<string, Value>;

export function put(m: ValueMap, key: string, value: Value): void {
  Object.defineProperty(m, key, { value, enumerable: true, writable: true, configurable: true });
}

export function mapOf(entries: Iterable<[string, Value]>): ValueMap {
  const m: ValueMap = {};
  for (const [k, v] of entries) put(m, k, v);
  return m;
}

/** pcommon.Value.AsString: text as is, numbers as JSON writes them, bytes in base64, lists and maps as JSON. */
export function asString(v: Value): string {
  switch (kindOf(v)) {
    case 'nil':
      return '';
    case 'string':
      return v as string;
    case 'int':
    case 'bool':
      return String(v);
    case 'float':
      return Number.isFinite(v as number) ? goFloat(v as number) : `json: unsupported value: ${goFloatSpecial(v as number)}`;
    case 'bytes':
      return Buffer.from(v as Uint8Array).toString('base64');
    default:
      return goJson(v);
  }
}

function goFloatSpecial(f: number): string {
  return Number.isNaN(f) ? 'NaN' : f > 0 ? '+Inf' : '-Inf';
}
