/**
 * Closing an HTTP server whose clients keep their connections alive. Node's `close()` stops
 * accepting connections and ends the idle ones, but a connection that is answering a
 * request at that moment stays open, its answers still say keep-alive, and a client that
 * asks again within the keep-alive timeout (a dashboard or scraper polling every second)
 * holds it, and the close, open for good. Once closing, every answer closes its connection.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

export interface Closer {
  /**
   * Stops accepting connections; resolves once those open have answered and closed. Those
   * still open `graceMs` later are cut as soon as no request is being answered.
   */
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
  let graceOver = false;
  const answering = new Set<ServerResponse>();
  const lastAnswer = (res: ServerResponse) => {
    if (!res.headersSent) res.setHeader('connection', 'close');
    // Its headers went out saying keep-alive: end the connection once it is idle again.
    else res.once('finish', () => setImmediate(() => server.closeIdleConnections()));
  };
  // An answer under way is never cut: what is left once none is, is a client that went quiet.
  const cutIfQuiet = () => {
    if (graceOver && answering.size === 0) server.closeAllConnections();
  };
  // Before the app's own handler, which may answer at once.
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    if (closing) lastAnswer(res);
    answering.add(res);
    res.once('close', () => {
      answering.delete(res);
      cutIfQuiet();
    });
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        for (const res of answering) lastAnswer(res);
        const grace = setTimeout(() => {
          graceOver = true;
          cutIfQuiet();
        }, graceMs).unref();
        server.close(() => {
          clearTimeout(grace);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
