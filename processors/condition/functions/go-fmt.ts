import { rfc3339Nano } from '../text.js';
import { formatFloat } from './go-float.js';
import { DurationValue, IdValue, TimeValue, idHex, kindOf, type Value } from '../values.js';

/**
 * Go's fmt.Sprintf for the Format converter: verbs v s d t q x X o O b c U e E f F g G, flags
 * `+ - # 0 space`, width and precision (digits or `*`), and Go's own text for a bad verb
 * (`%!d(string=a)`), a missing argument (`%!d(MISSING)`) and extra ones (`%!(EXTRA int64=1)`).
 * Values arrive as OTTL getters give them: int64, float64, string, bool, []byte, time.Time,
 * time.Duration, pcommon ids, []any and map[string]any.
 */
interface Spec {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  zero: boolean;
  space: boolean;
  width?: number;
  prec?: number;
  verb: string;
}

/** A number that is a float64 although it is whole (a literal such as `2.0`). */
export class GoFloat {
  constructor(readonly value: number) {}
}

function kindOfArg(v: Value): ReturnType<typeof kindOf> {
  return v instanceof GoFloat ? 'float' : kindOf(v);
}

const num = (v: Value) => (v instanceof GoFloat ? v.value : (v as number));

function goType(v: Value): string {
  switch (kindOfArg(v)) {
    case 'nil': return '<nil>';
    case 'string': return 'string';
    case 'int': return 'int64';
    case 'float': return 'float64';
    case 'bool': return 'bool';
    case 'bytes': return '[]uint8';
    case 'list': return '[]interface {}';
    case 'map': return 'map[string]interface {}';
    case 'time': return 'time.Time';
    case 'duration': return 'time.Duration';
    case 'traceid': return 'pcommon.TraceID';
    default: return 'pcommon.SpanID';
  }
}

function padTo(s: string, spec: Spec, zeroOk = true): string {
  if (spec.width === undefined || s.length >= spec.width) return s;
  const fill = spec.width - [...s].length;
  if (fill <= 0) return s;
  if (spec.minus) return s + ' '.repeat(fill);
  if (spec.zero && zeroOk) {
    const sign = /^[+\- ]/.test(s) ? s[0] : '';
    return sign + '0'.repeat(fill) + s.slice(sign.length);
  }
  return ' '.repeat(fill) + s;
}

function intText(n: bigint, spec: Spec, verb: string): string | undefined {
  const neg = n < 0n;
  const abs = neg ? -n : n;
  let digits: string;
  let prefix = '';
  switch (verb) {
    case 'd': case 'v': digits = abs.toString(10); break;
    case 'b': digits = abs.toString(2); if (spec.sharp) prefix = '0b'; break;
    case 'o': digits = abs.toString(8); if (spec.sharp && digits !== '0') prefix = '0'; break;
    case 'O': digits = abs.toString(8); prefix = '0o'; break;
    case 'x': digits = abs.toString(16); if (spec.sharp) prefix = '0x'; break;
    case 'X': digits = abs.toString(16).toUpperCase(); if (spec.sharp) prefix = '0X'; break;
    case 'c': return padTo(n < 0n || n > 0x10ffffn || (n >= 0xd800n && n <= 0xdfffn) ? '\ufffd' : String.fromCodePoint(Number(n)), spec, false);
    case 'q': return padTo(quoteRune(n), spec, false);
    case 'U': {
      const u = 'U+' + abs.toString(16).toUpperCase().padStart(4, '0');
      return padTo(spec.sharp && n >= 0n && n <= 0x10ffffn ? `${u} '${String.fromCodePoint(Number(n))}'` : u, spec, false);
    }
    default: return undefined;
  }
  if (spec.prec !== undefined) {
    if (spec.prec === 0 && n === 0n) digits = '';
    digits = digits.padStart(spec.prec, '0');
  }
  const sign = neg ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  const body = sign + prefix + digits;
  if (spec.zero && !spec.minus && spec.prec === undefined && spec.width !== undefined && body.length < spec.width) {
    return sign + prefix + digits.padStart(spec.width - sign.length - prefix.length, '0');
  }
  return padTo(body, { ...spec, zero: false });
}

