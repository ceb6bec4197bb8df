import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';

/**
 * TLS settings in the shape of the OpenTelemetry Collector's configtls: `tls` on a listener
 * (the OTLP receivers, the UI endpoint) and on the ClickHouse server connection. The files
 * are read when the config is checked, so a missing or wrong file is a config error naming
 * its key and the file rather than a failure at the first handshake. Relative paths are
 * resolved against the working directory, as the collector does.
 */

type Ctx = z.core.$RefinementCtx<unknown>;

/** A file's text, or undefined after adding an issue at `key` that names the file and why. */
export function readPem(file: string, key: string, ctx: Ctx): string | undefined {
  const abs = resolve(file);
  try {
    return readFileSync(abs, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.code === 'EISDIR' ? 'it is a directory' : err.message;
    ctx.addIssue({ code: 'custom', path: [key], message: `cannot read ${describeFile(file, abs)}: ${why}` });
    return undefined;
  }
}

function describeFile(file: string, abs: string): string {
  return file === abs ? file : `${file} (${abs})`;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates of a PEM file, first one first; an issue at `key` when there are none or one does not parse. */
export function parseCertificates(pem: string, file: string, key: string, ctx: Ctx): X509Certificate[] | undefined {
  const blocks = pem.match(PEM_CERT) ?? [];
  if (blocks.length === 0) {
    ctx.addIssue({ code: 'custom', path: [key], message: `${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` });
    return undefined;
  }
  try {
    return blocks.map((b) => new X509Certificate(b));
  } catch (e) {
    ctx.addIssue({ code: 'custom', path: [key], message: `${file} holds a certificate that does not parse: ${(e as Error).message}` });
    return undefined;
  }
}

/** The private key of a PEM file; an issue at `key` when there is none (an encrypted key counts as none: spansift takes no passphrase). */
export function parsePrivateKey(pem: string, file: string, key: string, ctx: Ctx): KeyObject | undefined {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem)) {
    ctx.addIssue({ code: 'custom', path: [key], message: `${file} holds an encrypted private key; spansift takes no passphrase, so give it the key unencrypted (openssl pkey -in ${file} -out key.pem)` });
    return undefined;
  }
  try {
    return createPrivateKey(pem);
  } catch (e) {
    ctx.addIssue({ code: 'custom', path: [key], message: `${file} holds no PEM private key: ${(e as Error).message}` });
    return undefined;
  }
}

/** Checks a certificate file and its key file together: both readable, and the key is the certificate's. */
function checkPair(certFile: string, keyFile: string, ctx: Ctx, keys = { cert: 'cert_file', key: 'key_file' }): void {
  const certPem = readPem(certFile, keys.cert, ctx);
  const keyPem = readPem(keyFile, keys.key, ctx);
  const certs = certPem === undefined ? undefined : parseCertificates(certPem, certFile, keys.cert, ctx);
  const key = keyPem === undefined ? undefined : parsePrivateKey(keyPem, keyFile, keys.key, ctx);
  if (certs && key && !certs[0].checkPrivateKey(key)) {
    ctx.addIssue({ code: 'custom', path: [keys.key], message: `the key in ${keyFile} does not belong to the certificate in ${certFile} (the first certificate of cert_file must be the one the key signs for)` });
  }
}

function checkCaFile(file: string, key: string, ctx: Ctx): void {
  const pem = readPem(file, key, ctx);
  if (pem !== undefined) parseCertificates(pem, file, key, ctx);
}

/** Run the file checks also when another key of the section is wrong, so every problem is listed at once. */
const always = { when: (p: { value: unknown }) => typeof p.value === 'object' && p.value !== null };

const minVersion = z
  .union([z.string(), z.number()])
  .transform((v, ctx): '1.2' | '1.3' => {
    const s = String(v);
    if (s === '1.2' || s === '1.3') return s;
    ctx.addIssue({ code: 'custom', message: s === '1.0' || s === '1.1' || s === '1' ? `TLS ${s} is not offered (it is deprecated); use "1.2" or "1.3"` : `"${s}" is not a TLS version; use "1.2" or "1.3"` });
    return z.NEVER;
  });

/** `tls` on a listener: its certificate and key, and for mutual TLS the CA that signs client certificates. */
export const serverTlsSchema = z
  .strictObject({
    /** The server's certificate in PEM, followed by any intermediate certificates. */
    cert_file: z.string().min(1),
    /** The certificate's private key in PEM, unencrypted. */
    key_file: z.string().min(1),
    /** CA certificates (PEM) that client certificates must chain to; set, a client without one is refused (mutual TLS). */
    client_ca_file: z.string().min(1).optional(),
    /** Oldest TLS version accepted. */
    min_version: minVersion.default('1.2'),
  })
  .superRefine((v, ctx) => {
    if (typeof v.cert_file !== 'string' || typeof v.key_file !== 'string' || !v.cert_file || !v.key_file) return;
    checkPair(v.cert_file, v.key_file, ctx);
    if (typeof v.client_ca_file === 'string' && v.client_ca_file) checkCaFile(v.client_ca_file, 'client_ca_file', ctx);
  }, always);

export type ServerTlsConfig = z.output<typeof serverTlsSchema>;

/**
 * `storage.clickhouse.tls`: what @clickhouse/client takes for an https:// server. `ca_file`
 * is trusted instead of the system's CAs; `cert_file` and `key_file` together present a
 * client certificate (mutual TLS).
 */
export const clientTlsSchema = z
  .strictObject({
    /** CA certificates (PEM) the server's certificate must chain to; unset: Node's bundled CAs. */
    ca_file: z.string().min(1).optional(),
    /** Client certificate (PEM) for mutual TLS; needs key_file. */
    cert_file: z.string().min(1).optional(),
    /** The client certificate's private key (PEM, unencrypted); needs cert_file. */
    key_file: z.string().min(1).optional(),
  })
  .superRefine((v, ctx) => {
    const str = (x: unknown): x is string => typeof x === 'string' && x.length > 0;
    if (str(v.ca_file)) checkCaFile(v.ca_file, 'ca_file', ctx);
    if (str(v.cert_file) && str(v.key_file)) checkPair(v.cert_file, v.key_file, ctx);
    else if (str(v.cert_file)) ctx.addIssue({ code: 'custom', path: ['key_file'], message: 'cert_file needs key_file (the client certificate\'s private key)' });
    else if (str(v.key_file)) ctx.addIssue({ code: 'custom', path: ['cert_file'], message: 'key_file needs cert_file (the client certificate)' });
    else if (!str(v.ca_file)) ctx.addIssue({ code: 'custom', message: 'set ca_file, or cert_file and key_file, or remove tls (an https:// url alone trusts the system\'s CAs)' });
  }, always);

export type ClientTlsConfig = z.output<typeof clientTlsSchema>;
