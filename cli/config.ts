/**
 * Loading a config file with every floor's checks: config's own schema and cross-checks,
 * plus the rules' conditions and the redaction patterns. Every command and the reloader load through here.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
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

/**
 * The config file a command reads. `--config` and `$SPANSIFT_CONFIG` are taken as given, so
 * a relative path is read from the working directory; without either, the package's own
 * config/spansift.yaml, wherever spansift runs from (a global install, a container), shown
 * relative to the working directory when it lies below it.
 */
export function configFileFor(flag: string | undefined, env: Env = process.env, cwd = process.cwd()): string {
  if (flag !== undefined) return flag;
  if (env.SPANSIFT_CONFIG) return env.SPANSIFT_CONFIG;
  const file = join(packageRoot(), 'config', 'spansift.yaml');
  const shown = relative(cwd, file);
  return shown && !shown.startsWith('..') && !isAbsolute(shown) ? shown : file;
}

/** The folder holding spansift's package.json: above cli/ in the source tree, above dist/cli/ when built. */
function packageRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`spansift: no package.json above ${start}`);
  }
}
