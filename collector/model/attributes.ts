import type { AttrValue, Attributes } from './span.js';

/**
 * Attribute values as the OpenTelemetry Collector's clickhouseexporter writes them
 * (pcommon.Value.AsString): strings as they are, numbers in ECMAScript notation (which
 * is what the Go code emulates), booleans as true/false, bytes in base64, arrays and
 * maps as JSON, an empty value as ''.
 */
export function attrToString(v: AttrValue): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return Number.isFinite(v) ? String(v) : `json: unsupported value: ${goFloatName(v)}`;
    case 'boolean':
    case 'bigint':
      return String(v);
    default:
      if (v === null) return '';
      if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
      return JSON.stringify(toRaw(v));
  }
}

function goFloatName(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  return v > 0 ? '+Inf' : '-Inf';
}

/** The JSON form of a nested value, as pcommon's AsRaw + JSON encoding produce it. */
function toRaw(v: AttrValue): unknown {
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'bigint') return new RawNumber(v.toString());
    if (typeof v === 'number' && !Number.isFinite(v)) return null;
    return v;
  }
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  if (Array.isArray(v)) return v.map(toRaw);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = toRaw(v[k]);
  return out;
}

/** JSON.stringify cannot print a bigint; this keeps its digits exact. */
class RawNumber {
  constructor(private readonly digits: string) {}
  toJSON(): number {
    const n = Number(this.digits);
    return Number.isSafeInteger(n) ? n : (this.digits as unknown as number);
  }
}

export function attrsToStrings(attrs: Attributes): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in attrs) {
    // A plain assignment to `__proto__` would set the prototype and lose the attribute.
    if (k === '__proto__') Object.defineProperty(out, k, { value: attrToString(attrs[k]), enumerable: true, writable: true, configurable: true });
    else out[k] = attrToString(attrs[k]);
  }
  return out;
}
