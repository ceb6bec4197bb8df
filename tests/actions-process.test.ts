/**
 * Deliveries survive kill -9: a `spansift start` process whose webhook receiver fails the
 * first attempts is killed between attempts and started again; the receiver ends with
 * every completion exactly once (by its idempotency key), and the dataset with every item
 * once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { setupProcess, startProcess, type Proc, type ProcessSetup } from './support/process.js';
import { ApiClient, usersSection } from './support/labeling.js';
import { WebhookReceiver } from './support/webhook-receiver.js';
import { newApiToken } from '../ui-lite/auth/passwords.js';

const SECRET = 'process-test-secret-32-characters';
const ITEMS = 6;
const ann = newApiToken();
let setup: ProcessSetup;
let proc: Proc | undefined;
let hooks: WebhookReceiver;

async function until(what: string, probe: () => Promise<boolean> | boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  hooks = await new WebhookReceiver(SECRET, { '/hook': { failFirst: 2 } }).start();
  setup = await setupProcess(
    {
      queues: {
        q: {
          labels: [{ name: 'ok', type: 'boolean', required: true }],
          on_complete: [{ add_to_dataset: 'kept' }, { name: 'hook', webhook: { url: `${hooks.url}/hook`, secret: SECRET, retry_on_failure: { initial_interval: '1500ms' } } }],
        },
      },
      users: await usersSection({ ann: { role: 'labeler', queues: ['q'], api_tokens: [ann.digest] } }),
    },
    { fixedPorts: true },
  );
  proc = await startProcess(setup);
});

afterAll(async () => {
  if (proc && proc.child.exitCode === null) {
    proc.child.kill('SIGKILL');
    await proc.exited;
  }
  await hooks?.stop();
  if (setup) rmSync(setup.dir, { recursive: true, force: true });
});

describe('deliveries across kill -9', () => {
  it('reach the receiver exactly once each, and the dataset once each', async () => {
    const admin = ApiClient.bearer(setup.uiUrl, setup.adminToken);
    await admin.post('/api/v1/queues/q/items', { items: Array.from({ length: ITEMS }, (_, i) => ({ data: `item ${i}` })) });
    const labeler = ApiClient.bearer(setup.uiUrl, ann.token);
    for (let i = 0; i < ITEMS; i++) {
      const next = (await labeler.post('/api/v1/queues/q/next')).body.item;
      expect((await labeler.put(`/api/v1/queues/q/items/${next.id}/labels`, { values: { ok: true }, submit: true })).status).toBe(200);
    }
    // Every delivery has failed once and waits for its next attempt: kill it then.
    await until('a first attempt of every delivery', () => new Set(hooks.attempts.map((a) => a.key)).size === ITEMS);
    proc!.child.kill('SIGKILL');
    await proc!.exited;
    expect(hooks.delivered).toEqual([]);

    proc = await startProcess(setup);
    await until('every delivery to get through', () => hooks.delivered.length === ITEMS);
    const keys = hooks.delivered.map((d) => d.key);
    expect(new Set(keys).size).toBe(ITEMS);
    // Each was tried three times (two refused), one of them by the process before the kill.
    for (const key of keys) expect(hooks.attempts.filter((a) => a.key === key).length).toBeGreaterThanOrEqual(3);

    const after = ApiClient.bearer(setup.uiUrl, setup.adminToken);
    await until('the deliveries to be recorded', async () => (await after.get('/api/v1/actions/deliveries?status=delivered')).body.deliveries.length === 2 * ITEMS);
    expect((await after.get('/api/v1/datasets/kept/items')).body.items).toHaveLength(ITEMS);
    expect((await after.get('/api/v1/actions/deliveries?status=pending')).body.deliveries).toEqual([]);
  });
});
