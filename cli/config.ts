/**
 * Loading a config file with every floor's checks: config's own schema and cross-checks,
 * plus the rules' conditions and the redaction patterns. Every command and the reloader load through here.
 */
import { loadConfigFile, parseConfig } from '../config/load.js';
import type { ConfigCheck } from '../config/cross-check.js';
import type { Config } from '../config/schema.js';
import { checkConditions } from '../processors/rules/config-check.js';
import { checkActionConditions } from '../labeling/actions/config-check.js';
import { checkRedaction } from '../processors/redaction/config-check.js';

type Env = Record<string, string | undefined>;

export const CONFIG_CHECKS: readonly ConfigCheck[] = [checkConditions, checkActionConditions, checkRedaction];

export function loadConfig(file: string, env: Env = process.env): Config {
  return loadConfigFile(file, env, CONFIG_CHECKS);
}

export function parseConfigText(text: string, file: string, env: Env = process.env): Config {
  return parseConfig(text, file, env, CONFIG_CHECKS);
}
