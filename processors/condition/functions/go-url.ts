import { fail } from '../values.js';
import { mapOf, put, type ValueMap } from './maps.js';

/**
 * The URL converter: Go's net/url.Parse (what the collector's parseutils.ParseURI uses),
 * its pieces under the semantic-convention keys, and `url.original` as Go writes the parsed
 * URL back (URL.String()). Text Go refuses (a bad escape, a bad port, a control byte) is an
 * OTTL error. Works on UTF-8 bytes held as Latin-1 strings, as Go's byte loops do.
 */
type Mode = 'path' | 'host' | 'user' | 'query' | 'fragment';

const ALNUM = /[A-Za-z0-9]/;

function shouldEscape(c: string, mode: Mode): boolean {
  if (ALNUM.test(c)) return false;
  if (mode === 'host' && "!$&'()*+,;=:[]<>\"".includes(c)) return false;
  if ('-_.~'.includes(c)) return false;
  if ('$&+,/:;=?@'.includes(c)) {
    switch (mode) {
      case 'path':
        return c === '?';
      case 'user':
        return '@/?:'.includes(c);
      case 'query':
        return true;
      case 'fragment':
        return false;
    }
  }
  if (mode === 'fragment' && '!()*'.includes(c)) return false;
  return true;
}

const isHex = (c: string | undefined) => c !== undefined && /^[0-9A-Fa-f]$/.test(c);

/** Go's unescape over bytes; undefined where Go returns an error. */
function unescape(s: string, mode: Mode): string | undefined {
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '%') {
      if (i + 2 >= s.length || !isHex(s[i + 1]) || !isHex(s[i + 2])) return undefined;
      if (mode === 'host' && parseInt(s[i + 1], 16) < 8 && s.slice(i, i + 3) !== '%25') return undefined;
      i += 2;
    } else if (mode === 'host' && c.charCodeAt(0) < 0x80 && shouldEscape(c, mode)) {
      return undefined;
    }
  }
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '%') {
      out += String.fromCharCode(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else out += mode === 'query' && s[i] === '+' ? ' ' : s[i];
  }
  return out;
}

function escape(s: string, mode: Mode): string {
  let out = '';
  for (const c of s) out += shouldEscape(c, mode) ? '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0') : c;
  return out;
}

function validEncoded(s: string, mode: Mode): boolean {
  for (const c of s) if (!"!$&'()*+,;=:@[]%".includes(c) && shouldEscape(c, mode)) return false;
  return true;
}

const validPort = (p: string) => p === '' || /^:[0-9]*$/.test(p);

interface GoUrl {
  scheme: string;
  opaque: string;
  user?: { name: string; password?: string };
  host: string;
  path: string;
  rawPath: string;
  omitHost: boolean;
  forceQuery: boolean;
  rawQuery: string;
  fragment: string;
  rawFragment: string;
}

function getScheme(raw: string): [string, string] {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+.-]/.test(c)) {
      if (i === 0) return ['', raw];
      continue;
    }
    if (c === ':') return i === 0 ? fail() : [raw.slice(0, i), raw.slice(i + 1)];
    return ['', raw];
  }
  return ['', raw];
}

function parseHost(host: string): string {
  if (host.startsWith('[')) {
    const i = host.lastIndexOf(']');
    if (i < 0 || !validPort(host.slice(i + 1))) fail();
  } else {
    const i = host.lastIndexOf(':');
    if (i >= 0 && !validPort(host.slice(i))) fail();
  }
  return unescape(host, 'host') ?? fail();
}

function parseAuthority(authority: string, u: GoUrl): void {
  const at = authority.lastIndexOf('@');
  u.host = parseHost(at < 0 ? authority : authority.slice(at + 1));
  if (at < 0) return;
  const info = authority.slice(0, at);
  if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(info)) fail();
  const colon = info.indexOf(':');
  const name = unescape(colon < 0 ? info : info.slice(0, colon), 'user') ?? fail();
  u.user = colon < 0 ? { name } : { name, password: unescape(info.slice(colon + 1), 'user') ?? fail() };
}

export function parseGoUrl(text: string): GoUrl {
  const hash = text.indexOf('#');
  const raw = hash < 0 ? text : text.slice(0, hash);
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(raw)) fail();
  const u: GoUrl = { scheme: '', opaque: '', host: '', path: '', rawPath: '', omitHost: false, forceQuery: false, rawQuery: '', fragment: '', rawFragment: '' };
  if (raw === '*') u.path = '*';
  else {
    const [scheme, after] = getScheme(raw);
    u.scheme = scheme.toLowerCase();
    let rest = after;
    if (rest.endsWith('?') && rest.split('?').length === 2) {
      u.forceQuery = true;
      rest = rest.slice(0, -1);
    } else {
      const q = rest.indexOf('?');
      if (q >= 0) [rest, u.rawQuery] = [rest.slice(0, q), rest.slice(q + 1)];
    }
    const opaque = !rest.startsWith('/') && u.scheme !== '';
    if (opaque) u.opaque = rest;
    else {
      if (!rest.startsWith('/') && rest.split('/')[0].includes(':')) fail();
      if ((u.scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
        let authority = rest.slice(2);
        rest = '';
        const slash = authority.indexOf('/');
        if (slash >= 0) [authority, rest] = [authority.slice(0, slash), authority.slice(slash)];
        parseAuthority(authority, u);
      } else if (u.scheme !== '' && rest.startsWith('/')) u.omitHost = true;
      u.path = unescape(rest, 'path') ?? fail();
      u.rawPath = rest;
    }
  }
  if (hash >= 0) {
    const frag = text.slice(hash + 1);
    u.fragment = unescape(frag, 'fragment') ?? fail();
    u.rawFragment = frag;
  }
  return u;
}

