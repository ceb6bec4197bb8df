/**
 * `storage.clickhouse.tls`: the ClickHouse client spansift opens for an https:// url
 * trusts the configured CA and presents the client certificate. The far end is a real
 * HTTPS server with certificates made for the test, answering ClickHouse's /ping as a
 * server does; it records the handshake the client made. (What a ClickHouse server then
 * does with the connection is ClickHouse's part.)
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfigText } from '../../cli/config.js';
import { openStorage } from './client.js';
import { TestPki, type Issued } from '../../tests/support/certs.js';

interface Seen {
  path: string;
  clientFingerprint: string | undefined;
  certificateAuth: string | undefined;
  user: string | undefined;
}

let pki: TestPki;
let client: Issued;
let server: Server;
let url: string;
const seen: Seen[] = [];

beforeAll(async () => {
  pki = new TestPki('clickhouse-test-ca');
  const cert = pki.issue('clickhouse');
  client = pki.issue('spansift', { client: true });
  // Asks for a client certificate but takes connections without one, to record which clients sent one.
  server = createServer({ cert: cert.cert, key: cert.key, ca: pki.ca.cert, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const socket = req.socket as TLSSocket;
    const peer = socket.getPeerCertificate();
    seen.push({
      path: req.url ?? '',
      clientFingerprint: socket.authorized ? peer.fingerprint256 : undefined,
      certificateAuth: req.headers['x-clickhouse-ssl-certificate-auth'] as string | undefined,
      user: req.headers['x-clickhouse-user'] as string | undefined,
    });
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('Ok.\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** The storage a config opens, as spansift opens it (the config checked first, files and all). */
function storageFor(clickhouse: Record<string, unknown>) {
  const config = parseConfigText(stringify({ storage: { clickhouse } }), 'tls.yaml', {});
  return openStorage(config.storage.clickhouse, config.data_dir);
}

async function ping(clickhouse: Record<string, unknown>): Promise<{ success: boolean; error?: Error; seen?: Seen }> {
  const before = seen.length;
  const storage = storageFor(clickhouse);
  try {
    const r = await storage.client.ping();
    return { success: r.success, error: r.success ? undefined : r.error, seen: seen[before] };
  } finally {
    await storage.client.close();
  }
}

describe('the ClickHouse connection over TLS', () => {
  it('trusts the server by ca_file', async () => {
    const r = await ping({ url, username: 'spansift', tls: { ca_file: pki.ca.certFile } });
    expect(r.success, String(r.error)).toBe(true);
    expect(r.seen).toMatchObject({ path: '/ping', clientFingerprint: undefined, user: 'spansift' });
  });

  it('presents the client certificate (mutual TLS) and asks for certificate authentication', async () => {
    const r = await ping({ url, username: 'spansift', tls: { ca_file: pki.ca.certFile, cert_file: client.certFile, key_file: client.keyFile } });
    expect(r.success, String(r.error)).toBe(true);
    expect(r.seen).toMatchObject({ clientFingerprint: client.fingerprint256, certificateAuth: 'on' });
  });

  it('without ca_file the server certificate must chain to a public CA, so a private one is refused', async () => {
    const none = await ping({ url });
    expect(none.success).toBe(false);
    expect(String(none.error?.message)).toMatch(/self[- ]signed|unable to (verify|get local issuer)/i);
    const mutualOnly = await ping({ url, tls: { cert_file: client.certFile, key_file: client.keyFile } });
    expect(mutualOnly.success).toBe(false);
    expect(String(mutualOnly.error?.message)).toMatch(/self[- ]signed|unable to (verify|get local issuer)/i);
  });
});
