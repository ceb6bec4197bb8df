/**
 * Go's time layouts (time.Time.Format and time.Parse) over the layout the collector makes
 * from a strptime-like format (timeutils/ctimefmt: `%Y` becomes `2006`...). Going through
 * Go's layout gives the collector's answers in its corners too: text such as `Jan` or `_2`
 * left in a format is a layout element, `%L` is only a fraction after `.` or `,`.
 * Times are UTC: spansift keeps no zone with a time.
 */
const DIRECTIVES: Record<string, string> = {
  '%Y': '2006', '%y': '06', '%m': '01', '%o': '_1', '%q': '1', '%b': 'Jan', '%h': 'Jan', '%B': 'January',
  '%d': '02', '%e': '_2', '%g': '2', '%a': 'Mon', '%A': 'Monday', '%H': '15', '%l': '3', '%I': '03',
  '%p': 'PM', '%P': 'pm', '%M': '04', '%S': '05', '%L': '999', '%f': '999999', '%s': '99999999',
  '%Z': 'MST', '%z': '-0700', '%w': '-070000', '%i': '-07', '%j': '-07:00', '%k': '-07:00:00',
  '%D': '01/02/2006', '%x': '01/02/2006', '%F': '2006-01-02', '%T': '15:04:05', '%X': '15:04:05',
  '%r': '03:04:05 pm', '%R': '15:04', '%n': '\n', '%t': '\t', '%%': '%', '%c': 'Mon Jan 02 15:04:05 2006',
};

/** ctimefmt.ToNative: the Go layout, or the reason the collector refuses the format. */
export function toGoLayout(format: string): { layout: string } | { error: string } {
  if (/[0-9]/.test(format)) return { error: 'the format must not contain digits' };
  const bad: string[] = [];
  const layout = format.replace(/%(?:[^\n])/gu, (d) => {
    if (Object.hasOwn(DIRECTIVES, d)) return DIRECTIVES[d];
    bad.push(d);
    return '';
  });
  return bad.length ? { error: `unsupported directive${bad.length > 1 ? 's' : ''} ${bad.join(', ')}` } : { layout };
}

export type Std =
  | 'January' | 'Jan' | '1' | '01' | 'Monday' | 'Mon' | '2' | '_2' | '02' | '__2' | '002' | '15' | '3' | '03' | '4' | '04' | '5' | '05'
  | '2006' | '06' | 'PM' | 'pm' | 'MST' | 'Z070000' | 'Z07:00:00' | 'Z0700' | 'Z07:00' | 'Z07' | '-070000' | '-07:00:00' | '-0700' | '-07:00' | '-07'
  | 'frac0' | 'frac9';

export interface Chunk {
  prefix: string;
  std?: Std;
  /** Fraction digits and separator for frac0/frac9. */
  digits?: number;
  sep?: string;
  suffix: string;
}

export const isDigitAt = (s: string, i: number) => i < s.length && s[i] >= '0' && s[i] <= '9';

/** Go's nextStdChunk. */
export function nextStdChunk(layout: string): Chunk {
  for (let i = 0; i < layout.length; i++) {
    const c = layout[i];
    const at = (s: string) => layout.startsWith(s, i);
    const hit = (std: Std, len: number): Chunk => ({ prefix: layout.slice(0, i), std, suffix: layout.slice(i + len) });
    switch (c) {
      case 'J':
        if (at('Jan')) return at('January') ? hit('January', 7) : hit('Jan', 3);
        break;
      case 'M':
        if (at('Mon')) return at('Monday') ? hit('Monday', 6) : hit('Mon', 3);
        if (at('MST')) return hit('MST', 3);
        break;
      case '0':
        if (i + 1 < layout.length && layout[i + 1] >= '1' && layout[i + 1] <= '6') return hit(['01', '02', '03', '04', '05', '06'][+layout[i + 1] - 1] as Std, 2);
        if (at('002')) return hit('002', 3);
        break;
      case '1':
        return at('15') ? hit('15', 2) : hit('1', 1);
      case '2':
        return at('2006') ? hit('2006', 4) : hit('2', 1);
      case '_':
        if (at('_2')) {
          if (at('_2006')) return { prefix: layout.slice(0, i + 1), std: '2006', suffix: layout.slice(i + 5) };
          return hit('_2', 2);
        }
        if (at('__2')) return hit('__2', 3);
        break;
      case '3':
      case '4':
      case '5':
        return hit(c as Std, 1);
      case 'P':
        if (at('PM')) return hit('PM', 2);
        break;
      case 'p':
        if (at('pm')) return hit('pm', 2);
        break;
      case '-':
      case 'Z':
        for (const tz of ['070000', '07:00:00', '0700', '07:00', '07']) if (at(c + tz)) return hit((c + tz) as Std, tz.length + 1);
        break;
      case '.':
      case ',':
        if (i + 1 < layout.length && (layout[i + 1] === '0' || layout[i + 1] === '9')) {
          const ch = layout[i + 1];
          let j = i + 1;
          while (j < layout.length && layout[j] === ch) j++;
          if (!isDigitAt(layout, j)) return { prefix: layout.slice(0, i), std: ch === '0' ? 'frac0' : 'frac9', digits: j - i - 1, sep: c, suffix: layout.slice(j) };
        }
        break;
    }
  }
  return { prefix: layout, suffix: '' };
}

