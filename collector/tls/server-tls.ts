/**
 * TLS for a listener (an OTLP receiver, the UI endpoint): its certificate and key, and for
 * mutual TLS the CA that client certificates must chain to. When the files change, the new
 * certificate is used from the next handshake on: the servers keep listening and the
 * connections already open keep theirs. Files that cannot be used (half written, a key of
 * another certificate) are logged and the current certificate stays. A failed handshake is
 * counted, logged without a line each, and its connection dropped.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createServer as createHttpsServer } from 'node:https';
import type { IncomingMessage, Server as HttpServer, ServerOptions as HttpServerOptions, ServerResponse } from 'node:http';
import { createSecureContext, createServer as createTlsServer, type SecureContextOptions, type SecureVersion, type Server as TlsServer, type TlsOptions, type TLSSocket } from 'node:tls';
import type { Registry } from 'prom-client';
import type { ServerTlsConfig } from '../../config/tls.js';
import type { Logger } from '../log.js';
import { FileWatch } from './watch.js';
import { HandshakeLog } from './handshakes.js';
import { tlsMetrics, type TlsMetrics } from './metrics.js';

export interface ServerTlsOptions {
  /** The listener's name in metrics: otlp_http, otlp_grpc, ui. */
  listener: string;
  /** The config key of the section (`receivers.otlp.http.tls`), for messages. */
  key: string;
  log?: Logger;
  registry?: Registry;
  /** Longest a handshake may take before its connection is dropped. */
  handshakeTimeoutMs?: number;
}

interface Material {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

/** Certificate files that cannot be used; its message names the key and the file. */
export class TlsFilesError extends Error {
  readonly code = 'TLS_FILES';
  constructor(message: string) {
    super(message);
    this.name = 'TlsFilesError';
  }
}

const VERSION: Record<ServerTlsConfig['min_version'], SecureVersion> = { '1.2': 'TLSv1.2', '1.3': 'TLSv1.3' };

export class ServerTls {
  private material: Material;
  /** Changed files that could not be used: not tried (nor logged) again until they change once more. */
  private rejected: Material | undefined;
  private lastReadError = '';
  private readonly servers = new Set<TlsServer>();
  private watch: FileWatch | undefined;
  private readonly handshakes: HandshakeLog;
  private readonly metrics: TlsMetrics | undefined;

  constructor(
    private readonly config: ServerTlsConfig,
    private readonly o: ServerTlsOptions,
  ) {
    this.metrics = o.registry ? tlsMetrics(o.registry) : undefined;
    this.material = this.read();
    this.check(this.material);
    this.handshakes = new HandshakeLog(o.key, o.listener, o.log, this.metrics);
    this.inUse(this.material);
  }

  /** Whether clients must present a certificate (client_ca_file is set). */
  get mutual(): boolean {
    return this.config.client_ca_file !== undefined;
  }

  /** Options for a TLS, HTTPS or HTTP/2 server. */
  options(): TlsOptions {
    return {
      ...this.context(this.material),
      requestCert: this.mutual,
      rejectUnauthorized: this.mutual,
      handshakeTimeout: this.o.handshakeTimeoutMs ?? 10_000,
    };
  }

  /** An HTTPS server with these options, watched for reloads and handshake failures. */
  httpServer(options: HttpServerOptions, handler: (req: IncomingMessage, res: ServerResponse) => void): HttpServer {
    const server = createHttpsServer({ ...options, ...this.options() }, handler);
    this.attach(server);
    return server as unknown as HttpServer;
  }

  /** A TLS server that hands each connection to `onSecure` once its handshake is done. */
  tlsServer(onSecure: (socket: TLSSocket) => void, alpn?: string[]): TlsServer {
    const server = createTlsServer({ ...this.options(), ALPNProtocols: alpn }, onSecure);
    this.attach(server);
    return server;
  }

