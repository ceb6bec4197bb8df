/**
 * The pages as HTTP answers: a strict Content-Security-Policy and no inline script or
 * style on any page, content-hashed assets cached for good, where each role lands, and
 * the empty and error states a person meets (no queues, nothing left, storage away).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSpansift, testStorage, type Running } from './support/spansift.js';
import { ApiClient, usersSection } from './support/labeling.js';
import { clickhouseError, faulty, type Faults } from './support/faulty-connection.js';

const faults: Faults = { inserts: 0 };
let sift: Running;
let admin: ApiClient;
let lou: ApiClient;
let ada: ApiClient;

beforeAll(async () => {
  sift = await startSpansift(
    {
      queues: { tiny: { instructions: '# Check **one** thing\nMore detail.', labels: [{ name: 'ok', type: 'boolean' }] } },
      users: await usersSection({
        lou: { role: 'labeler', queues: ['tiny'], password: 'lou-pw' },
        nia: { role: 'labeler', queues: [], password: 'nia-pw' },
        ada: { role: 'admin', password: 'ada-pw' },
      }),
    },
    testStorage(faulty(faults)),
  );
  admin = ApiClient.bearer(sift.uiUrl, sift.adminToken);
  lou = await ApiClient.signIn(sift.uiUrl, 'lou', 'lou-pw');
  ada = await ApiClient.signIn(sift.uiUrl, 'ada', 'ada-pw');
});

afterAll(async () => {
  await sift?.stop();
});

/** A page as a browser asks for it (redirects not followed). */
function page(c: ApiClient | undefined, path: string) {
  return fetch(`${sift.uiUrl}${path}`, { redirect: 'manual', headers: c?.cookie ? { cookie: c.cookie } : {} });
}

describe('what every page is served with', () => {
  it('a strict Content-Security-Policy, and no inline script, style or event handler', async () => {
    const [id] = (await admin.post('/api/v1/queues/tiny/items', { items: [{ data: { input: 'hi', output: 'hello' } }] })).body.ids;
    await lou.post('/api/v1/queues/tiny/next');
    for (const [who, path] of [[undefined, '/sign-in'], [lou, '/queues'], [lou, `/queues/tiny/items/${id}`], [ada, '/admin'], [ada, '/admin/spans'], [ada, '/admin/rules']] as const) {
      const res = await page(who, path);
      expect(res.status, path).toBe(200);
      const csp = res.headers.get('content-security-policy')!;
      expect(csp, path).toContain("default-src 'none'");
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).toContain("style-src 'self'");
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).not.toContain('unsafe-');
      const html = await res.text();
      expect(html, path).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
      expect(html, path).not.toMatch(/\sstyle="/i);
      expect(html, path).not.toMatch(/<style/i);
      expect(html, path).not.toMatch(/\son[a-z]+="/i);
      expect(html, path).not.toMatch(/(src|href)="(https?:)?\/\//i);
    }
  });

  it('assets under names holding a hash of their content, cached for good', async () => {
    const html = await (await page(undefined, '/sign-in')).text();
    const urls = [...html.matchAll(/(?:href|src)="(\/static\/[^"]+)"/g)].map((m) => m[1]);
    expect(urls.length).toBeGreaterThanOrEqual(2);
    for (const url of urls) {
      expect(url).toMatch(/^\/static\/[a-z-]+\.[0-9a-f]{10}\.(css|js|svg)$/);
      const res = await fetch(`${sift.uiUrl}${url}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    }
    expect((await fetch(`${sift.uiUrl}/static/app.0000000000.css`)).status).toBe(404);
  });
});

describe('where people land', () => {
  it('a labeler on their queues, an admin on the overview', async () => {
    expect((await page(lou, '/')).headers.get('location')).toBe('/queues');
    expect((await page(ada, '/')).headers.get('location')).toBe('/admin');
  });

  it('shows the first line of a queue\'s instructions, as text', async () => {
    const html = await (await page(lou, '/queues')).text();
    expect(html).toContain('<p class="instructions-line">Check one thing</p>');
  });
});

describe('empty and error states', () => {
  it('tells a labeler with no queue to ask for one, and an admin what to write in the config', async () => {
    const nia = await ApiClient.signIn(sift.uiUrl, 'nia', 'nia-pw');
    const forNia = await (await page(nia, '/queues')).text();
    expect(forNia).toContain('No queues for you yet');
    expect(forNia).toContain('Ask whoever runs spansift to add you to a queue');
    const original = sift.service.currentConfig;
    await sift.service.reload({ ...original, queues: {}, users: { ada: original.users.ada } });
    try {
      const forAda = await (await page(ada, '/queues')).text();
      expect(forAda).toContain('No queues yet');
      expect(forAda).toContain('labels:');
    } finally {
      await sift.service.reload(original);
    }
  });

  it('says when nothing is left for the labeler in a queue', async () => {
    const res = await page(lou, '/queues/tiny/next');
    // The one item is lou's (leased): submit it, and nothing is left.
    const id = res.headers.get('location')!.split('/').pop()!;
    await lou.put(`/api/v1/queues/tiny/items/${id}/labels`, { values: { ok: true }, submit: true });
    const done = await page(lou, '/queues/tiny/next');
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Nothing left for you in tiny');
  });

  it('says storage is not answering (503, try again) rather than failing', async () => {
    const [id] = (await admin.post('/api/v1/queues/tiny/items', { items: [{ data: 'later' }] })).body.ids;
    faults.queryMatch = /spansift_queue_items/;
    faults.queryError = clickhouseError(210, 'Connection refused');
    try {
      const res = await page(ada, `/queues/tiny/items/${id}`);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(await res.text()).toContain('cannot reach its database right now');
      const api = await admin.get(`/api/v1/queues/tiny/items/${id}`);
      expect(api.status).toBe(503);
      expect(api.body.error.code).toBe('STORAGE_UNAVAILABLE');
    } finally {
      faults.queryError = undefined;
      faults.queryMatch = undefined;
    }
    expect((await page(ada, `/queues/tiny/items/${id}`)).status).toBe(200);
  });
});
