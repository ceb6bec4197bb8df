/**
 * Who gets in: sign-in and sign-out, session cookies, CSRF, API tokens, rate limits on
 * sign-in, and a walk over every route of the app with no credentials, a wrong token, a
 * labeler of another queue and a labeler on admin routes. The OpenAPI document lists
 * every route and nothing else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSpansift, type Running } from './support/spansift.js';
import { ApiClient, usersSection } from './support/labeling.js';
import { newApiToken } from '../ui-lite/auth/passwords.js';

const MINE = 'mine';
const OTHER = 'other';
const LABELS = [{ name: 'ok', type: 'boolean' }];

let sift: Running;
let admin: ApiClient;
let itemOfMine: string;
let itemOfOther: string;
const ci = newApiToken();

beforeAll(async () => {
  sift = await startSpansift({
    queues: { [MINE]: { labels: LABELS }, [OTHER]: { labels: LABELS } },
    users: await usersSection({
      lou: { role: 'labeler', queues: [MINE], password: 'lou-pw' },
      ada: { role: 'admin', password: 'ada-pw' },
      bot: { role: 'labeler', queues: [MINE], api_tokens: [ci.digest] },
      max: { role: 'labeler', queues: [MINE], password: 'max-pw' },
    }),
    ui: { sign_in: { per_user: 3, per_address: 6, window: '1h' } },
  });
  admin = ApiClient.bearer(sift.uiUrl, sift.adminToken);
  [itemOfMine] = (await admin.post(`/api/v1/queues/${MINE}/items`, { items: [{ data: 'a' }] })).body.ids;
  [itemOfOther] = (await admin.post(`/api/v1/queues/${OTHER}/items`, { items: [{ data: 'b' }] })).body.ids;
});

afterAll(async () => {
  await sift?.stop();
});

describe('signing in and out', () => {
  it('answers an HttpOnly, SameSite=Strict session cookie and the CSRF token', async () => {
    const res = await fetch(`${sift.uiUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'lou', password: 'lou-pw' }) });
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^spansift_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/');
    expect(cookie).not.toContain('Secure');
    const body = await res.json();
    expect(body).toMatchObject({ user: 'lou', role: 'labeler', queues: [MINE], csrf_token: expect.any(String) });
  });

  it('gives the same answer for an unknown user as for a wrong password', async () => {
    const wrong = await new ApiClient(sift.uiUrl).post('/api/v1/session', { user: 'ada', password: 'nope' });
    const unknown = await new ApiClient(sift.uiUrl).post('/api/v1/session', { user: 'nobody', password: 'nope' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
  });

  it('ends a session at once on sign-out', async () => {
    const lou = await signInDirect('lou', 'lou-pw');
    expect((await lou.get('/api/v1/session')).body.user).toBe('lou');
    expect((await lou.del('/api/v1/session')).status).toBe(204);
    const stale = new ApiClient(sift.uiUrl);
    stale.cookie = lou.lastCookie;
    expect((await stale.get('/api/v1/queues')).status).toBe(401);
  });

  it('needs the CSRF token for changes made with a cookie, and none with a bearer token', async () => {
    const lou = await signInDirect('lou', 'lou-pw');
    const next = await lou.call('POST', `/api/v1/queues/${MINE}/next`, undefined, { 'x-csrf-token': 'forged' });
    expect(next.status).toBe(403);
    expect(next.body.error.message).toContain('X-CSRF-Token');
    expect((await lou.call('POST', `/api/v1/queues/${MINE}/next`, undefined, {})).status).toBe(200);
    const bot = ApiClient.bearer(sift.uiUrl, ci.token);
    expect((await bot.post(`/api/v1/queues/${MINE}/next`)).status).toBe(200);
    expect((await bot.get('/api/v1/session')).body).toEqual({ user: 'bot', role: 'labeler', queues: [MINE] });
  });

  it('ends sessions when they expire', async () => {
    const short = await startSpansift({ queues: { [MINE]: { labels: LABELS } }, users: await usersSection({ lou: { role: 'labeler', queues: [MINE], password: 'lou-pw' } }), ui: { session_ttl: '1s' } }, sift.service.storage);
    try {
      const lou = await ApiClient.signIn(short.uiUrl, 'lou', 'lou-pw');
      expect((await lou.get('/api/v1/queues')).status).toBe(200);
      const deadline = Date.now() + 10_000;
      let status = 200;
      while (status === 200 && Date.now() < deadline) status = (await lou.get('/api/v1/queues')).status;
      expect(status).toBe(401);
    } finally {
      await short.stop();
    }
  });
});

/** Signs in and remembers the cookie it got, to try it again after sign-out. */
async function signInDirect(user: string, password: string): Promise<ApiClient & { lastCookie: string }> {
  const c = (await ApiClient.signIn(sift.uiUrl, user, password)) as ApiClient & { lastCookie: string };
  c.lastCookie = c.cookie!;
  return c;
}

