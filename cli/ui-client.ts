/**
 * How commands reach the running spansift's API at `ui.endpoint`. Over TLS the server is
 * recognised by its certificate: the one in `ui.tls.cert_file`, compared by fingerprint, as
 * the command runs beside the server with its config. So the certificate's names need not
 * include the address dialled, nor its CA be one Node trusts; and the token is sent only
 * once the server has shown that certificate.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { connect, type TLSSocket } from 'node:tls';
import type { Config } from '../config/schema.js';
import { splitEndpoint } from '../config/units.js';

export interface UiAnswer {
  ok: boolean;
  status: number;
  json: () => Promise<unknown>;
}

/** Where the API is, as a URL for messages. */
export function uiBase(config: Config): { host: string; port: number; url: string } {
  const { host, port } = splitEndpoint(config.ui.endpoint);
  const h = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const shown = h.includes(':') ? `[${h}]` : h;
  return { host: h, port, url: `${config.ui.tls ? 'https' : 'http'}://${shown}:${port}` };
}

/** POSTs JSON to the API with a bearer token. Throws when the server cannot be reached (or is not the one configured). */
export async function postToUi(config: Config, path: string, token: string, body: unknown): Promise<UiAnswer> {
  const { host, port, url } = uiBase(config);
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const tls = config.ui.tls;
  if (!tls) {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    return { ok: res.ok, status: res.status, json: () => res.json() };
  }
  if (tls.client_ca_file) {
    throw new Error('ui.tls.client_ca_file is set, so the API takes only clients with a certificate, and this command has none; call the API with one (curl --cert --key)');
  }
  let expected: string;
  try {
    expected = new X509Certificate(readFileSync(resolve(tls.cert_file))).fingerprint256;
  } catch (e) {
    throw new Error(`cannot read ui.tls.cert_file ${tls.cert_file}: ${(e as Error).message}`);
  }
  const socket = await new Promise<TLSSocket>((ok, fail) => {
    const s = connect({ host, port, rejectUnauthorized: false, servername: isIP(host) ? undefined : host });
    s.once('secureConnect', () => ok(s));
    s.once('error', fail);
  });
  const seen = socket.getPeerCertificate().fingerprint256;
  if (seen !== expected) {
    socket.destroy();
    throw new Error(`the server there shows another certificate than ui.tls.cert_file (${tls.cert_file}); if the file was just replaced, try again in a moment`);
  }
  return new Promise((ok, fail) => {
    // No agent: the request goes over this socket, the one whose certificate was checked.
    const req = request({ host, port, path, method: 'POST', headers, createConnection: () => socket }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        socket.end();
        const status = res.statusCode ?? 0;
        const text = Buffer.concat(chunks).toString('utf8');
        ok({ ok: status >= 200 && status < 300, status, json: async () => JSON.parse(text) as unknown });
      });
      res.on('error', (e) => {
        socket.destroy();
        fail(e);
      });
    });
    req.on('error', (e) => {
      socket.destroy();
      fail(e);
    });
    req.end(JSON.stringify(body));
  });
}