function userString(user: NonNullable<GoUrl['user']>): string {
  return escape(user.name, 'user') + (user.password !== undefined ? ':' + escape(user.password, 'user') : '');
}

function escapedPath(u: GoUrl): string {
  if (u.rawPath !== '' && validEncoded(u.rawPath, 'path')) return u.rawPath;
  return u.path === '*' ? '*' : escape(u.path, 'path');
}

/** Go's URL.String(). */
export function goUrlString(u: GoUrl): string {
  let out = u.scheme !== '' ? u.scheme + ':' : '';
  if (u.opaque !== '') out += u.opaque;
  else {
    if ((u.scheme !== '' || u.host !== '' || u.user) && !(u.omitHost && u.host === '' && !u.user)) {
      if (u.host !== '' || u.path !== '' || u.user) out += '//';
      if (u.user) out += userString(u.user) + '@';
      if (u.host !== '') out += escape(u.host, 'host');
    }
    const path = escapedPath(u);
    if (path !== '' && path[0] !== '/' && u.host !== '') out += '/';
    if (out === '' && path.split('/')[0].includes(':')) out += './';
    out += path;
  }
  if (u.forceQuery || u.rawQuery !== '') out += '?' + u.rawQuery;
  if (u.fragment !== '') out += '#' + (validEncoded(u.rawFragment, 'fragment') ? u.rawFragment : escape(u.fragment, 'fragment'));
  return out;
}

const fromBytes = (s: string) => Buffer.from(s, 'latin1').toString('utf8');

/** url.ParseQuery: a `;` or a bad escape is an error. */
function parseQuery(q: string): ValueMap {
  const params = new Map<string, string[]>();
  for (const part of q.split('&')) {
    if (part === '') continue;
    if (part.includes(';')) fail();
    const eq = part.indexOf('=');
    const key = unescape(eq < 0 ? part : part.slice(0, eq), 'query') ?? fail();
    const value = unescape(eq < 0 ? '' : part.slice(eq + 1), 'query') ?? fail();
    const k = fromBytes(key);
    params.set(k, [...(params.get(k) ?? []), fromBytes(value)]);
  }
  return mapOf(params);
}

/** ParseURI(text, semconv = true). */
export function urlMap(text: string): ValueMap {
  if (text === '') fail();
  const bytes = Buffer.from(text, 'utf8').toString('latin1');
  if (bytes.startsWith('?')) {
    const query = parseQuery(bytes.slice(1));
    return Object.keys(query).length ? mapOf([['query', query]]) : {};
  }
  const u = parseGoUrl(bytes);
  const m: ValueMap = {};
  put(m, 'url.original', fromBytes(goUrlString(u)));
  const [hostname, port] = splitHostPort(u.host);
  put(m, 'url.domain', fromBytes(hostname));
  put(m, 'url.scheme', fromBytes(u.scheme));
  put(m, 'url.path', fromBytes(u.path));
  if (port !== '') {
    const n = BigInt(port);
    if (n > 2n ** 63n - 1n) fail();
    put(m, 'url.port', Number.isSafeInteger(Number(n)) ? Number(n) : n);
  }
  if (u.fragment !== '') put(m, 'url.fragment', fromBytes(u.fragment));
  if (u.user) {
    put(m, 'url.user_info', fromBytes(userString(u.user)));
    if (u.user.name !== '') put(m, 'url.username', fromBytes(u.user.name));
    if (u.user.password !== undefined) put(m, 'url.password', fromBytes(u.user.password));
  }
  if (u.rawQuery !== '') put(m, 'url.query', fromBytes(u.rawQuery));
  const dot = u.path.lastIndexOf('.');
  if (dot >= 0 && dot < u.path.length - 1) put(m, 'url.extension', fromBytes(u.path.slice(dot + 1)));
  return m;
}

function splitHostPort(hostPort: string): [string, string] {
  let host = hostPort;
  let port = '';
  const colon = host.lastIndexOf(':');
  if (colon >= 0 && validPort(host.slice(colon))) [host, port] = [host.slice(0, colon), host.slice(colon + 1)];
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return [host, port];
}
