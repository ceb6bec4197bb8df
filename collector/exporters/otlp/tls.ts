/**
 * An exporter's `tls` files, read when it starts. A file that cannot be read stops the start
 * with the key that names it.
 */
import { readFileSync } from 'node:fs';
import type { ExporterConfig } from '../../../config/exporters.js';

export interface TlsFiles {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

export class ExporterSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExporterSetupError';
  }
}

export function readTlsFiles(id: string, tls: ExporterConfig['tls']): TlsFiles {
  const read = (key: 'ca_file' | 'cert_file' | 'key_file'): Buffer | undefined => {
    const file = tls[key];
    if (file === undefined) return undefined;
    try {
      return readFileSync(file);
    } catch (e) {
      throw new ExporterSetupError(`exporters.${id}.tls.${key}: cannot read ${file}: ${(e as Error).message}`);
    }
  };
  return { ca: read('ca_file'), cert: read('cert_file'), key: read('key_file') };
}
