/**
 * Certificates made for a test with the openssl command line (Debian's `openssl`, which
 * `.ci/run` installs when missing): a CA, and server or client certificates it signs, as
 * PEM files in a temporary directory. EC P-256 keys, so making one takes milliseconds.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes, X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Issued {
  certFile: string;
  keyFile: string;
  cert: Buffer;
  key: Buffer;
  /** SHA-256 fingerprint as Node's getPeerCertificate() gives it (AA:BB:...). */
  fingerprint256: string;
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`openssl ${args[0]} failed (the TLS tests need the openssl command: apt-get install openssl): ${(e as Error).message}\n${stderr}`);
  }
}

function issued(certFile: string, keyFile: string): Issued {
  const cert = readFileSync(certFile);
  return { certFile, keyFile, cert, key: readFileSync(keyFile), fingerprint256: new X509Certificate(cert).fingerprint256 };
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export class TestPki {
  readonly dir: string;
  readonly ca: Issued;

  constructor(name = 'spansift-test-ca', dir = mkdtempSync(join(tmpdir(), 'spansift-pki-'))) {
    this.dir = dir;
    const base = `ca-${randomBytes(3).toString('hex')}`;
    openssl(
      ['req', '-x509', ...EC, '-keyout', `${base}.key`, '-out', `${base}.crt`, '-days', '2', '-subj', `/CN=${name}`,
        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
      dir,
    );
    this.ca = issued(join(dir, `${base}.crt`), join(dir, `${base}.key`));
  }

  /**
   * A certificate signed by this CA: for a server (SAN 127.0.0.1 and localhost) or for a
   * client. Written to `<name>.crt` and `<name>.key` unless `files` says where.
   */
  issue(name: string, o: { client?: boolean; files?: { cert: string; key: string } } = {}): Issued {
    const tag = `${name}-${randomBytes(3).toString('hex')}`;
    const ext = join(this.dir, `${tag}.ext`);
    writeFileSync(ext, o.client ? 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n' : 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n');
    openssl(['req', '-new', ...EC, '-keyout', `${tag}.key`, '-out', `${tag}.csr`, '-subj', `/CN=${name}`], this.dir);
    openssl(['x509', '-req', '-in', `${tag}.csr`, '-CA', this.ca.certFile, '-CAkey', this.ca.keyFile, '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', '2', '-extfile', ext, '-out', `${tag}.crt`], this.dir);
    const made = issued(join(this.dir, `${tag}.crt`), join(this.dir, `${tag}.key`));
    if (!o.files) return made;
    writeFileSync(o.files.cert, made.cert);
    writeFileSync(o.files.key, made.key);
    return issued(o.files.cert, o.files.key);
  }
}

export interface TestCerts {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** A fresh CA and a server certificate it signs for 127.0.0.1 and localhost, as file paths. */
export function makeCerts(): TestCerts {
  const pki = new TestPki();
  const server = pki.issue('server');
  return { dir: pki.dir, caFile: pki.ca.certFile, certFile: server.certFile, keyFile: server.keyFile };
}
