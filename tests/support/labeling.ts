/**
 * Labeling API clients for tests: a person signed in with a session cookie (sending the
 * CSRF token the way the page does), or a script with a bearer token; and users for a
 * test config, with real password hashes.
 */
import { hashPassword } from '../../ui-lite/auth/passwords.js';

export interface TestUser {
  role: 'admin' | 'labeler';
  queues?: string[] | '*';
  password?: string;
  api_tokens?: string[];
}

/** The `users` section for a config: passwords hashed as `spansift users hash` does (at a low cost, for speed). */
export async function usersSection(users: Record<string, TestUser>): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [name, u] of Object.entries(users)) {
    out[name] = {
      role: u.role,
      ...(u.queues !== undefined ? { queues: u.queues } : {}),
      ...(u.password !== undefined ? { password_hash: await hashPassword(u.password, 10) } : {}),
      ...(u.api_tokens !== undefined ? { api_tokens: u.api_tokens } : {}),
    };
  }
  return out;
}

export interface Answer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export class ApiClient {
  cookie: string | undefined;
  csrf: string | undefined;

  constructor(
    readonly baseUrl: string,
    private readonly token?: string,
  ) {}

  static bearer(baseUrl: string, token: string): ApiClient {
    return new ApiClient(baseUrl, token);
  }

  /** Signs in; throws unless the answer is 200. */
  static async signIn(baseUrl: string, user: string, password: string): Promise<ApiClient> {
    const c = new ApiClient(baseUrl);
    const res = await c.call('POST', '/api/v1/session', { user, password });
    if (res.status !== 200) throw new Error(`sign-in of ${user} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return c;
  }

  async call<T = any>(method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<Answer<T>> {
    const headers: Record<string, string> = { ...extra };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (this.cookie) headers.cookie = this.cookie;
    if (this.csrf && method !== 'GET' && !('x-csrf-token' in extra)) headers['x-csrf-token'] = this.csrf;
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) {
      const [pair] = setCookie.split(';');
      this.cookie = pair.endsWith('=') ? undefined : pair;
    }
    const text = await res.text();
    const parsed = text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
    if (parsed && typeof parsed === 'object' && typeof parsed.csrf_token === 'string') this.csrf = parsed.csrf_token;
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  get = <T = any>(path: string) => this.call<T>('GET', path);
  post = <T = any>(path: string, body?: unknown) => this.call<T>('POST', path, body);
  put = <T = any>(path: string, body?: unknown) => this.call<T>('PUT', path, body);
  del = <T = any>(path: string) => this.call<T>('DELETE', path);
}
