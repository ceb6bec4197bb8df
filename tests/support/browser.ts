/**
 * Real Chromium for page tests: Debian's build (`apt-get install chromium`; `.ci/run`
 * installs it), driven by playwright-core. Also: what a page must never do (open a
 * dialog, log an error, fetch from another origin), recorded so a test can assert none
 * happened; and axe-core's accessibility check.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.SPANSIFT_CHROMIUM ?? '/usr/bin/chromium';

export function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not at ${CHROMIUM}: the browser tests need it. On Debian or Ubuntu: sudo apt-get install chromium (.ci/run does this), or set SPANSIFT_CHROMIUM to a Chromium or Chrome binary.`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

export interface Watch {
  dialogs: string[];
  errors: string[];
  foreign: string[];
}

/** Records dialogs (and dismisses them), console errors, page errors and requests to any other origin. */
export function watch(page: Page, origin: string): Watch {
  const w: Watch = { dialogs: [], errors: [], foreign: [] };
  page.on('dialog', (d) => {
    w.dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  page.on('console', (m) => {
    if (m.type() === 'error') w.errors.push(m.text());
  });
  page.on('pageerror', (e) => w.errors.push(e.message));
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('about:')) w.foreign.push(u);
  });
  return w;
}

/** Signs in through the page, as a person does. */
export async function signIn(page: Page, base: string, user: string, password: string): Promise<void> {
  await page.goto(`${base}/sign-in`);
  await page.fill('#user', user);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/sign-in')), page.press('#password', 'Enter')]);
}

/** Waits until the labeling view's script has set up the keyboard. */
export async function ready(page: Page): Promise<void> {
  await page.waitForSelector('body[data-ready="1"]');
}

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface Violation {
  id: string;
  impact: string;
  help: string;
  nodes: string[];
}

/**
 * axe-core's serious and critical violations on a page. axe is injected into a copy of
 * the page opened in a context that bypasses CSP (the real pages forbid injected scripts).
 */
export async function axeViolations(browser: Browser, url: string, cookies: Parameters<BrowserContext['addCookies']>[0]): Promise<Violation[]> {
  const ctx = await browser.newContext({ bypassCSP: true });
  try {
    await ctx.addCookies(cookies);
    const page = await ctx.newPage();
    await page.goto(url);
    await page.addScriptTag({ content: AXE });
    const result = await page.evaluate(async () => {
      const r = await (window as unknown as { axe: { run: (o: object) => Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe.run({
        runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'],
      });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
    });
    return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  } finally {
    await ctx.close();
  }
}
