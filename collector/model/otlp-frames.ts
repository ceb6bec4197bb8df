/**
 * The framing of OTLP export requests in protobuf, read without decoding their content:
 * how many items (spans, log records, metric data points) a request holds, and its
 * top-level records (ResourceSpans, ResourceLogs, ResourceMetrics) as slices of the bytes.
 *
 * Every Export*ServiceRequest is a list of field-1 records, so requests join by concatenation
 * and split between records; that is how forwarding batches and splits them untouched.
 */
import protobuf from 'protobufjs';

export type Signal = 'traces' | 'logs' | 'metrics';

/** Field numbers from a request down to its items, one set per level; the last level is counted. */
const ITEM_PATHS: Record<Signal, number[][]> = {
  // ExportTraceServiceRequest.resource_spans > ResourceSpans.scope_spans > ScopeSpans.spans
  traces: [[1], [2], [2]],
  // ExportLogsServiceRequest.resource_logs > ResourceLogs.scope_logs > ScopeLogs.log_records
  logs: [[1], [2], [2]],
  // ... > ResourceMetrics.scope_metrics > ScopeMetrics.metrics > Metric.{gauge,sum,histogram,
  // exponential_histogram,summary} > *.data_points
  metrics: [[1], [2], [2], [5, 7, 9, 10, 11], [1]],
};

export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

/** Items in a request; throws FrameError when its framing is broken along the way. */
export function countItems(signal: Signal, body: Uint8Array): number {
  return countAt(body, 0, body.length, ITEM_PATHS[signal], 0);
}

function countAt(buf: Uint8Array, start: number, end: number, path: number[][], level: number): number {
  const fields = path[level];
  const last = level === path.length - 1;
  let n = 0;
  walk(buf, start, end, (field, from, to) => {
    if (!fields.includes(field)) return;
    n += last ? 1 : countAt(buf, from, to, path, level + 1);
  });
  return n;
}

/** The top-level records of a request (each a complete request of its own), in order. */
export function topLevelRecords(body: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  walk(body, 0, body.length, (_field, _from, to) => {
    out.push(body.subarray(at, to));
    at = to;
  });
  if (at < body.length) out.push(body.subarray(at));
  return out;
}

/**
 * Calls `each` with every length-delimited field between start and end (its number and the
 * bounds of its content); skips other wire types. Throws FrameError on broken framing.
 */
function walk(buf: Uint8Array, start: number, end: number, each: (field: number, from: number, to: number) => void): void {
  const r = protobuf.Reader.create(buf);
  r.pos = start;
  r.len = end;
  try {
    while (r.pos < end) {
      const tag = r.uint32();
      const field = tag >>> 3;
      if (field === 0) throw new FrameError('field number 0');
      if ((tag & 7) !== 2) {
        r.skipType(tag & 7);
        continue;
      }
      const length = r.uint32();
      const from = r.pos;
      if (from + length > end) throw new FrameError(`a field of ${length} bytes runs past the end of its message`);
      r.pos = from + length;
      each(field, from, r.pos);
    }
  } catch (e) {
    if (e instanceof FrameError) throw e;
    throw new FrameError((e as Error).message);
  }
}