function quoteRune(n: bigint): string {
  if (n < 0n || n > 0x10ffffn || (n >= 0xd800n && n <= 0xdfffn)) return "'\ufffd'";
  const c = String.fromCodePoint(Number(n));
  const esc: Record<string, string> = { "'": "\\'", '\\': '\\\\', '\n': '\\n', '\t': '\\t', '\r': '\\r', '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\v': '\\v' };
  if (esc[c]) return `'${esc[c]}'`;
  if (/[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u.test(c)) return `'${c}'`;
  const x = Number(n);
  return x < 0x80 ? `'\\x${x.toString(16).padStart(2, '0')}'` : x < 0x10000 ? `'\\u${x.toString(16).padStart(4, '0')}'` : `'\\U${x.toString(16).padStart(8, '0')}'`;
}

/** strconv.Quote. */
export function goQuoteString(s: string): string {
  let out = '"';
  for (const c of s) {
    const esc: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\t': '\\t', '\r': '\\r', '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\v': '\\v' };
    if (esc[c]) out += esc[c];
    else if (/[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u.test(c)) out += c;
    else {
      const x = c.codePointAt(0)!;
      out += x < 0x80 ? `\\x${x.toString(16).padStart(2, '0')}` : x < 0x10000 ? `\\u${x.toString(16).padStart(4, '0')}` : `\\U${x.toString(16).padStart(8, '0')}`;
    }
  }
  return out + '"';
}

function floatText(f: number, spec: Spec, verb: string): string | undefined {
  let body: string;
  if (Number.isNaN(f)) body = 'NaN';
  else if (!Number.isFinite(f)) body = f > 0 ? (spec.plus ? '+Inf' : spec.space ? ' Inf' : 'Inf') : '-Inf';
  else {
    const abs = Math.abs(f);
    switch (verb) {
      case 'v': case 'g': case 'G': body = formatFloat(abs, 'g', spec.prec, verb === 'G'); break;
      case 'e': case 'E': body = formatFloat(abs, 'e', spec.prec ?? 6, verb === 'E'); break;
      case 'f': case 'F': body = formatFloat(abs, 'f', spec.prec ?? 6, false); break;
      default: return undefined;
    }
    body = (f < 0 || Object.is(f, -0) ? '-' : spec.plus ? '+' : spec.space ? ' ' : '') + body;
  }
  return padTo(body, spec, Number.isFinite(f));
}

function strText(s: string, spec: Spec, verb: string): string | undefined {
  const t = spec.prec !== undefined ? [...s].slice(0, spec.prec).join('') : s;
  switch (verb) {
    case 's': case 'v': return padTo(t, spec, false);
    case 'q': return padTo(goQuoteString(t), spec, false);
    case 'x': case 'X': {
      const hex = Buffer.from(t, 'utf8').toString('hex');
      return padTo(verb === 'X' ? hex.toUpperCase() : hex, spec, false);
    }
    default: return undefined;
  }
}

/** Go's Duration.String(). */
export function goDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const neg = ns < 0n;
  let u = neg ? -ns : ns;
  let out: string;
  if (u < 1_000_000_000n) {
    const [unit, div] = u < 1000n ? ['ns', 1n] : u < 1_000_000n ? ['µs', 1000n] : ['ms', 1_000_000n];
    out = fracText(u, div) + unit;
  } else {
    const h = u / 3_600_000_000_000n;
    u -= h * 3_600_000_000_000n;
    const m = u / 60_000_000_000n;
    u -= m * 60_000_000_000n;
    out = (h > 0n ? `${h}h` : '') + (h > 0n || m > 0n ? `${m}m` : '') + fracText(u, 1_000_000_000n) + 's';
  }
  return neg ? '-' + out : out;
}

function fracText(v: bigint, div: bigint): string {
  const whole = v / div;
  const frac = (v % div).toString().padStart(div.toString().length - 1, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : `${whole}`;
}

/** Go's time.Time.String() for a UTC time. */
function timeString(ns: bigint): string {
  const iso = rfc3339Nano(ns);
  return `${iso.slice(0, 10)} ${iso.slice(11, -1)} +0000 UTC`;
}

/** %v of any value, as fmt prints it. */
function plainV(v: Value, spec: Spec): string {
  switch (kindOfArg(v)) {
    case 'nil': return '<nil>';
    case 'string': return v as string;
    case 'int': return intText(BigInt(v as number), spec, 'd')!;
    case 'float': return floatText(num(v), { ...spec, width: undefined }, 'v')!;
    case 'bool': return String(v);
    case 'bytes': return `[${[...(v as Uint8Array)].join(' ')}]`;
    case 'list': return `[${(v as Value[]).map((x) => plainV(x, spec)).join(' ')}]`;
    case 'map': {
      const m = v as Record<string, Value>;
      return `map[${Object.keys(m).sort().map((k) => `${k}:${plainV(m[k], spec)}`).join(' ')}]`;
    }
    case 'time': return timeString((v as TimeValue).ns);
    case 'duration': return goDuration((v as DurationValue).ns);
    default: return `[${[...Buffer.from(idHex(v as IdValue), 'hex')].join(' ')}]`;
  }
}

function formatOne(v: Value, spec: Spec): string | undefined {
  const verb = spec.verb;
  switch (kindOfArg(v)) {
    case 'nil':
      return verb === 'v' ? padTo('<nil>', spec, false) : undefined;
    case 'bool':
      return verb === 't' || verb === 'v' ? padTo(String(v), spec, false) : undefined;
    case 'int':
      return intText(BigInt(v as number), spec, verb);
    case 'float':
      return floatText(num(v), spec, verb);
    case 'string':
      return strText(v as string, spec, verb);
    case 'bytes':
      return verb === 's' || verb === 'q' || verb === 'x' || verb === 'X' ? strText(Buffer.from(v as Uint8Array).toString('latin1'), spec, verb === 's' ? 's' : verb) : verb === 'v' ? padTo(plainV(v, spec), spec, false) : undefined;
    case 'duration':
      if (verb === 'v' || verb === 's') return padTo(goDuration((v as DurationValue).ns), spec, false);
      return verb === 'q' ? padTo(goQuoteString(goDuration((v as DurationValue).ns)), spec, false) : intText((v as DurationValue).ns, spec, verb);
    case 'time':
      return verb === 'v' || verb === 's' ? padTo(timeString((v as TimeValue).ns), spec, false) : verb === 'q' ? padTo(goQuoteString(timeString((v as TimeValue).ns)), spec, false) : undefined;
    default:
      return verb === 'v' ? padTo(plainV(v, spec), spec, false) : undefined;
  }
}

/** The text fmt writes for a value that does not fit its verb: `%!d(string=a)`. */
function badVerb(verb: string, v: Value): string {
  if (kindOfArg(v) === 'nil') return `%!${verb}(<nil>)`;
  return `%!${verb}(${goType(v)}=${plainV(v, { plus: false, minus: false, sharp: false, zero: false, space: false, verb: 'v' })})`;
}

export function goSprintf(format: string, args: Value[]): string {
  let out = '';
  let argNum = 0;
  let i = 0;
  while (i < format.length) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const spec: Spec = { plus: false, minus: false, sharp: false, zero: false, space: false, verb: '' };
    for (; i < format.length; i++) {
      const c = format[i];
      if (c === '+') spec.plus = true;
      else if (c === '-') spec.minus = true;
      else if (c === '#') spec.sharp = true;
      else if (c === '0') spec.zero = true;
      else if (c === ' ') spec.space = true;
      else break;
    }
    // Go's parsenum and intFromArg: a number past 1e6 is "crazy long"; as digits it swallows the rest of the format.
    const num = (): number | undefined | 'bad' => {
      if (format[i] === '*') {
        i++;
        const a = args[argNum++];
        return kindOfArg(a) === 'int' && Math.abs(Number(a)) <= 1e6 ? Number(a) : 'bad';
      }
      let n: number | undefined;
      while (i < format.length && format[i] >= '0' && format[i] <= '9') {
        if (n !== undefined && n > 1e6) {
          i = format.length;
          return undefined;
        }
        n = (n ?? 0) * 10 + Number(format[i]);
        i++;
      }
      return n;
    };
    let badWidth = false;
    const w = num();
    if (w === 'bad') badWidth = true;
    else if (w !== undefined) {
      if (w < 0) [spec.minus, spec.width] = [true, -w];
      else spec.width = w;
    }
    let badPrec = false;
    if (format[i] === '.') {
      i++;
      const p = num();
      if (p === 'bad') badPrec = true;
      else spec.prec = p === undefined ? 0 : p < 0 ? undefined : p;
    }
    if (i >= format.length) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    spec.verb = verb;
    if (badWidth) out += '%!(BADWIDTH)';
    if (badPrec) out += '%!(BADPREC)';
    if (spec.minus) spec.zero = false;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argNum >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const v = args[argNum++];
    out += formatOne(v, spec) ?? badVerb(verb, v);
  }
  if (argNum < args.length) {
    const extra = args.slice(argNum).map((v) => (kindOf(v) === 'nil' ? '<nil>' : `${goType(v)}=${plainV(v, { plus: false, minus: false, sharp: false, zero: false, space: false, verb: 'v' })}`));
    out += `%!(EXTRA ${extra.join(', ')})`;
  }
  return out;
}
