#!/usr/bin/env node
/**
 * The `spansift` command: start, validate, rules test, backfill, users, help. The only
 * place that exits the process.
 */
import { parseArgs } from 'node:util';
import { ConfigError, formatProblem, loadConfigFile, notesOf } from '../config/load.js';
import { CONFIG_CHECKS, configFileFor, loadConfig } from './config.js';
import { checkStrictOttl } from '../processors/rules/strict-ottl.js';
import { createLogger } from '../collector/log.js';

const HELP = `spansift: an OpenTelemetry collector sidecar that stores LLM traces in ClickHouse
and routes chosen spans into human labeling queues.

Usage:
  spansift start [--config FILE]       run the collector, storage and the UI endpoint
  spansift validate [--config FILE] [--strict-ottl]
                                       check a config file; lists every problem, exit 1 if any;
                                       --strict-ottl also warns where a rule's condition uses
                                       spansift's additions to OTTL (5s, duration, HasEvent...)
  spansift rules test --input FILE [--config FILE]
                                       print which rules match which spans of an OTLP file
                                       (OTLP JSON; protobuf if FILE ends in .pb)
  spansift backfill --rule NAME --since 24h [--until T] [--dry-run] [--config FILE]
                                       route stored spans through a rule, via the running
                                       spansift's API (the dry run only counts)
  spansift users hash                  print the hash of a password read from stdin, for
                                       users.<name>.password_hash
  spansift users token                 print a new API token and its digest, for
                                       users.<name>.api_tokens
  spansift --help                      this text

Options:
  -c, --config FILE   config file (default: $SPANSIFT_CONFIG, else spansift's own
                      config/spansift.yaml; both FILE and $SPANSIFT_CONFIG are read from
                      the working directory when relative)
  -h, --help          show this help

Times (--since, --until): a duration back from now (24h, 30m), an RFC 3339 time, or
nanoseconds since the epoch.

Signals (start): SIGTERM and SIGINT drain: for limits.shutdown_grace new exports are
answered 503 + Retry-After (gRPC UNAVAILABLE) while those in flight are stored and
answered; then pending inserts flush and spansift exits. SIGHUP (or saving the config
file) reloads queues, rules, users, labeling, evaluations and processors; a file that does not
validate is reported and the running config stays.`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        help: { type: 'boolean', short: 'h' },
        input: { type: 'string' },
        rule: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        'dry-run': { type: 'boolean' },
        'strict-ottl': { type: 'boolean' },
      },
    });
  } catch (e) {
    process.stderr.write(`spansift: ${(e as Error).message}\n\n${HELP}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help || command === 'help' || !command) {
    process.stdout.write(HELP + '\n');
    return command || values.help ? 0 : 2;
  }
  if (command === 'users') {
    const { usersCommand } = await import('./users.js');
    return usersCommand(positionals[1], (s) => process.stdout.write(s + '\n'), (s) => process.stderr.write(s + '\n'));
  }
  const file = configFileFor(values.config);
  if (command === 'validate') {
    try {
      const config = loadConfig(file);
      for (const n of notesOf(config)) process.stdout.write(`note: ${formatProblem(n)}\n`);
      process.stdout.write(`${file}: valid\n`);
      if (values['strict-ottl']) strictOttlWarnings(file);
      return 0;
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      process.stderr.write(e.problems.map(formatProblem).join('\n') + `\n${e.problems.length} problem(s) in ${file}\n`);
      return 1;
    }
  }
  if (command === 'start') return start(file);
  if ((command === 'rules' && positionals[1] === 'test') || command === 'backfill') {
    let config;
    try {
      config = loadConfig(file);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      process.stderr.write(e.problems.map(formatProblem).join('\n') + `\n${e.problems.length} problem(s) in ${file}\n`);
      return 1;
    }
    const out = (line: string) => process.stdout.write(line + '\n');
    const { rulesTest, backfillCommand, CliError } = await import('./cli-rules.js');
    try {
      if (command === 'rules') {
        if (!values.input) return usage('rules test needs --input FILE');
        return rulesTest(config, values.input, out);
      }
      if (!values.rule || !values.since) return usage('backfill needs --rule NAME and --since TIME');
      return await backfillCommand(config, { rule: values.rule, since: values.since, until: values.until, dryRun: !!values['dry-run'] }, out);
    } catch (e) {
      if (!(e instanceof CliError)) throw e;
      process.stderr.write(`spansift: ${e.message}\n`);
      return 1;
    }
  }
  process.stderr.write(`spansift: unknown command "${command}"\n\n${HELP}\n`);
  return 2;
}

/**
 * The strict OTTL check runs as one more config check over a file that is already valid, so
 * every problem it reports is a warning, located like any config problem.
 */
function strictOttlWarnings(file: string): void {
  try {
    loadConfigFile(file, process.env, [...CONFIG_CHECKS, checkStrictOttl]);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(e.problems.map((p) => `warning: ${formatProblem(p)}`).join('\n') + `\n${e.problems.length} OTTL warning(s) in ${file}\n`);
  }
}

function usage(problem: string): number {
  process.stderr.write(`spansift: ${problem}\n\n${HELP}\n`);
  return 2;
}

async function start(file: string): Promise<number> {
  let config;
  try {
    config = loadConfig(file);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(e.problems.map(formatProblem).join('\n') + `\nspansift: not started: ${e.problems.length} problem(s) in ${file}\n`);
    return 1;
  }
  const log = createLogger(config.log.level);
  for (const n of notesOf(config)) log.info({ file: n.file, line: n.line, key: n.path }, n.message);
  // Loaded here so that `validate` and `--help` do not load the ClickHouse engine.
  const { Service } = await import('./service.js');
  const service = new Service({ config, log });
  const { ConfigReloader } = await import('./reload.js');
  const reloader = new ConfigReloader(file, service, log);
  let stopping: Promise<void> | undefined;
  // Keeps the process alive until stopped, without waking it (its servers may not be listening yet).
  const keepAlive = setInterval(() => undefined, 2 ** 30);
  let stopped!: () => void;
  const done = new Promise<void>((r) => (stopped = r));
  const stop = (signal: string) => {
    if (stopping) return;
    log.info({ signal }, 'stopping: finishing requests in flight and flushing');
    reloader.close();
    stopping = service
      .stop()
      .then(
        () => log.info('stopped'),
        (e) => log.error({ err: e }, 'error while stopping'),
      )
      .finally(() => {
        clearInterval(keepAlive);
        stopped();
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => void reloader.reload('SIGHUP'));
  try {
    await service.start();
    reloader.watch();
  } catch (e) {
    log.fatal({ err: e }, 'spansift could not start');
    await service.stop().catch(() => undefined);
    clearInterval(keepAlive);
    return 1;
  }
  await done;
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`spansift: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  },
);
