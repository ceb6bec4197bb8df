/**
 * Tells when any of a few files may have changed: a watch on each file's directory (a file
 * replaced by rename, as editors and Kubernetes secret volumes do, keeps no watch on the file
 * itself), and a slow poll for file systems that report no changes (some network and
 * container mounts). The callback re-reads and compares; an event here is only a hint.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

export interface FileWatchOptions {
  /** Quiet time after the last event before `onChange` runs, so a cert and key written one after the other are read together. */
  settleMs?: number;
  /** How often `onChange` runs without any event. */
  pollMs?: number;
  /** A directory could not be watched (it is then polled only). */
  onWatchError?: (dir: string, err: Error) => void;
}

export class FileWatch {
  private readonly watchers: FSWatcher[] = [];
  private settle: NodeJS.Timeout | undefined;
  private readonly poll: NodeJS.Timeout;
  private closed = false;

  constructor(files: string[], private readonly onChange: () => void, o: FileWatchOptions = {}) {
    const settleMs = o.settleMs ?? 100;
    const names = new Map<string, Set<string>>();
    for (const f of files.map((x) => resolve(x))) {
      const dir = dirname(f);
      if (!names.has(dir)) names.set(dir, new Set());
      names.get(dir)!.add(basename(f));
    }
    for (const [dir, watched] of names) {
      try {
        const w = watch(dir, { persistent: false }, (_event, name) => {
          // Kubernetes swaps a `..data` symlink; an unnamed event may be anything.
          if (name === null || watched.has(String(name)) || String(name).startsWith('..')) this.schedule(settleMs);
        });
        w.on('error', (err) => o.onWatchError?.(dir, err));
        this.watchers.push(w);
      } catch (e) {
        o.onWatchError?.(dir, e as Error);
      }
    }
    this.poll = setInterval(() => this.fire(), o.pollMs ?? 60_000).unref();
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    clearTimeout(this.settle);
    this.settle = setTimeout(() => this.fire(), ms).unref();
  }

  private fire(): void {
    if (!this.closed) this.onChange();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.settle);
    clearInterval(this.poll);
    for (const w of this.watchers) w.close();
  }
}
