/**
 * The exporters' checks that depend on an exporter's type or on several keys: the form of
 * the endpoint, keys of one type only, and what applies to spans only.
 */
import type { PathProblem } from './cross-check.js';
import { EXPORTER_ID, exporterType } from './exporters.js';

type Raw = Record<string, unknown>;
const isObj = (v: unknown): v is Raw => !!v && typeof v === 'object' && !Array.isArray(v);

const SIGNAL_ENDPOINTS = { traces: 'traces_endpoint', logs: 'logs_endpoint', metrics: 'metrics_endpoint' } as const;

/** `host:port`, optionally after http:// or https:// (gRPC targets). */
const GRPC_ENDPOINT = /^(https?:\/\/)?(\[[0-9a-fA-F:.]+\]|[^:/\s]+):\d{1,5}\/?$/;

export function checkExporters(raw: Raw): PathProblem[] {
  const out: PathProblem[] = [];
  if (!isObj(raw.exporters)) return out;
  for (const [id, e] of Object.entries(raw.exporters)) {
    if (!EXPORTER_ID.test(id) || !isObj(e)) continue;
    const at = (...path: string[]) => ['exporters', id, ...path];
    const signals = Array.isArray(e.signals) ? e.signals.filter((s): s is string => typeof s === 'string') : ['traces'];
    if (exporterType(id) === 'otlp') {
      for (const key of Object.values(SIGNAL_ENDPOINTS)) {
        if (key in e) out.push({ path: at(key), message: `${key} is a key of otlphttp; otlp (gRPC) sends every signal to endpoint` });
      }
      if (e.endpoint === undefined) out.push({ path: at(), message: 'endpoint is required (host:port of an OTLP/gRPC receiver, e.g. collector:4317)' });
      else if (typeof e.endpoint === 'string' && !GRPC_ENDPOINT.test(e.endpoint)) {
        out.push({ path: at('endpoint'), message: `expected host:port (or https://host:port), e.g. collector:4317; got "${e.endpoint}"` });
      }
    } else {
      if (typeof e.endpoint === 'string' && !/^https?:\/\/[^\s/]+/i.test(e.endpoint)) {
        out.push({ path: at('endpoint'), message: `expected an http:// or https:// URL, e.g. https://collector:4318; got "${e.endpoint}"` });
      }
      if (e.endpoint === undefined) {
        const missing = signals.filter((s) => s in SIGNAL_ENDPOINTS && !(SIGNAL_ENDPOINTS[s as keyof typeof SIGNAL_ENDPOINTS] in e));
        if (missing.length) out.push({ path: at(), message: `endpoint is required (the receiver's base URL, e.g. https://collector:4318), unless ${missing.map((s) => SIGNAL_ENDPOINTS[s as keyof typeof SIGNAL_ENDPOINTS]).join(' and ')} ${missing.length > 1 ? 'are' : 'is'} given` });
      }
      for (const [signal, key] of Object.entries(SIGNAL_ENDPOINTS)) {
        if (key in e && typeof e[key] === 'string' && !/^https?:/i.test(e[key] as string)) out.push({ path: at(key), message: 'expected an http:// or https:// URL' });
        else if (key in e && !signals.includes(signal)) out.push({ path: at(key), message: `this exporter does not forward ${signal} (signals: ${signals.join(', ')})` });
      }
    }
    if (!signals.includes('traces')) {
      for (const key of ['when', 'redaction']) {
        if (key in e) out.push({ path: at(key), message: `${key} applies to spans, and this exporter does not forward traces (signals: ${signals.join(', ')})` });
      }
    }
    if (new Set(signals).size !== signals.length) out.push({ path: at('signals'), message: 'a signal is listed twice' });
    const tls = isObj(e.tls) ? e.tls : {};
    if (('cert_file' in tls) !== ('key_file' in tls)) out.push({ path: at('tls', 'cert_file' in tls ? 'key_file' : 'cert_file'), message: 'cert_file and key_file go together (a client certificate and its key)' });
  }
  return out;
}
