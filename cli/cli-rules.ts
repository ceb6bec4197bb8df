/**
 * `spansift rules test` and `spansift backfill`: the commands ops use to try rules
 * before deploying them and to route spans that arrived before a rule existed.
 */
import { readFileSync } from 'node:fs';
import type { Config } from '../config/schema.js';
import { decodeJson, decodeProtobuf } from '../collector/receivers/otlp/decode.js';
import { RuleEngine } from '../processors/rules/engine.js';
import { sampledIn } from '../processors/rules/sample.js';
import { postToUi, uiBase, type UiAnswer } from './ui-client.js';
import { readAdminToken } from '../ui-lite/auth/admin-token.js';

/** A problem the command reports in one line (no stack trace) before exiting with 1. */
export class CliError extends Error {}

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Prints which rules match which spans of an OTLP file (JSON, or protobuf when it ends in .pb/.bin). */
export function rulesTest(config: Config, inputFile: string, out: (s: string) => void): number {
  let buf: Buffer;
  try {
    buf = readFileSync(inputFile);
  } catch (e) {
    throw new CliError(`cannot read --input ${inputFile}: ${reason(e)}`);
  }
  const protobuf = /\.(pb|bin|protobuf)$/.test(inputFile);
  let decoded;
  try {
    decoded = protobuf ? decodeProtobuf(buf) : decodeJson(buf);
  } catch (e) {
    throw new CliError(`${inputFile} is not an OTLP trace export in ${protobuf ? 'protobuf' : 'JSON'} (the ExportTraceServiceRequest an exporter sends): ${reason(e)}`);
  }
  const engine = new RuleEngine(config.rules);
  let matchedSpans = 0;
  for (const span of decoded.spans) {
    const rules = engine.matching(span);
    out(`${span.resource.serviceName || '(no service)'} "${span.name}" trace=${span.traceId} span=${span.spanId}`);
    if (rules.length === 0) out('  no rule matches');
    else matchedSpans++;
    for (const r of rules) {
      const sampled = sampledIn(span.traceId, r.spec.sample);
      const note = r.spec.sample < 1 ? (sampled ? `, sampled in at ${r.spec.sample}` : `, sampled OUT at ${r.spec.sample}`) : '';
      out(`  ${r.name} -> ${r.spec.route_to.join(', ')}${note}`);
    }
  }
  if (decoded.rejected) out(`${decoded.rejected} span(s) rejected as invalid: ${decoded.rejectReason}`);
  const disabled = config.rules.filter((r) => !r.enabled).map((r) => r.name);
  if (disabled.length) out(`disabled rules (not tried): ${disabled.join(', ')}`);
  out(`${decoded.spans.length} span(s), ${matchedSpans} matched at least one rule`);
  return 0;
}

/** Asks the running spansift (at ui.endpoint) to backfill a rule. */
export async function backfillCommand(
  config: Config,
  opts: { rule: string; since: string; until?: string; dryRun: boolean },
  out: (s: string) => void,
): Promise<number> {
  let token: string;
  try {
    token = readAdminToken(config.ui.admin_token, config.data_dir);
  } catch (e) {
    throw new CliError(reason(e));
  }
  const { url } = uiBase(config);
  let res: UiAnswer;
  try {
    res = await postToUi(config, `/api/v1/rules/${encodeURIComponent(opts.rule)}/backfill`, token, { since: opts.since, until: opts.until, dry_run: opts.dryRun });
  } catch (e) {
    const cause = (e as { cause?: unknown }).cause;
    throw new CliError(`cannot reach spansift at ${url} (ui.endpoint): ${reason(cause ?? e)}; backfill asks the running spansift, is it started with this config?`);
  }
  const body = (await res.json()) as { matched?: number; enqueued?: number; would_enqueue?: number; error?: { message: string } };
  if (!res.ok) {
    out(`backfill failed: ${body.error?.message ?? res.status}`);
    return 1;
  }
  out(opts.dryRun ? `dry run: ${body.matched} span(s) match rule "${opts.rule}"; ${body.would_enqueue} new item(s) would be enqueued` : `rule "${opts.rule}": ${body.matched} span(s) matched, ${body.enqueued} new item(s) enqueued (items that already existed are kept as they are)`);
  return 0;
}
