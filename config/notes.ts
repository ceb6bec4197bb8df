/**
 * Notes on a valid config: keys read under another name. The collector's
 * `receivers.otlp.protocols.{http,grpc}` is spansift's `receivers.otlp.{http,grpc}`.
 */
export interface ConfigNote {
  path: string[];
  message: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

export function configNotes(raw: unknown): ConfigNote[] {
  const otlp = isObj(raw) && isObj(raw.receivers) && isObj(raw.receivers.otlp) ? raw.receivers.otlp : undefined;
  if (!otlp || !isObj(otlp.protocols)) return [];
  return (['http', 'grpc'] as const)
    .filter((p) => isObj(otlp.protocols) && p in otlp.protocols)
    .map((p) => ({
      path: ['receivers', 'otlp', 'protocols', p],
      message: `read as receivers.otlp.${p}: the collector's receivers.otlp.protocols.${p}, spelled the spansift way without "protocols"`,
    }));
}
