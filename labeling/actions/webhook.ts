/**
 * One webhook attempt: a JSON body signed with HMAC-SHA256 over the timestamp and the
 * body (as Stripe and GitHub sign theirs), an idempotency key that stays the same across
 * retries, and a time limit. Network errors, timeouts, 5xx, 408 and 429 may pass and are
 * retried; any other 4xx will not.
 */
import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'Spansift-Signature';
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
export const EVENT_HEADER = 'Spansift-Event';

export interface Attempt {
  ok: boolean;
  /** Worth trying again later. */
  retry: boolean;
  /** `HTTP 200`, `HTTP 503`, `timeout after 10000 ms`, `ECONNREFUSED`... */
  status: string;
}

/** `t=<unix seconds>,v1=<hex>`, the v1 signature being HMAC-SHA256(secret, `${t}.${body}`). */
export function sign(secret: string, body: string, unixSeconds: number): string {
  const v1 = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${v1}`;
}

export async function sendWebhook(
  o: { url: string; secret: string; headers: Record<string, string>; timeoutMs: number },
  body: string,
  ids: { delivery: string; event: string },
  now = Date.now(),
): Promise<Attempt> {
  try {
    const res = await fetch(o.url, {
      method: 'POST',
      headers: {
        ...o.headers,
        'content-type': 'application/json',
        'user-agent': 'spansift-webhook',
        [SIGNATURE_HEADER]: sign(o.secret, body, Math.floor(now / 1000)),
        [IDEMPOTENCY_HEADER]: ids.delivery,
        [EVENT_HEADER]: ids.event,
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(o.timeoutMs),
    });
    await res.arrayBuffer().catch(() => undefined);
    const status = `HTTP ${res.status}`;
    if (res.status >= 200 && res.status < 300) return { ok: true, retry: false, status };
    return { ok: false, retry: res.status >= 500 || res.status === 408 || res.status === 429, status };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return { ok: false, retry: true, status: `timeout after ${o.timeoutMs} ms` };
    return { ok: false, retry: true, status: err.cause?.code ?? err.message.slice(0, 200) };
  }
}

/** Exponential backoff with jitter: initial, twice that, four times... at most `max`, times a random factor in [0.5, 1). */
export function backoffMs(attempts: number, o: { initial: number; max: number } = { initial: 1000, max: 600_000 }, random = Math.random): number {
  const base = Math.min(o.max, o.initial * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.5 + random() / 2));
}
