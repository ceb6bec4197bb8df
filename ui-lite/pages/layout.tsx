/**
 * The frame of every page: a skip link, a header with where one can go (an admin sees
 * the admin pages too) and sign-out, the main content, and the page's own script. No
 * inline script or style anywhere: the Content-Security-Policy forbids both.
 */
import type { Child } from 'hono/jsx';
import type { Caller } from '../auth/callers.js';
import type { Assets } from './assets.js';

export interface PageContext {
  assets: Assets;
  caller?: Caller;
  /** The session's CSRF token: forms post it, scripts send it as X-CSRF-Token. */
  csrf?: string;
}

export function Layout(props: { ctx: PageContext; title: string; children?: Child; script?: string; style?: string; wide?: boolean; bodyData?: Record<string, string> }) {
  const { ctx, title } = props;
  const data = Object.fromEntries(Object.entries(props.bodyData ?? {}).map(([k, v]) => [`data-${k}`, v]));
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · spansift`}</title>
        <link rel="icon" href={ctx.assets.url('favicon.svg')} type="image/svg+xml" />
        <link rel="stylesheet" href={ctx.assets.url('app.css')} />
        {props.style ? <link rel="stylesheet" href={ctx.assets.url(props.style)} /> : null}
        {ctx.csrf ? <meta name="csrf-token" content={ctx.csrf} /> : null}
        {props.script ? <script type="module" src={ctx.assets.url(props.script)} /> : null}
      </head>
      <body {...data}>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <nav aria-label="Main">
            <a class="brand" href="/">
              spansift
            </a>
            {ctx.caller ? (
              <>
                <a href="/queues">Queues</a>
                {ctx.caller.role === 'admin' ? (
                  <>
                    <a href="/admin">Overview</a>
                    <a href="/admin/spans">Spans</a>
                    <a href="/admin/rules">Rules</a>
                    <a href="/admin/actions">Actions</a>
                    <a href="/admin/evaluations">Evaluations</a>
                  </>
                ) : null}
              </>
            ) : null}
          </nav>
          {ctx.caller ? (
            <form method="post" action="/sign-out" class="signout">
              <span class="who">{ctx.caller.name}</span>
              <input type="hidden" name="csrf" value={ctx.csrf ?? ''} />
              <button type="submit">Sign out</button>
            </form>
          ) : null}
        </header>
        <main id="main" class={props.wide ? 'wide' : undefined} tabindex={-1}>
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** A message a person can act on: what happened and what to do. */
export function Notice(props: { kind?: 'info' | 'error' | 'done'; title: string; children?: Child }) {
  return (
    <section class={`notice ${props.kind ?? 'info'}`} role={props.kind === 'error' ? 'alert' : 'status'}>
      <h1>{props.title}</h1>
      {props.children}
    </section>
  );
}
