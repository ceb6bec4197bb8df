/**
 * A server closes while a client keeps asking over one keep-alive connection, as a scraper
 * or dashboard polling the UI does: the close completes, and the answers given meanwhile
 * tell the client the connection is closing.
 */
import { Agent, createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closerFor } from './http-close.js';

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.closeAllConnections();
});

async function start(delayMs: number) {
  const server = createServer((_req, res) => setTimeout(() => res.end('ok'), delayMs));
  servers.push(server);
  const closer = closerFor(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, closer, port: (server.address() as AddressInfo).port };
}

function get(agent: Agent, port: number): Promise<{ status: number; connection?: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = request({ agent, host: '127.0.0.1', port, path: '/metrics' }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    req.end();
  });
}

/** Asks back to back over one keep-alive connection until told to stop; what each answer said. */
function poll(port: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const answers: Awaited<ReturnType<typeof get>>[] = [];
  let stop = false;
  const done = (async () => {
    while (!stop) answers.push(await get(agent, port));
    agent.destroy();
  })();
  return { answers, stop: () => ((stop = true), done) };
}

describe('closerFor', () => {
  it('closes while a client polls over a keep-alive connection', async () => {
    const { closer, port } = await start(20);
    const p = poll(port);
    while (p.answers.length < 5) await new Promise((r) => setTimeout(r, 10));
    const closed = closer.close().then(() => 'closed' as const);
    const outcome = await Promise.race([closed, new Promise<'open'>((r) => setTimeout(() => r('open'), 3000))]);
    await p.stop();
    expect(outcome).toBe('closed');
    // Every answer before the close kept the connection. The first that did not ended it: an
    // answer being given at the close said so; an idle connection was closed under the next request.
    const keptAlive = (a: (typeof p.answers)[number]) => 'status' in a && a.connection === 'keep-alive';
    const kept = p.answers.length - 1 - [...p.answers].reverse().findIndex(keptAlive);
    expect(kept).toBeGreaterThanOrEqual(4);
    expect(p.answers.slice(0, kept + 1).every(keptAlive)).toBe(true);
    const ending = p.answers[kept + 1]!;
    if ('status' in ending) expect(ending).toEqual({ status: 200, connection: 'close' });
    else expect(['ECONNRESET', 'ECONNREFUSED', 'EPIPE']).toContain(ending.error);
    // Asking again finds the port closed.
    expect(await get(new Agent(), port)).toEqual({ error: 'ECONNREFUSED' });
  });

  it('cuts a connection that sent half a request once the grace has passed', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    servers.push(server);
    const closer = closerFor(server, 300);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    // Headers begun, never finished.
    socket.write('GET /metrics HTTP/1.1\r\nHost: spansift\r\n');
    const ended = new Promise((r) => socket.once('close', r));
    const outcome = await Promise.race([closer.close().then(() => 'closed'), new Promise((r) => setTimeout(() => r('open'), 3000))]);
    expect(outcome).toBe('closed');
    await ended;
  });

  it('lets an answer under way finish past the grace, then cuts what is left', async () => {
    const server = createServer((_req, res) => setTimeout(() => res.end('slow'), 600));
    servers.push(server);
    const closer = closerFor(server, 100);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const half = connect(port, '127.0.0.1');
    await new Promise((r) => half.once('connect', r));
    half.write('GET /metrics HTTP/1.1\r\nHost: spansift\r\n');
    const halfClosedAt = new Promise<number>((r) => half.once('close', () => r(performance.now())));
    const answer = get(new Agent({ keepAlive: true }), port);
    await new Promise((r) => setTimeout(r, 50));
    const started = performance.now();
    await closer.close();
    expect(await answer).toEqual({ status: 200, connection: 'close' });
    // The half request was cut only once the answer was given, after the grace.
    expect((await halfClosedAt) - started).toBeGreaterThanOrEqual(400);
  });

  it('closes at once with no connection open', async () => {
    const { closer, port } = await start(0);
    await closer.close();
    expect(await get(new Agent(), port)).toEqual({ error: 'ECONNREFUSED' });
  });
});
