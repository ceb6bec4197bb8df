/**
 * Closing an HTTP server whose clients keep their connections alive. Node's `close()` stops
 * accepting connections and ends the idle ones, but a connection that is answering a
 * request at that moment stays open, its answers still say keep-alive, and a client that
 * asks again within the keep-alive timeout (a dashboard or scraper polling every second)
 * holds it, and the close, open for good. Once closing, every answer closes its connection.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

export interface Closer {
  /** Stops accepting connections; resolves once those open have answered and closed, or were cut after `graceMs`. */
  close(): Promise<void>;
}

/**
 * How long connections may stay open once closing: answers take milliseconds, but a client
 * that sent half a request (Node stops its header and request timeouts at the close) would
 * otherwise hold the close for good.
 */
export const CLOSE_GRACE_MS = 5000;

export function closerFor(server: Server, graceMs = CLOSE_GRACE_MS): Closer {
  let closing = false;
  const open = new Set<ServerResponse>();
  const lastAnswer = (res: ServerResponse) => {
    if (!res.headersSent) res.setHeader('connection', 'close');
    // Its headers went out saying keep-alive: end the connection once it is idle again.
    else res.once('finish', () => setImmediate(() => server.closeIdleConnections()));
  };
  // Before the app's own handler, which may answer at once.
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    if (closing) return lastAnswer(res);
    open.add(res);
    res.once('close', () => open.delete(res));
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        for (const res of open) lastAnswer(res);
        open.clear();
        const cut = setTimeout(() => server.closeAllConnections(), graceMs).unref();
        server.close(() => {
          clearTimeout(cut);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
