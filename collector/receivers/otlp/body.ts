/**
 * Reads an HTTP request body within a size limit and undoes its Content-Encoding.
 * The limit counts decompressed bytes; inflating stops as soon as it is passed, so a
 * small gzip bomb costs no more memory than the limit. Bytes count against the in-flight
 * limit as they arrive, never as declared: a client that declares 20 MiB and sends one byte
 * holds one byte.
 */
import type { IncomingMessage } from 'node:http';
import { gunzip, inflate, brotliDecompress } from 'node:zlib';
import { promisify } from 'node:util';
import { SpansiftError } from '../../errors.js';
import type { Admission } from '../../admission.js';

const gunzipP = promisify(gunzip);
const inflateP = promisify(inflate);
const brotliP = promisify(brotliDecompress);

export function tooLarge(limit: number): SpansiftError {
  return new SpansiftError('BODY_TOO_LARGE', `request body is larger than ${limit} bytes (receivers.otlp.http.max_request_body_size)`);
}

/** The bytes a request holds in the admission; the caller releases them when it is answered. */
export interface Held {
  bytes: number;
}

/**
 * Past this many bytes received, a body whose Content-Length is declared is copied into one
 * buffer of that size as it arrives, instead of joined at its end: joining 18 MiB into fresh
 * memory held the event loop for 70 to 136 ms here, nearly all of it the kernel mapping the
 * new pages, which arriving chunks now pay a few at a time. Below it, the join is cheap, and
 * a client must send this much before its declared size is set aside (as address space;
 * pages are taken as bytes arrive). What all bodies being read set aside at once is bounded
 * by RESERVE_MAX; past it, and if the buffer cannot be had, bodies are joined at their end.
 */
const COPY_AS_ARRIVING = 1024 * 1024;
const RESERVE_MAX = 256 * 1024 * 1024;
/** Declared bytes set aside by bodies being copied as they arrive, in this process. */
let reserved = 0;

/**
 * Reads the raw (possibly compressed) body, taking each chunk's bytes from `admission` into
 * `held`; rejects as soon as it passes `limit` bytes or does not fit in flight.
 */
export function readRaw(req: IncomingMessage, limit: number, admission: Admission, held: Held): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  let copyTo = Number.isSafeInteger(declared) && declared > COPY_AS_ARRIVING && declared <= limit ? declared : 0;
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let whole: Buffer | undefined;
    let reserving = 0;
    let size = 0;
    let failed = false;
    const unreserve = () => {
      reserved -= reserving;
      reserving = 0;
    };
    const fail = (e: unknown) => {
      failed = true;
      chunks = [];
      whole = undefined;
      unreserve();
      reject(e);
    };
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      try {
        if (size > limit) throw tooLarge(limit);
        admission.takeBytes(chunk.length, held.bytes);
      } catch (e) {
        req.pause();
        fail(e);
        return;
      }
      held.bytes += chunk.length;
      if (whole) {
        if (size <= whole.length) {
          chunk.copy(whole, size - chunk.length);
          return;
        }
        // Node's parser ends a body at its Content-Length, so this is never reached; if it were, the join takes over.
        chunks = [whole.subarray(0, size - chunk.length)];
        whole = undefined;
        copyTo = 0;
      }
      chunks.push(chunk);
      if (copyTo && size >= COPY_AS_ARRIVING && size <= copyTo) {
        const target = reserved + copyTo <= RESERVE_MAX ? allocate(copyTo) : undefined;
        copyTo = 0;
        if (!target) return;
        whole = target;
        reserving = whole.length;
        reserved += reserving;
        let at = 0;
        for (const c of chunks) at += c.copy(whole, at);
        chunks = [];
      }
    });
    req.on('end', () => {
      if (failed) return;
      unreserve();
      if (whole) resolve(whole.subarray(0, size));
      else resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    });
    req.on('close', unreserve);
    req.on('error', (e) => {
      if (!failed) fail(new SpansiftError('BAD_REQUEST', `request body could not be read: ${e.message}`, { cause: e }));
    });
    req.on('aborted', () => {
      if (!failed) fail(new SpansiftError('BAD_REQUEST', 'the client closed the request before the body ended'));
    });
  });
}

/** A buffer of `n` bytes, or undefined when the process cannot have one now. */
function allocate(n: number): Buffer | undefined {
  try {
    return Buffer.allocUnsafe(n);
  } catch {
    return undefined;
  }
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
    // BROTLI_PARAM_* are encoder parameters: a decoder given one fails to initialise.
    else if (enc === 'br') out = await brotliP(raw, opts);
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