export const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
export const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const NS = 1_000_000_000n;

const pad = (n: number, w: number) => String(n).padStart(w, '0');

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

/** A layout cut into its chunks once, for formatting many times. */
export function layoutChunks(layout: string): Chunk[] {
  const chunks: Chunk[] = [];
  let rest = layout;
  while (rest !== '') {
    const c = nextStdChunk(rest);
    chunks.push(c);
    if (!c.std) break;
    rest = c.suffix;
  }
  return chunks;
}

/** time.Time.Format in UTC. */
export function formatGoTime(ns: bigint, layout: string | Chunk[]): string {
  const chunks = typeof layout === 'string' ? layoutChunks(layout) : layout;
  const sec = floorDiv(ns, NS);
  const nsec = Number(ns - sec * NS);
  const d = new Date(Number(sec) * 1000);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth();
  const day = d.getUTCDate();
  const hour = d.getUTCHours();
  let out = '';
  for (const c of chunks) {
    out += c.prefix;
    if (!c.std) break;
    switch (c.std) {
      case 'January': out += MONTHS[month]; break;
      case 'Jan': out += MONTHS[month].slice(0, 3); break;
      case '1': out += month + 1; break;
      case '01': out += pad(month + 1, 2); break;
      case 'Monday': out += DAYS[d.getUTCDay()]; break;
      case 'Mon': out += DAYS[d.getUTCDay()].slice(0, 3); break;
      case '2': out += day; break;
      case '_2': out += String(day).padStart(2, ' '); break;
      case '02': out += pad(day, 2); break;
      case '__2':
      case '002': {
        const yday = Math.floor((Date.UTC(year, month, day) - Date.UTC(year, 0, 1)) / 86_400_000) + 1;
        out += c.std === '002' ? pad(yday, 3) : String(yday).padStart(3, ' ');
        break;
      }
      case '15': out += pad(hour, 2); break;
      case '3': out += hour % 12 === 0 ? 12 : hour % 12; break;
      case '03': out += pad(hour % 12 === 0 ? 12 : hour % 12, 2); break;
      case '4': out += d.getUTCMinutes(); break;
      case '04': out += pad(d.getUTCMinutes(), 2); break;
      case '5': out += d.getUTCSeconds(); break;
      case '05': out += pad(d.getUTCSeconds(), 2); break;
      case '2006': out += year < 0 ? '-' + pad(-year, 4) : pad(year, 4); break;
      case '06': out += pad(((year % 100) + 100) % 100, 2); break;
      case 'PM': out += hour >= 12 ? 'PM' : 'AM'; break;
      case 'pm': out += hour >= 12 ? 'pm' : 'am'; break;
      case 'MST': out += 'UTC'; break;
      case 'Z070000': case 'Z07:00:00': case 'Z0700': case 'Z07:00': case 'Z07': out += 'Z'; break;
      case '-070000': out += '+000000'; break;
      case '-07:00:00': out += '+00:00:00'; break;
      case '-0700': out += '+0000'; break;
      case '-07:00': out += '+00:00'; break;
      case '-07': out += '+00'; break;
      case 'frac0': out += c.sep + pad(nsec, 9).slice(0, c.digits); break;
      case 'frac9': {
        const digits = pad(nsec, 9).slice(0, c.digits).replace(/0+$/, '');
        if (digits !== '') out += c.sep + digits;
        break;
      }
    }
  }
  return out;
}
