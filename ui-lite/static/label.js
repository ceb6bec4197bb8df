// The labeling view's script: the keyboard, drafts saved as the labeler works, submit and
// move on, skip, and the lease kept while the page is open. Everything it needs is in
// data attributes of <body> and the form; it talks to the same /api/v1 routes as any client.
// If the session ends, the labeler's answers stay in this tab until they sign in again.

const body = document.body;
const form = document.getElementById('labels');
const status = document.getElementById('status');
const banner = document.getElementById('banner');
const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';
const queue = body.dataset.queue;
const item = body.dataset.item;
const api = `/api/v1/queues/${encodeURIComponent(queue)}/items/${encodeURIComponent(item)}`;
const draftKey = `spansift:draft:${queue}:${item}`;
const fields = [...form.querySelectorAll('fieldset.label')];
let done = body.dataset.status === 'submitted' || body.dataset.status === 'skipped';
let leaving = false;
let saveTimer;
let saving = Promise.resolve();

function say(text) {
  status.textContent = text;
}

function showBanner(html) {
  banner.replaceChildren(...html);
  banner.hidden = false;
}

function hideBanner() {
  banner.hidden = true;
}

/** The form as the API takes it: every label (null when not set) and every reason. */
function collect() {
  const values = {};
  const reasoning = {};
  for (const f of fields) {
    const name = f.dataset.label;
    const type = f.dataset.type;
    const checked = f.querySelector('input[type=radio]:checked');
    const range = f.querySelector('input[type=range]');
    const text = f.querySelector('textarea:not([name^="why-"])');
    let v = null;
    if (checked) v = type === 'boolean' ? checked.value === 'true' : type === 'numeric' ? Number(checked.value) : checked.value;
    else if (range) v = range.dataset.set === '1' ? Number(range.value) : null;
    else if (text) v = text.value.trim() === '' ? null : text.value;
    values[name] = v;
    const why = f.querySelector('textarea[name^="why-"]').value;
    reasoning[name] = why.trim() === '' ? null : why;
  }
  return { values, reasoning };
}

function restore(saved) {
  for (const f of fields) {
    const name = f.dataset.label;
    const v = saved.values?.[name];
    if (v !== undefined && v !== null) {
      const radio = [...f.querySelectorAll('input[type=radio]')].find((r) => r.value === String(v));
      if (radio) radio.checked = true;
      const range = f.querySelector('input[type=range]');
      if (range) {
        range.value = String(v);
        range.dataset.set = '1';
        f.querySelector('output').textContent = String(v);
      }
      const text = f.querySelector('textarea:not([name^="why-"])');
      if (text) text.value = String(v);
    }
    const why = saved.reasoning?.[name];
    if (why) {
      f.querySelector('textarea[name^="why-"]').value = why;
      f.querySelector('details.reasoning').open = true;
    }
  }
}

function clearErrors() {
  for (const f of fields) {
    f.classList.remove('invalid');
    f.querySelector('.error').textContent = '';
  }
}

async function send(method, url, payload) {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
    body: payload === undefined ? undefined : JSON.stringify(payload),
    credentials: 'same-origin',
  });
  let json = null;
  try {
    json = await res.json();
  } catch {
    // 204 and the like
  }
  return { status: res.status, json };
}

/** What a failed call means to a person; returns true when it was handled. */
function trouble(res, draft) {
  if (res.status === 401) {
    sessionStorage.setItem(draftKey, JSON.stringify(draft));
    const link = document.createElement('a');
    link.href = `/sign-in?expired=1&next=${encodeURIComponent(location.pathname)}`;
    link.textContent = 'Sign in again';
    showBanner([document.createTextNode('Your session has ended. Your answers are kept in this browser. '), link]);
    return true;
  }
  if (res.status === 503 || res.status === 0) {
    sessionStorage.setItem(draftKey, JSON.stringify(draft));
    showBanner([document.createTextNode('spansift cannot reach its storage right now. Your answers are kept here; try again in a moment.')]);
    return true;
  }
  if (res.status === 400 && res.json?.error?.field?.startsWith('values.')) {
    const name = res.json.error.field.slice('values.'.length);
    const f = fields.find((x) => x.dataset.label === name);
    if (f) {
      f.classList.add('invalid');
      f.querySelector('.error').textContent = res.json.error.message.replace(/^values\.[^:]+:\s*/, '');
      focusField(f);
      return true;
    }
  }
  if (res.json?.error) {
    showBanner([document.createTextNode(res.json.error.message)]);
    return true;
  }
  return false;
}

async function save(submit) {
  const draft = collect();
  clearTimeout(saveTimer);
  const run = saving.then(async () => {
    let res;
    try {
      res = await send('PUT', `${api}/labels`, { ...draft, submit });
    } catch {
      res = { status: 0, json: null };
    }
    if (res.status === 200) {
      sessionStorage.removeItem(draftKey);
      hideBanner();
      clearErrors();
      if (submit) done = true;
      say(submit ? 'Submitted.' : done ? 'Changed since you submitted: submit again to keep the change.' : 'Draft saved.');
      return true;
    }
    trouble(res, draft);
    return false;
  });
  saving = run.catch(() => false);
  return run;
}

function scheduleSave() {
  clearTimeout(saveTimer);
  say('Not saved yet…');
  saveTimer = setTimeout(() => save(false), 600);
}

async function submitAndNext() {
  if (leaving) return;
  const missing = fields.filter((f) => f.dataset.required === '1' && collect().values[f.dataset.label] === null);
  clearErrors();
  if (missing.length) {
    for (const f of missing) {
      f.classList.add('invalid');
      f.querySelector('.error').textContent = 'Required: choose an answer before submitting.';
    }
    focusField(missing[0]);
    say('Some required labels have no answer yet.');
    return;
  }
  if (await save(true)) go(body.dataset.after);
}

