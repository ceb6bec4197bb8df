/**
 * HTTPS as a client that trusts a test CA (Node's fetch takes no CA): a request, and the
 * certificate a fresh handshake presents.
 */
import { request, type Agent } from 'node:https';
import { connect, type PeerCertificate, type TLSSocket } from 'node:tls';

export interface TlsClient {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  agent?: Agent;
}

export interface HttpsReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The server certificate on the connection that carried this request. */
  peer: PeerCertificate;
  /** Whether the request went over a connection kept from an earlier one. */
  reused: boolean;
}

export function httpsRequest(url: string, o: TlsClient & { method?: string; headers?: Record<string, string>; body?: string | Uint8Array } = {}): Promise<HttpsReply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: o.method ?? 'GET', headers: o.headers, ca: o.ca, cert: o.cert, key: o.key, agent: o.agent }, (res) => {
      const chunks: Buffer[] = [];
      // Read now: a kept-alive socket is detached from the response once it ends.
      const peer = (res.socket as TLSSocket).getPeerCertificate();
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), peer, reused: req.reusedSocket });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

/**
 * The certificate a new TLS connection to 127.0.0.1:port is shown (no session is resumed),
 * or the handshake's error. `alpn` for a gRPC port (HTTP/2).
 */
export function presentedCertificate(port: number, o: TlsClient & { alpn?: string[] } = {}): Promise<{ fingerprint256: string } | { error: Error }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, ca: o.ca, cert: o.cert, key: o.key, ALPNProtocols: o.alpn, servername: undefined });
    socket.once('secureConnect', () => {
      const fingerprint256 = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve({ fingerprint256 });
    });
    socket.once('error', (error) => resolve({ error }));
  });
}