describe('every route checks who is asking', () => {
  const PUBLIC = new Set(['GET /healthz', 'GET /readyz', 'POST /api/v1/session', 'GET /sign-in', 'POST /sign-in', 'GET /static/:file']);
  /** Pages (not /api, nor Laminar's /v1 API): without a session they send the person to sign in. */
  const isPage = (route: string) => !/^\w+ \/(api\/|v1\/|metrics$)/.test(route);
  /** Routes a labeler may use, on their own queues. */
  const LABELER = new Set([
    'GET /',
    'POST /sign-out',
    'GET /queues',
    'GET /queues/:queue/next',
    'GET /queues/:queue/items/:id',
    'GET /api/openapi.json',
    'GET /api/v1/session',
    'DELETE /api/v1/session',
    'GET /api/v1/queues',
    'POST /api/v1/queues/:queue/next',
    'GET /api/v1/queues/:queue/items/:id',
    'GET /api/v1/queues/:queue/items/:id/labels',
    'PUT /api/v1/queues/:queue/items/:id/labels',
    'POST /api/v1/queues/:queue/items/:id/skip',
    'POST /api/v1/queues/:queue/items/:id/lease',
    'DELETE /api/v1/queues/:queue/items/:id/lease',
    'GET /api/v1/queues/:queue/mine',
  ]);

  const routes = () => {
    const seen = new Set<string>();
    for (const r of sift.service.app!.routes) if (r.method !== 'ALL') seen.add(`${r.method} ${r.path}`);
    return [...seen].sort();
  };
  const fill = (path: string, queue: string, id: string) =>
    path.replace(':queue', queue).replace(':id', id).replace(':traceId', '0af7651916cd43dd8448eb211c80319c').replace(':name', 'r').replace(':other', id).replace(':datapointId', id);
  const send = (c: ApiClient, route: string, queue: string, id: string) => {
    const [method, path] = route.split(' ');
    return c.call(method, fill(path, queue, id), method === 'GET' || method === 'DELETE' ? undefined : {});
  };
  /** A page request as a browser makes it, redirects not followed. */
  const page = (route: string, cookie?: string) => {
    const [method, path] = route.split(' ');
    return fetch(`${sift.uiUrl}${fill(path, MINE, itemOfMine)}`, {
      method,
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: method === 'POST' ? 'csrf=x' : undefined,
    });
  };

  it('knows the routes it walks', () => {
    expect(routes()).toEqual(expect.arrayContaining([...PUBLIC, ...LABELER, 'GET /metrics', 'GET /api/v1/spans', 'POST /api/v1/rules/:name/backfill']));
    expect(routes().length).toBeGreaterThan(PUBLIC.size + LABELER.size + 5);
  });

  it('sends a browser without a session from every page but sign-in to sign in', async () => {
    const pages = routes().filter((r) => !PUBLIC.has(r) && isPage(r));
    expect(pages.length).toBeGreaterThanOrEqual(8);
    for (const route of pages) {
      for (const cookie of [undefined, 'spansift_session=forged-or-expired-session-id-0000000000000000']) {
        const res = await page(route, cookie);
        expect(res.status, route).toBe(303);
        expect(res.headers.get('location'), route).toMatch(/^\/sign-in\?next=/);
      }
    }
  });

  it('refuses every API route but health and sign-in without credentials, and with a wrong token', async () => {
    for (const route of routes().filter((r) => !PUBLIC.has(r) && !isPage(r))) {
      for (const c of [new ApiClient(sift.uiUrl), ApiClient.bearer(sift.uiUrl, 'not-a-token')]) {
        const res = await send(c, route, MINE, itemOfMine);
        expect(res.status, route).toBe(401);
        expect(res.body.error.code, route).toBe('UNAUTHENTICATED');
      }
    }
  });

  it('refuses a labeler every admin route and page', async () => {
    const lou = await ApiClient.signIn(sift.uiUrl, 'lou', 'lou-pw');
    const admin = routes().filter((r) => !PUBLIC.has(r) && !LABELER.has(r));
    expect(admin.filter(isPage).length).toBeGreaterThanOrEqual(1);
    for (const route of admin) {
      if (isPage(route)) {
        // A page form posts the session's CSRF token; a GET needs none.
        const [method, path] = route.split(' ');
        const res = await fetch(`${sift.uiUrl}${fill(path, MINE, itemOfMine)}`, {
          method,
          redirect: 'manual',
          headers: { cookie: lou.cookie!, 'content-type': 'application/x-www-form-urlencoded' },
          body: method === 'POST' ? `csrf=${encodeURIComponent(lou.csrf!)}` : undefined,
        });
        expect(res.status, route).toBe(403);
        continue;
      }
      const res = await send(lou, route, MINE, itemOfMine);
      expect(res.status, route).toBe(403);
      expect(res.body.error.code, route).toBe('FORBIDDEN');
    }
  });

  it('refuses a labeler another queue, its items, labels and counts', async () => {
    const bot = ApiClient.bearer(sift.uiUrl, ci.token);
    const lou = await ApiClient.signIn(sift.uiUrl, 'lou', 'lou-pw');
    for (const route of [...LABELER].filter((r) => r.includes(':queue'))) {
      if (isPage(route)) {
        const [method, path] = route.split(' ');
        const res = await fetch(`${sift.uiUrl}${fill(path, OTHER, itemOfOther)}`, { method, redirect: 'manual', headers: { cookie: lou.cookie! } });
        expect(res.status, route).toBe(403);
        continue;
      }
      const res = await send(bot, route, OTHER, itemOfOther);
      expect(res.status, route).toBe(403);
    }
    const queues = (await bot.get('/api/v1/queues')).body.queues.map((q: { name: string }) => q.name);
    expect(queues).toEqual([MINE]);
  });

  it('lets an admin user (signed in) and the admin token through', async () => {
    const ada = await ApiClient.signIn(sift.uiUrl, 'ada', 'ada-pw').catch(() => undefined);
    for (const c of [admin, ...(ada ? [ada] : [])]) {
      expect((await c.get('/api/v1/rules')).status).toBe(200);
      expect((await c.get(`/api/v1/queues/${OTHER}/items/${itemOfOther}`)).status).toBe(200);
    }
  });
});

