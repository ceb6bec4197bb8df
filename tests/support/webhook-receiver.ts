/**
 * A real HTTP server on 127.0.0.1 that receives spansift's webhooks: it checks every
 * signature the way the README tells receivers to, can fail the first attempts, hang past
 * the sender's timeout, or refuse; and it keeps deliveries once per idempotency key.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';

export interface Received {
  path: string;
  key: string;
  event: string;
  body: Record<string, any>;
}

export interface Behaviour {
  /** Answer 503 to the first N attempts. */
  failFirst?: number;
  /** Do not answer the first N attempts (the sender times out). */
  hangFirst?: number;
  /** Always answer this status. */
  status?: number;
}

/** What the README shows: recompute HMAC-SHA256 over `${t}.${body}` and compare in constant time; refuse old timestamps. */
export function verify(secret: string, header: string | undefined, body: string, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  const parts = Object.fromEntries((header ?? '').split(',').map((kv) => kv.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isFinite(t) || Math.abs(nowSeconds - t) > 300 || !parts.v1) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export class WebhookReceiver {
  /** Every attempt that arrived with a valid signature. */
  readonly attempts: Received[] = [];
  /** Attempts with a bad or missing signature. */
  readonly forged: string[] = [];
  private readonly seen = new Map<string, number>();
  private server: Server | undefined;
  url = '';

  constructor(
    private readonly secret: string,
    private readonly behaviours: Record<string, Behaviour> = {},
  ) {}

  /** Deliveries once per idempotency key, as a receiver keeps them. */
  get delivered(): Received[] {
    const out = new Map<string, Received>();
    for (const a of this.attempts) if (!out.has(a.key) && (this.seen.get(`ok\0${a.key}`) ?? 0) > 0) out.set(a.key, a);
    return [...out.values()];
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        const path = req.url ?? '';
        if (!verify(this.secret, req.headers['spansift-signature'] as string | undefined, text)) {
          this.forged.push(path);
          res.writeHead(401).end();
          return;
        }
        const key = String(req.headers['idempotency-key']);
        const n = (this.seen.get(`${path}\0${key}`) ?? 0) + 1;
        this.seen.set(`${path}\0${key}`, n);
        this.attempts.push({ path, key, event: String(req.headers['spansift-event']), body: JSON.parse(text) });
        const b = this.behaviours[path] ?? {};
        if (n <= (b.hangFirst ?? 0)) return; // never answered: the sender's timeout ends it
        if (b.status) return void res.writeHead(b.status).end();
        if (n <= (b.hangFirst ?? 0) + (b.failFirst ?? 0)) return void res.writeHead(503).end();
        this.seen.set(`ok\0${key}`, 1);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
