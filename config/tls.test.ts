/**
 * `tls` sections: the files are read when the config is checked, and every problem with
 * them is a config error naming the key path and the file.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, formatProblem, parseConfig } from './load.js';
import { TestPki, type Issued } from '../tests/support/certs.js';

let pki: TestPki;
let server: Issued;
let other: Issued;

beforeAll(() => {
  pki = new TestPki();
  server = pki.issue('server');
  other = pki.issue('other');
});

/** The problems as `file:line: path: message` (columns depend on the temporary paths' lengths). */
function problems(text: string): string[] {
  try {
    parseConfig(text, 'tls.yaml', {});
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems.map((p) => formatProblem(p).replace(/^(tls\.yaml:\d+):\d+:/, '$1:'));
  }
  throw new Error('the config was accepted');
}

const httpTls = (tls: string) => `receivers:\n  otlp:\n    http:\n      tls: ${tls}\n`;

describe('tls on a listener', () => {
  it('reads a certificate, its key and a client CA; min_version defaults to 1.2', () => {
    const c = parseConfig(
      [
        'receivers:',
        '  otlp:',
        `    http: { tls: { cert_file: ${server.certFile}, key_file: ${server.keyFile}, client_ca_file: ${pki.ca.certFile} } }`,
        `    grpc: { tls: { cert_file: ${server.certFile}, key_file: ${server.keyFile}, min_version: 1.3 } }`,
        `ui: { tls: { cert_file: ${server.certFile}, key_file: ${server.keyFile} } }`,
      ].join('\n'),
      'tls.yaml',
      {},
    );
    expect(c.receivers.otlp.http.tls).toEqual({ cert_file: server.certFile, key_file: server.keyFile, client_ca_file: pki.ca.certFile, min_version: '1.2' });
    expect(c.receivers.otlp.grpc.tls?.min_version).toBe('1.3');
    expect(c.ui.tls?.cert_file).toBe(server.certFile);
    const plain = parseConfig('receivers: { otlp: { http: { tls: } } }', 'tls.yaml', {});
    expect(plain.receivers.otlp.http.tls).toBeUndefined();
  });

  it('a missing key file names the key path and the file', () => {
    const missing = join(pki.dir, 'nope.key');
    expect(problems(httpTls(`{ cert_file: ${server.certFile}, key_file: ${missing} }`))).toEqual([
      `tls.yaml:4: receivers.otlp.http.tls.key_file: cannot read ${missing}: no such file`,
    ]);
  });

  it('a relative path is shown as written and as resolved', () => {
    const [p] = problems(httpTls(`{ cert_file: ${server.certFile}, key_file: missing/server.key }`));
    expect(p).toContain(`receivers.otlp.http.tls.key_file: cannot read missing/server.key (${join(process.cwd(), 'missing/server.key')}): no such file`);
  });

  it('a file that is not PEM, a key of another certificate, an encrypted key', () => {
    const junk = join(pki.dir, 'junk.pem');
    writeFileSync(junk, 'not a certificate\n');
    expect(problems(httpTls(`{ cert_file: ${junk}, key_file: ${server.keyFile} }`))).toEqual([
      `tls.yaml:4: receivers.otlp.http.tls.cert_file: ${junk} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    ]);
    expect(problems(httpTls(`{ cert_file: ${server.certFile}, key_file: ${junk} }`))[0]).toContain(`receivers.otlp.http.tls.key_file: ${junk} holds no PEM private key`);
    expect(problems(httpTls(`{ cert_file: ${server.certFile}, key_file: ${other.keyFile} }`))).toEqual([
      `tls.yaml:4: receivers.otlp.http.tls.key_file: the key in ${other.keyFile} does not belong to the certificate in ${server.certFile} (the first certificate of cert_file must be the one the key signs for)`,
    ]);
    const encrypted = join(pki.dir, 'encrypted.key');
    execFileSync('openssl', ['pkey', '-in', server.keyFile, '-aes256', '-passout', 'pass:secret', '-out', encrypted]);
    expect(problems(httpTls(`{ cert_file: ${server.certFile}, key_file: ${encrypted} }`))[0]).toContain(`receivers.otlp.http.tls.key_file: ${encrypted} holds an encrypted private key; spansift takes no passphrase`);
  });

  it('lists every problem at once: a missing client CA, a bad min_version, a missing key', () => {
    const text = [
      'receivers:',
      '  otlp:',
      `    http: { tls: { cert_file: ${server.certFile}, key_file: ${server.keyFile}, client_ca_file: /nonexistent/ca.pem, min_version: "1.1" } }`,
      `    grpc: { tls: { cert_file: ${server.certFile} } }`,
      `ui: { tls: { cert_file: /nonexistent/ui.crt, key_file: ${server.keyFile} } }`,
    ].join('\n');
    const ps = problems(text);
    expect(ps).toContain('tls.yaml:3: receivers.otlp.http.tls.client_ca_file: cannot read /nonexistent/ca.pem: no such file');
    expect(ps.some((p) => p.includes('receivers.otlp.http.tls.min_version: TLS 1.1 is not offered'))).toBe(true);
    expect(ps.some((p) => p.startsWith('tls.yaml:4:') && p.includes('receivers.otlp.grpc.tls.key_file: is required'))).toBe(true);
    expect(ps).toContain('tls.yaml:5: ui.tls.cert_file: cannot read /nonexistent/ui.crt: no such file');
  });
});

describe('storage.clickhouse.tls', () => {
  it('takes a CA and a client certificate for an https:// server', () => {
    const c = parseConfig(
      `storage: { clickhouse: { url: "https://ch.example:8443", tls: { ca_file: ${pki.ca.certFile}, cert_file: ${server.certFile}, key_file: ${server.keyFile} } } }`,
      'tls.yaml',
      {},
    );
    expect(c.storage.clickhouse.tls).toEqual({ ca_file: pki.ca.certFile, cert_file: server.certFile, key_file: server.keyFile });
  });

  it('needs an https:// url, both halves of a client certificate, and readable files', () => {
    expect(problems(`storage: { clickhouse: { url: "http://ch:8123", tls: { ca_file: ${pki.ca.certFile} } } }`)).toEqual([
      'tls.yaml:1: storage.clickhouse.url: tls is set, so url must start with https:// (it is http://)',
    ]);
    expect(problems(`storage: { clickhouse: { embedded: {}, tls: { ca_file: ${pki.ca.certFile} } } }`)).toEqual([
      'tls.yaml:1: storage.clickhouse.tls: tls needs url (an https:// ClickHouse server); the embedded engine has no connection to secure',
    ]);
    expect(problems(`storage: { clickhouse: { url: "https://ch:8443", tls: { cert_file: ${server.certFile} } } }`)[0]).toContain(
      "storage.clickhouse.tls.key_file: cert_file needs key_file (the client certificate's private key)",
    );
    expect(problems('storage: { clickhouse: { url: "https://ch:8443", tls: { ca_file: /nonexistent/ca.pem } } }')[0]).toContain(
      'storage.clickhouse.tls.ca_file: cannot read /nonexistent/ca.pem: no such file',
    );
    expect(problems('storage: { clickhouse: { url: "https://ch:8443", tls: {} } }')[0]).toContain('storage.clickhouse.tls: set ca_file, or cert_file and key_file, or remove tls');
  });
});