function go(url) {
  if (!url) return;
  leaving = true;
  location.assign(url);
}

async function skip(reason) {
  const res = await send('POST', `${api}/skip`, reason ? { reason } : {}).catch(() => ({ status: 0, json: null }));
  if (res.status === 200) {
    done = true;
    go(body.dataset.after);
  } else trouble(res, collect());
}

// The lease: claimed (again) when the page opens on an item not finished, renewed while it
// stays open, released when it closes without a submit.
const ttl = Number(body.dataset.leaseTtl) || 300000;
let leased = body.dataset.leased === '1';
let leasedAt = body.dataset.leasedAt ?? '';
async function renew() {
  if (done) return;
  const res = await send('POST', `${api}/lease`).catch(() => ({ status: 0 }));
  if (res.status === 200) {
    leased = true;
    leasedAt = String(res.json.leased_at);
  }
  else if (res.status === 409 && !done) {
    leased = false;
    say('Others have this item now; your answers still count if you submit.');
  } else if (res.status === 401) trouble(res, collect());
}
if (!done && (leased || body.dataset.claim === '1')) {
  if (!leased) renew();
  setInterval(renew, Math.max(5000, ttl / 3));
}
addEventListener('pagehide', () => {
  // Only the lease this page saw: if the next page already took this item again, that lease stays.
  if (leased && !done) fetch(`${api}/lease${leasedAt ? `?leased_at=${encodeURIComponent(leasedAt)}` : ''}`, { method: 'DELETE', headers: { 'x-csrf-token': csrf }, keepalive: true, credentials: 'same-origin' });
});

// Focus and the keyboard.
let current = fields[0];
function focusField(f) {
  current?.classList.remove('current');
  current = f;
  f.classList.add('current');
  const target = f.querySelector('input[type=radio]:checked') ?? f.querySelector('input[type=radio], input[type=range], textarea');
  (target ?? f).focus();
}
for (const f of fields) f.addEventListener('focusin', () => {
  current?.classList.remove('current');
  current = f;
  f.classList.add('current');
});

function choose(f, n) {
  const radios = [...f.querySelectorAll('input[type=radio]')];
  const r = radios[n - 1];
  if (!r) return false;
  r.checked = true;
  r.focus();
  r.dispatchEvent(new Event('change', { bubbles: true }));
  return true;
}

function typing(el) {
  return el instanceof HTMLTextAreaElement || (el instanceof HTMLInputElement && !['radio', 'range', 'checkbox'].includes(el.type));
}

function open(id) {
  const d = document.getElementById(id);
  if (!d.open) d.showModal();
  if (id === 'skip') document.getElementById('skip-reason').focus();
}

document.addEventListener('keydown', (e) => {
  if (document.querySelector('dialog[open]')) return;
  const el = document.activeElement;
  if (e.key === 'Enter') {
    if (el instanceof HTMLTextAreaElement ? e.ctrlKey || e.metaKey : !(el instanceof HTMLButtonElement || el instanceof HTMLAnchorElement || el?.tagName === 'SUMMARY')) {
      e.preventDefault();
      submitAndNext();
    }
    return;
  }
  if (typing(el) || e.ctrlKey || e.metaKey) return;
  if ((e.key === '[' || (e.altKey && e.key === 'ArrowLeft')) && body.dataset.prev) {
    e.preventDefault();
    go(body.dataset.prev);
  } else if (e.key === ']' || (e.altKey && e.key === 'ArrowRight')) {
    e.preventDefault();
    go(body.dataset.next);
  } else if (e.key === 'S' && e.shiftKey) {
    e.preventDefault();
    open('skip');
  } else if (e.key === '?') {
    e.preventDefault();
    open('help');
  } else if (!e.altKey && e.key.length === 1) {
    const byKey = fields.find((f) => f.dataset.hotkey === e.key);
    if (byKey) {
      e.preventDefault();
      if (byKey === current && byKey.dataset.type === 'boolean' && byKey.querySelector('input:checked')) {
        const other = byKey.querySelector('input[type=radio]:not(:checked)');
        other.checked = true;
        other.focus();
        other.dispatchEvent(new Event('change', { bubbles: true }));
      } else focusField(byKey);
    } else if (/^[1-9]$/.test(e.key) && current && choose(current, Number(e.key))) {
      e.preventDefault();
    }
  }
});

form.addEventListener('submit', (e) => {
  e.preventDefault();
  submitAndNext();
});
form.addEventListener('change', scheduleSave);
form.addEventListener('input', (e) => {
  if (e.target instanceof HTMLInputElement && e.target.type === 'range') {
    e.target.dataset.set = '1';
    e.target.closest('.range').querySelector('output').textContent = e.target.value;
  }
  if (e.target instanceof HTMLTextAreaElement || (e.target instanceof HTMLInputElement && e.target.type === 'range')) scheduleSave();
});

for (const b of document.querySelectorAll('[data-open]')) b.addEventListener('click', () => open(b.dataset.open));
document.getElementById('skip-form').addEventListener('submit', (e) => {
  if (e.submitter?.value === 'skip') skip(document.getElementById('skip-reason').value.trim());
});

// Answers kept when the session ended (or storage was away) come back, and are saved now.
const kept = sessionStorage.getItem(draftKey);
if (kept) {
  try {
    restore(JSON.parse(kept));
    save(false);
    say('Your answers from before you signed in again are back.');
  } catch {
    sessionStorage.removeItem(draftKey);
  }
}

(fields.find((f) => !f.querySelector('input:checked')) ?? fields[0])?.classList.add('current');
current = form.querySelector('fieldset.current') ?? fields[0];
body.dataset.ready = '1';
performance.mark('spansift-ready');
