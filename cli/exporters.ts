/**
 * Builds the configured exporters: each one's queue under data_dir, its sender, its `when`
 * compiled by the rules' condition language, and the exporters' metrics. No exporter
 * configured: no forwarder, and nothing changes on the ingest path.
 */
import type { Registry } from 'prom-client';
import type { Config } from '../config/schema.js';
import type { Logger } from '../collector/log.js';
import { Exporter, exporterDir } from '../collector/exporters/exporter.js';
import { Forwarder, type ForwardTarget } from '../collector/exporters/forwarder.js';
import { registerExporterMetrics } from '../collector/exporters/metrics.js';
import { compileCondition } from '../processors/condition/index.js';
import { Redactor } from '../processors/redaction/redactor.js';
import type { Span } from '../collector/model/span.js';

/**
 * An exporter's own `redaction`, applied to a copy of the spans it forwards (structuredClone
 * keeps spans that share a resource or scope sharing their copy, so each is redacted once).
 */
function redactedCopy(redactor: Redactor): (spans: readonly Span[]) => Span[] {
  return (spans) => {
    const copies = structuredClone(spans) as Span[];
    redactor.spans(copies);
    return copies;
  };
}

export async function openForwarder(config: Config, registry: Registry, log: Logger): Promise<Forwarder | undefined> {
  const entries = Object.entries(config.exporters);
  if (entries.length === 0) return undefined;
  const targets: ForwardTarget[] = [];
  const metrics = registerExporterMetrics(registry, () => targets.map((t) => ({ exporter: t.exporter.id, size: t.exporter.queueSize, capacity: t.exporter.queueCapacity })));
  try {
    for (const [id, c] of entries) {
      const exporter = await Exporter.open({ id, config: c, dir: exporterDir(config.data_dir, id), metrics, log });
      const redactor = Redactor.compile(c.redaction);
      targets.push({ exporter, select: c.when ? compileCondition(c.when).match : undefined, transform: redactor && redactedCopy(redactor) });
    }
  } catch (e) {
    await Promise.all(targets.map((t) => t.exporter.stop()));
    throw e;
  }
  for (const t of targets) t.exporter.start();
  log.info({ exporters: entries.map(([id, c]) => ({ id, signals: c.signals, when: c.when })) }, 'forwarding');
  // A request's own bytes are forwarded while nothing changed its spans between decoding and
  // storage (the pipeline passes none when processors.redaction changed them).
  return new Forwarder(targets, { verbatim: true });
}