  /** Watches a server made elsewhere with `options()`: reloads reach it, failed handshakes are counted. */
  attach(server: TlsServer): void {
    this.servers.add(server);
    server.on('tlsClientError', (err: Error, socket: TLSSocket) => this.handshakes.failed(err, socket));
    server.once('close', () => this.servers.delete(server));
    this.watch ??= new FileWatch(this.files(), () => this.reload(), {
      onWatchError: (dir, err) => this.o.log?.warn({ tls: this.o.key, dir, err: err.message }, 'cannot watch the certificate directory; its files are read again once a minute instead'),
    });
  }

  /**
   * Reads the files again; when they changed and can be used, new handshakes use them.
   * Returns whether the certificate was replaced.
   */
  reload(): boolean {
    let next: Material;
    try {
      next = this.read();
    } catch (e) {
      const message = (e as Error).message;
      if (message !== this.lastReadError) this.o.log?.warn({ tls: this.o.key, err: message }, 'cannot read the certificate files; the current certificate stays');
      this.lastReadError = message;
      return false;
    }
    this.lastReadError = '';
    if (same(next, this.material) || (this.rejected && same(next, this.rejected))) return false;
    try {
      this.check(next);
      const context = this.context(next);
      for (const s of this.servers) s.setSecureContext(context);
    } catch (e) {
      this.rejected = next;
      this.metrics?.reloads.inc({ listener: this.o.listener, outcome: 'failure' });
      this.o.log?.warn({ tls: this.o.key, err: (e as Error).message }, 'the certificate files changed but cannot be used; the current certificate stays');
      return false;
    }
    this.material = next;
    this.rejected = undefined;
    this.metrics?.reloads.inc({ listener: this.o.listener, outcome: 'success' });
    this.inUse(next, 'reloaded');
    return true;
  }

  close(): void {
    this.watch?.close();
    this.watch = undefined;
    this.handshakes.close();
  }

  private files(): string[] {
    return [this.config.cert_file, this.config.key_file, ...(this.config.client_ca_file ? [this.config.client_ca_file] : [])];
  }

  private context(m: Material): SecureContextOptions {
    return { cert: m.cert, key: m.key, ca: m.ca, minVersion: VERSION[this.config.min_version] };
  }

  private read(): Material {
    const one = (file: string, name: string) => {
      try {
        return readFileSync(resolve(file));
      } catch (e) {
        throw new TlsFilesError(`${this.o.key}.${name}: cannot read ${file}: ${(e as Error).message}`);
      }
    };
    const c = this.config;
    return { cert: one(c.cert_file, 'cert_file'), key: one(c.key_file, 'key_file'), ca: c.client_ca_file ? one(c.client_ca_file, 'client_ca_file') : undefined };
  }

  /** Throws TlsFilesError unless the key is the certificate's and OpenSSL takes them all. */
  private check(m: Material): void {
    const c = this.config;
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(m.cert);
    } catch (e) {
      throw new TlsFilesError(`${this.o.key}.cert_file: ${c.cert_file} holds no usable PEM certificate: ${(e as Error).message}`);
    }
    try {
      if (!cert.checkPrivateKey(createPrivateKey(m.key))) throw new Error(`the key in ${c.key_file} does not belong to the certificate in ${c.cert_file}`);
      createSecureContext(this.context(m));
    } catch (e) {
      throw new TlsFilesError(`${this.o.key}: ${(e as Error).message}`);
    }
  }

  private inUse(m: Material, event?: 'reloaded'): void {
    const cert = new X509Certificate(m.cert);
    const notAfter = new Date(cert.validTo);
    this.metrics?.notAfter.set({ listener: this.o.listener }, Math.floor(notAfter.getTime() / 1000));
    const fields = { tls: this.o.key, subject: cert.subject.replaceAll('\n', ', '), not_after: notAfter.toISOString(), fingerprint256: cert.fingerprint256, mutual: this.mutual };
    if (notAfter.getTime() < Date.now()) this.o.log?.warn(fields, 'the certificate has expired: clients will refuse it; replace the files (they are read again when they change)');
    else if (event) this.o.log?.info(fields, 'TLS certificate reloaded; new connections use it');
  }
}

function same(a: Material, b: Material): boolean {
  return a.cert.equals(b.cert) && a.key.equals(b.key) && (a.ca === undefined ? b.ca === undefined : b.ca !== undefined && a.ca.equals(b.ca));
}