describe('the OpenAPI document', () => {
  it('lists every route of the app, and nothing else', async () => {
    const doc = (await admin.get('/api/openapi.json')).body;
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`))
      .sort();
    const served = new Set<string>();
    for (const r of sift.service.app!.routes) if (r.method !== 'ALL' && r.path.startsWith('/api/v1/')) served.add(`${r.method} ${r.path}`);
    expect(documented).toEqual([...served].sort());
  });
});

describe('a changed password', () => {
  it('ends the sessions signed in with the old one', async () => {
    const lou = await ApiClient.signIn(sift.uiUrl, 'lou', 'lou-pw');
    expect((await lou.get('/api/v1/queues')).status).toBe(200);
    const fresh = (await usersSection({ lou: { role: 'labeler', queues: [MINE], password: 'new-pw' } })).lou as { password_hash: string };
    const current = sift.service.currentConfig;
    await sift.service.reload({ ...current, users: { ...current.users, lou: { ...current.users.lou, password_hash: fresh.password_hash } } });
    expect((await lou.get('/api/v1/queues')).status).toBe(401);
    expect((await ApiClient.signIn(sift.uiUrl, 'lou', 'new-pw')).cookie).toBeDefined();
  });
});

// Last: these use up the sign-in attempts of this client address.
describe('sign-in limits', () => {
  it('refuses a user after too many failed tries, even with the right password, and says when to come back', async () => {
    for (let i = 0; i < 3; i++) expect((await new ApiClient(sift.uiUrl).post('/api/v1/session', { user: 'max', password: 'guess' })).status).toBe(401);
    const res = await new ApiClient(sift.uiUrl).post('/api/v1/session', { user: 'max', password: 'max-pw' });
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe('RATE_LIMITED');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(60);
  });

  it('refuses a client address after too many failed tries across users', async () => {
    // 3 failures of max above; 3 more for made-up users reach the address limit of 6.
    for (const user of ['x1', 'x2', 'x3']) await new ApiClient(sift.uiUrl).post('/api/v1/session', { user, password: 'guess' });
    const res = await new ApiClient(sift.uiUrl).post('/api/v1/session', { user: 'ada', password: 'ada-pw' });
    expect(res.status).toBe(429);
  });

  it('lets no more concurrent guesses reach the password check than the limit allows', async () => {
    // (The address has used its 6 failed tries above: all of these are refused at once.)
    const answers = await Promise.all(Array.from({ length: 12 }, () => new ApiClient(sift.uiUrl).post('/api/v1/session', { user: 'ada', password: 'guess' })));
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(429));
  });
});
