import { SPAN_KIND_NAMES, STATUS_CODE_NAMES } from '../../collector/model/names.js';

/**
 * Query parameters for the SQL backend. Every value that comes from the condition text is
 * bound as `{name:Type}`; the SQL text only ever contains fixed fragments written here and
 * in compile-sql.ts, so it does not change when a literal does.
 */
export type ParamType = 'String' | 'Int64' | 'Float64' | 'Bool';

export class Params {
  readonly values: Record<string, string> = {};
  private readonly seen = new Map<string, string>();

  constructor(private readonly prefix: string) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(prefix)) throw new Error(`bad SQL parameter prefix ${JSON.stringify(prefix)}`);
  }

  /**
   * Values are passed as text: the client refuses numbers beyond 2^53 and ClickHouse
   * parses the text for the declared type anyway.
   */
  bind(type: ParamType, value: string | number | bigint | boolean): string {
    const text = String(value);
    const id = `${type}:${text}`;
    let name = this.seen.get(id);
    if (name === undefined) {
      name = `${this.prefix}${this.seen.size}`;
      this.seen.set(id, name);
      this.values[name] = text;
    }
    return `{${name}:${type}}`;
  }
}

function constants(names: readonly string[]): string[] {
  // These are spliced into SQL, so make sure they stay the fixed words rows.ts writes.
  for (const n of names) if (!/^[A-Za-z]+$/.test(n)) throw new Error(`unexpected enum name ${n}`);
  return [...names];
}

const KIND_NAMES = constants(SPAN_KIND_NAMES);
const STATUS_NAMES = constants(STATUS_CODE_NAMES);

/** The stored name of an enum number, as rows.ts writes it (its number when unknown). */
export function storedEnumName(path: 'kind' | 'status.code', value: number): string {
  const names = path === 'kind' ? KIND_NAMES : STATUS_NAMES;
  return names[value] ?? String(value);
}

/** The stored column as the OTLP number, for `kind > SPAN_KIND_SERVER` and the like. */
export function enumNumberSql(path: 'kind' | 'status.code'): string {
  const column = path === 'kind' ? 'SpanKind' : 'StatusCode';
  const names = path === 'kind' ? KIND_NAMES : STATUS_NAMES;
  const arms = names.map((n, i) => `${column} = '${n}', ${i}`).join(', ');
  return `multiIf(${arms}, toInt64OrZero(${column}))`;
}
