/**
 * The SDK's view of spansift's HTTP API: bearer-token requests with a time limit, and
 * errors that say what went wrong in words (spansift not reachable, the key refused, a
 * field named by the server).
 */

export class SpansiftError extends Error {
  /** From a 429 or 503's Retry-After. */
  retryAfterMs?: number;
  /** What a run that failed part-way had done (evaluate()). */
  partial?: unknown;

  constructor(
    message: string,
    readonly status?: number,
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SpansiftError';
  }
}

export interface ClientOptions {
  baseUrl: string;
  apiKey: string;
  /** One request's time limit. */
  timeoutMs: number;
}

export class Client {
  readonly baseUrl: string;

  constructor(private readonly o: ClientOptions) {
    this.baseUrl = o.baseUrl.replace(/\/+$/, '');
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = `${this.baseUrl}${path}`;
    let text: string | undefined;
    try {
      text = body === undefined ? undefined : JSON.stringify(body);
    } catch (e) {
      throw new SpansiftError(`${method} ${path}: the request cannot be sent as JSON (${(e as Error).message})`, undefined, undefined, { cause: e });
    }
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${this.o.apiKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), accept: 'application/json' },
        body: text,
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const why = (e as Error).name === 'TimeoutError' ? `no answer within ${this.o.timeoutMs} ms` : (cause?.code ?? cause?.message ?? (e as Error).message);
      throw new SpansiftError(`spansift at ${this.baseUrl} cannot be reached (${why}); is it running, and is baseUrl (or SPANSIFT_BASE_URL) its UI address?`, undefined, undefined, { cause: e });
    }
    const answer = await res.text();
    let parsed: unknown;
    try {
      parsed = answer ? JSON.parse(answer) : undefined;
    } catch {
      parsed = undefined;
    }
    if (res.ok) return parsed as T;
    const err = (parsed as { error?: { message?: string; field?: string } } | undefined)?.error;
    const retryAfter = Number(res.headers.get('retry-after'));
    const wait = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined;
    if (res.status === 401) throw new SpansiftError(`spansift at ${this.baseUrl} refused the API key (401): set apiKey or SPANSIFT_API_KEY to a token from \`spansift users token\` of an admin user`, 401);
    if (res.status === 403) throw new SpansiftError(`spansift refused ${method} ${path} (403): ${err?.message ?? 'the API key\'s user is not an admin'}`, 403);
    throw Object.assign(new SpansiftError(`spansift answered ${res.status} to ${method} ${path}: ${err?.message ?? (answer.slice(0, 300) || res.statusText)}`, res.status, err?.field), { retryAfterMs: wait });
  }
}
