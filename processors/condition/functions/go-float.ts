/**
 * strconv.FormatFloat for Format's float verbs: digits from the double's exact decimal
 * value, rounded half to even, and Go's choice between %e and %f forms for %g.
 */
/** The exact decimal value of a finite double: digits `n` with the decimal point `scale` places from the right. */
function exactDecimal(f: number): { n: bigint; scale: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(f));
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  const m = biased === 0 ? frac : frac | (1n << 52n);
  const e = (biased === 0 ? 1 : biased) - 1075;
  return e >= 0 ? { n: m << BigInt(e), scale: 0 } : { n: m * 5n ** BigInt(-e), scale: -e };
}

/** `n / 10^drop` rounded half to even, as strconv rounds exact decimals (drop > 0). */
function roundDrop(n: bigint, drop: number): bigint {
  const d = 10n ** BigInt(drop);
  const q = n / d;
  const r = n % d;
  return r * 2n > d || (r * 2n === d && q % 2n === 1n) ? q + 1n : q;
}

/** Decimal digits `d` (no trailing zeros unless "0") with the point after `dp` of them, as strconv's decimal type. */
interface Digits {
  d: string;
  dp: number;
}

function trimDigits(d: string, dp: number): Digits {
  const t = d.replace(/0+$/, '');
  return t === '' ? { d: '', dp: 0 } : { d: t, dp };
}

/** Shortest digits that read back as `f` (JavaScript's and Go's shortest forms agree). */
function shortestDigits(f: number): Digits {
  if (f === 0) return { d: '', dp: 0 };
  const [mant, e] = Math.abs(f).toExponential().split('e');
  return trimDigits(mant.replace('.', ''), Number(e) + 1);
}

/** `sig` significant digits, rounded half to even. */
function significantDigits(f: number, sig: number): Digits {
  if (f === 0) return { d: '', dp: 0 };
  const { n, scale } = exactDecimal(f);
  const len = n.toString().length;
  if (len <= sig) return trimDigits(n.toString(), len - scale);
  let q = roundDrop(n, len - sig);
  let dp = len - scale;
  if (q.toString().length > sig) {
    q /= 10n;
    dp++;
  }
  return trimDigits(q.toString(), dp);
}

const digitAt = (x: Digits, i: number) => (i >= 0 && i < x.d.length ? x.d[i] : '0');

/** strconv's fmtE: one digit, `prec` decimals, a signed exponent of at least two digits. */
function fmtE(x: Digits, prec: number, upper: boolean): string {
  let out = x.d === '' ? '0' : x.d[0];
  if (prec > 0) {
    out += '.';
    for (let i = 1; i <= prec; i++) out += digitAt(x, i);
  }
  const exp = x.d === '' ? 0 : x.dp - 1;
  out += (upper ? 'E' : 'e') + (exp < 0 ? '-' : '+') + String(Math.abs(exp)).padStart(2, '0');
  return out;
}

/** strconv's fmtF: the integer part, then `prec` decimals. */
function fmtF(x: Digits, prec: number): string {
  let out = '';
  if (x.dp > 0) for (let i = 0; i < x.dp; i++) out += digitAt(x, i);
  else out = '0';
  if (prec > 0) {
    out += '.';
    for (let i = 0; i < prec; i++) out += digitAt(x, x.dp + i);
  }
  return out;
}

/** strconv.FormatFloat(f, 'e'|'f'|'g', prec, 64) for a finite non-negative f (prec undefined: shortest). */
export function formatFloat(f: number, verb: 'e' | 'f' | 'g', prec: number | undefined, upper: boolean): string {
  if (verb === 'e') {
    const x = prec === undefined ? shortestDigits(f) : significantDigits(f, prec + 1);
    return fmtE(x, prec ?? Math.max(x.d.length - 1, 0), upper);
  }
  if (verb === 'f') {
    if (prec === undefined) return fmtF(shortestDigits(f), Math.max(shortestDigits(f).d.length - shortestDigits(f).dp, 0));
    const { n, scale } = exactDecimal(f);
    const q = (scale > prec ? roundDrop(n, scale - prec).toString() : n.toString() + '0'.repeat(prec - scale)).padStart(prec + 1, '0');
    return prec > 0 ? `${q.slice(0, -prec)}.${q.slice(-prec)}` : q;
  }
  let p = prec === undefined ? undefined : prec === 0 ? 1 : prec;
  const x = p === undefined ? shortestDigits(f) : significantDigits(f, p);
  const nd = x.d.length;
  if (p === undefined) p = nd;
  let eprec = p;
  if (eprec > nd && nd >= x.dp) eprec = nd;
  if (prec === undefined) eprec = 6;
  const exp = x.dp - 1;
  if (exp < -4 || exp >= eprec) return fmtE(x, Math.min(p, nd) - 1, upper);
  return fmtF(x, Math.max((p > x.dp ? nd : p) - x.dp, 0));
}
