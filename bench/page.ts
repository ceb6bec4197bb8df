/**
 * The labeling page in headless Chromium over a queue of 100,000 items: from navigation to
 * an interactive labeling view (the page's script ready, as the page itself measures it
 * from the start of navigation), and from pressing Enter (submit) to the next item shown
 * and ready (by the browser's clock, across the navigation). One labeler, 100 items.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { chromium } from 'playwright-core';
import { hashPassword } from '../ui-lite/auth/passwords.js';
import type { CallStats } from './labeling.js';
import { freePort } from '../tests/support/process.js';
import { spawnSpansift } from './start.js';

const ROOT = new URL('../', import.meta.url).pathname;
const CHROMIUM = process.env.SPANSIFT_CHROMIUM ?? '/usr/bin/chromium';

export interface PageResult {
  items: number;
  navigation: CallStats;
  submitToNext: CallStats;
}

function stats(ms: number[]): CallStats {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { p50: at(0.5), p95: at(0.95), max: s[s.length - 1], calls: s.length };
}

export async function runPage(itemsInQueue = 100_000, rounds = 100): Promise<PageResult> {
  const dir = mkdtempSync(join(tmpdir(), 'spansift-bench-page-'));
  execFileSync(process.execPath, ['--import', 'tsx', `${ROOT}bench/labeling-seed.ts`, join(dir, 'clickhouse'), String(itemsInQueue), '1', String(itemsInQueue), '0'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const ui = await freePort();
  const file = join(dir, 'spansift.yaml');
  writeFileSync(
    file,
    stringify({
      data_dir: dir,
      receivers: { otlp: { http: { endpoint: `127.0.0.1:${await freePort()}` }, grpc: { enabled: false } } },
      ui: { endpoint: `127.0.0.1:${ui}`, admin_token: 'bench' },
      log: { level: 'warn' },
      queues: { q0: { instructions: 'Is the answer right?', labels: [{ name: 'ok', type: 'boolean', hotkey: 'o', required: true }, { name: 'quality', type: 'numeric', min: 1, max: 5, step: 1, hotkey: 'q' }, { name: 'note', type: 'text' }] } },
      users: { ann: { role: 'labeler', queues: ['q0'], password_hash: await hashPassword('bench-pw', 10) } },
    }),
  );
  const child = spawnSpansift(file, ['ignore', 'ignore', 'inherit']);
  const base = `http://127.0.0.1:${ui}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
  try {
    for (const started = Date.now(); !(await fetch(`${base}/healthz`).then((r) => r.ok, () => false)); ) {
      if (child.exitCode !== null || Date.now() - started > 600_000) throw new Error('spansift did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(`${base}/sign-in`);
    await page.fill('#user', 'ann');
    await page.fill('#password', 'bench-pw');
    await Promise.all([page.waitForURL(`${base}/queues`), page.press('#password', 'Enter')]);
    const readyAt = () => page.evaluate(() => performance.getEntriesByName('spansift-ready')[0]?.startTime ?? NaN);
    const navigation: number[] = [];
    const submitToNext: number[] = [];
    // One warm-up round, not counted.
    for (let r = -1; r < rounds; r++) {
      await page.goto(`${base}/queues/q0/next`);
      await page.waitForSelector('body[data-ready="1"]');
      if (r >= 0) navigation.push(await readyAt());
      const id = new URL(page.url()).pathname.split('/').pop();
      await page.keyboard.press('o');
      await page.keyboard.press('1');
      await page.keyboard.press('q');
      await page.keyboard.press(String(1 + (r + 5) % 5));
      // Timed by the browser's clock: from just before Enter to the next page's ready mark.
      await page.evaluate(() => sessionStorage.setItem('bench-enter', String(performance.timeOrigin + performance.now())));
      await page.keyboard.press('Enter');
      await page.waitForFunction((prev) => document.body.dataset.ready === '1' && !location.pathname.endsWith(prev as string), id);
      const shown = await page.evaluate(() => performance.timeOrigin + performance.getEntriesByName('spansift-ready')[0].startTime - Number(sessionStorage.getItem('bench-enter')));
      if (r >= 0) submitToNext.push(shown);
    }
    return { items: itemsInQueue, navigation: stats(navigation), submitToNext: stats(submitToNext) };
  } finally {
    await browser.close();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await runPage(Number(process.argv[2]) || 100_000)));
