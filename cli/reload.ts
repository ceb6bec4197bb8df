/**
 * Hot reload of queues, rules, users, labeling, evaluations and processors: on SIGHUP and
 * when the config file changes. A file that does not validate is reported and the running
 * config stays.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { ConfigError, formatProblem } from '../config/load.js';
import { loadConfig } from './config.js';
import type { Service } from './service.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../collector/log.js';

export class ConfigReloader {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private last = '';

  constructor(
    private readonly file: string,
    private readonly service: Service,
    private readonly log: Logger,
  ) {}

  /** Reloads now (from the file, unless the caller has just loaded it); true when the new config was applied. */
  async reload(reason: string, loaded?: Config): Promise<boolean> {
    try {
      const next = loaded ?? loadConfig(this.file);
      const ignored = await this.service.reload(next);
      if (ignored.length) this.log.warn({ sections: ignored }, 'these sections changed and need a restart to apply');
      return true;
    } catch (e) {
      this.service.metrics.configReloads.inc({ outcome: 'failure' });
      const problems = e instanceof ConfigError ? e.problems.map(formatProblem) : [(e as Error).message];
      this.log.error({ reason, problems }, 'config reload failed; the running config stays');
      return false;
    }
  }

  /** Watches the file's folder (editors replace files rather than write them in place). */
  watch(): void {
    const name = basename(this.file);
    this.watcher = watch(dirname(this.file), (_event, changed) => {
      if (changed !== null && changed !== name) return;
      // Editors write in several steps: wait for the writes to settle.
      clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        let text = '';
        let loaded: Config | undefined;
        try {
          loaded = loadConfig(this.file);
          text = JSON.stringify(loaded);
        } catch {
          text = `invalid:${Date.now()}`;
        }
        if (text === this.last) return;
        this.last = text;
        void this.reload('file changed', loaded);
      }, 200);
    });
    try {
      this.last = JSON.stringify(loadConfig(this.file));
    } catch {
      this.last = '';
    }
  }

  close(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
  }
}
