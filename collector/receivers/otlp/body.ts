/**
 * Reads an HTTP request body within a size limit and undoes its Content-Encoding.
 * The limit counts decompressed bytes; inflating stops as soon as it is passed, so a
 * small gzip bomb costs no more memory than the limit.
 */
import type { IncomingMessage } from 'node:http';
import { gunzip, inflate, brotliDecompress, constants as zc } from 'node:zlib';
import { promisify } from 'node:util';
import { SpansiftError } from '../../errors.js';

const gunzipP = promisify(gunzip);
const inflateP = promisify(inflate);
const brotliP = promisify(brotliDecompress);

export function tooLarge(limit: number): SpansiftError {
  return new SpansiftError('BODY_TOO_LARGE', `request body is larger than ${limit} bytes (receivers.otlp.http.max_request_body_size)`);
}

/** Reads the raw (possibly compressed) body; rejects as soon as it passes `limit` bytes. */
export function readRaw(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        req.pause();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    });
    req.on('error', (e) => {
      if (!failed) {
        failed = true;
        reject(new SpansiftError('BAD_REQUEST', `request body could not be read: ${e.message}`, { cause: e }));
      }
    });
    req.on('aborted', () => {
      if (!failed) {
        failed = true;
        reject(new SpansiftError('BAD_REQUEST', 'the client closed the request before the body ended'));
      }
    });
  });
}

/** Undoes Content-Encoding (gzip, deflate, br, identity) within `limit` decompressed bytes. */
export async function decodeContent(raw: Buffer, encoding: string | undefined, limit: number): Promise<Buffer> {
  const enc = (encoding ?? '').trim().toLowerCase();
  if (enc === '' || enc === 'identity') return raw;
  const opts = { maxOutputLength: limit + 1 };
  try {
    let out: Buffer;
    if (enc === 'gzip' || enc === 'x-gzip') out = await gunzipP(raw, opts);
    else if (enc === 'deflate') out = await inflateP(raw, opts);
    else if (enc === 'br') out = await brotliP(raw, { maxOutputLength: limit + 1, params: { [zc.BROTLI_PARAM_SIZE_HINT]: 0 } });
    else throw new SpansiftError('UNSUPPORTED_MEDIA_TYPE', `Content-Encoding "${enc}" is not supported (use gzip, deflate, br or none)`);
    if (out.length > limit) throw tooLarge(limit);
    return out;
  } catch (e) {
    if (e instanceof SpansiftError) throw e;
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) throw tooLarge(limit);
    throw new SpansiftError('BAD_REQUEST', `request body is not valid ${enc}: ${err.message}`, { cause: e });
  }
}
