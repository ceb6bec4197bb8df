/**
 * A CA and a server certificate signed by it for 127.0.0.1 and localhost, made with the
 * openssl command into a fresh directory, for tests of TLS connections.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCerts {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
}

export function makeCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'spansift-certs-'));
  const f = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=spansift test CA', '-keyout', f('ca-key.pem'), '-out', f('ca.pem'));
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', f('server-key.pem'), '-out', f('server.csr'));
  writeFileSync(f('ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca-key.pem'), '-CAcreateserial', '-days', '1', '-extfile', f('ext.cnf'), '-out', f('server.pem'));
  return { dir, caFile: f('ca.pem'), certFile: f('server.pem'), keyFile: f('server-key.pem') };
}
