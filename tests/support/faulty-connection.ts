/**
 * Fault injection around a real ClickHouse connection: while a fault is set, inserts
 * fail with it before reaching the engine; everything else passes through untouched.
 */
import type { Connection } from '@clickhouse/client-common';

export interface Faults {
  /** Thrown by every insert while set (only those whose query matches `insertMatch`, when given). */
  insertError?: Error;
  insertMatch?: RegExp;
  /** Thrown by ping while set. */
  pingError?: Error;
  /** Thrown by every query while set (only those matching `queryMatch`, when given). */
  queryError?: Error;
  queryMatch?: RegExp;
  inserts: number;
}

export function faulty(faults: Faults) {
  return (inner: Connection<unknown>): Connection<unknown> =>
    new Proxy(inner, {
      get(target, prop, receiver) {
        if (prop === 'insert') {
          return async (params: unknown) => {
            faults.inserts++;
            const query = String((params as { query?: unknown }).query ?? '');
            if (faults.insertError && (!faults.insertMatch || faults.insertMatch.test(query))) throw faults.insertError;
            return (target.insert as (p: unknown) => unknown).call(target, params);
          };
        }
        if (prop === 'query') {
          return async (params: unknown) => {
            const query = String((params as { query?: unknown }).query ?? '');
            if (faults.queryError && (!faults.queryMatch || faults.queryMatch.test(query))) throw faults.queryError;
            return (target.query as (p: unknown) => unknown).call(target, params);
          };
        }
        if (prop === 'ping') {
          return async (params: unknown) => {
            if (faults.pingError) return { success: false, error: faults.pingError };
            return (target.ping as (p: unknown) => unknown).call(target, params);
          };
        }
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
}

/** An error shaped like the ClickHouse client's for a server-side code. */
export function clickhouseError(code: number, message: string): Error {
  return Object.assign(new Error(`Code: ${code}. DB::Exception: ${message}`), { code: String(code), type: 'INJECTED' });
}
