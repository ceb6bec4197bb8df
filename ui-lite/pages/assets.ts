/**
 * The page's scripts and styles, served by spansift itself (nothing loads from elsewhere):
 * read once from ui-lite/static/, each under a name holding a hash of its content, so it
 * can be cached forever and a new version is a new name.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  /** `/static/label.3f9a1c2e.js` */
  url: string;
  body: Buffer;
  type: string;
}

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };

/** The package's root (it holds ui-lite/static/), from the source tree or from dist/. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'ui-lite', 'static'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('ui-lite/static not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

export class Assets {
  /** By plain name (`label.js`). */
  private readonly byName = new Map<string, Asset>();
  /** By served path. */
  private readonly byUrl = new Map<string, Asset>();

  constructor(dir = join(packageRoot(), 'ui-lite', 'static')) {
    for (const name of readdirSync(dir)) {
      const ext = name.slice(name.lastIndexOf('.'));
      const type = TYPES[ext];
      if (!type) continue;
      const body = readFileSync(join(dir, name));
      const hash = createHash('sha256').update(body).digest('hex').slice(0, 10);
      const asset = { url: `/static/${name.slice(0, -ext.length)}.${hash}${ext}`, body, type };
      this.byName.set(name, asset);
      this.byUrl.set(asset.url, asset);
    }
  }

  url(name: string): string {
    const a = this.byName.get(name);
    if (!a) throw new Error(`no static asset ${name}`);
    return a.url;
  }

  get(path: string): Asset | undefined {
    return this.byUrl.get(path);
  }
}
