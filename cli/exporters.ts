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

export async function openForwarder(config: Config, registry: Registry, log: Logger): Promise<Forwarder | undefined> {
  const entries = Object.entries(config.exporters);
  if (entries.length === 0) return undefined;
  const targets: ForwardTarget[] = [];
  const metrics = registerExporterMetrics(registry, () => targets.map((t) => ({ exporter: t.exporter.id, size: t.exporter.queueSize, capacity: t.exporter.queueCapacity })));
  try {
    for (const [id, c] of entries) {
      if (c.redaction) log.warn({ exporter: id }, `exporters.${id}.redaction is not applied: the forwarded copy is the span as stored`);
      const exporter = await Exporter.open({ id, config: c, dir: exporterDir(config.data_dir, id), metrics, log });
      targets.push({ exporter, select: c.when ? compileCondition(c.when).match : undefined });
    }
  } catch (e) {
    await Promise.all(targets.map((t) => t.exporter.stop()));
    throw e;
  }
  for (const t of targets) t.exporter.start();
  log.info({ exporters: entries.map(([id, c]) => ({ id, signals: c.signals, when: c.when })) }, 'forwarding');
  // A request's own bytes are forwarded only while nothing changes spans between decoding
  // and storage; with redaction, the spans as stored are encoded again.
  return new Forwarder(targets, { verbatim: !config.processors.redaction });
}
