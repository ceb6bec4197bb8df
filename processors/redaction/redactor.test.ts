import { describe, expect, it } from 'vitest';
import { redactionSchema } from '../../config/redaction.js';
import type { Attributes, Span } from '../../collector/model/span.js';
import { spanWith } from '../../tests/support/spans.js';
import { Redactor } from './redactor.js';

const redactor = (c: Record<string, unknown>) => {
  const r = Redactor.compile(redactionSchema.parse(c));
  if (!r) throw new Error('expected a redactor');
  return r;
};
const redacted = (c: Record<string, unknown>, attrs: Attributes) => {
  redactor(c).attributes(attrs);
  return attrs;
};

describe('redaction by key', () => {
  it('deletes delete_keys and masks mask_keys, whatever the value type, by glob', () => {
    const out = redacted(
      { delete_keys: ['user.*'], mask_keys: ['*token*', 'pass?ord'] },
      { 'user.email': 'a@b.com', 'user.id': 7, 'http.token': 123, 'auth.token.raw': ['x'], password: 'hunter2', passwords: 'kept', model: 'gpt-4o' },
    );
    expect(out).toEqual({ 'http.token': '****', 'auth.token.raw': '****', password: '****', passwords: 'kept', model: 'gpt-4o' });
  });

  it('keeps only allowed_keys (and ignored_keys) when allowed_keys is given', () => {
    expect(redacted({ allowed_keys: ['gen_ai.*'], ignored_keys: ['service.name'] }, { 'gen_ai.request.model': 'm', 'service.name': 's', 'input.value': 'secret' })).toEqual({
      'gen_ai.request.model': 'm',
      'service.name': 's',
    });
  });

  it('never touches ignored_keys, whatever else matches them', () => {
    expect(redacted({ ignored_keys: ['safe.*'], delete_keys: ['*'], mask_values: ['email'] }, { 'safe.mail': 'a@example.com', other: 'x' })).toEqual({ 'safe.mail': 'a@example.com' });
  });

  it('applies key rules to keys inside map values, by their own name or dotted path', () => {
    const out = redacted({ delete_keys: ['password'], mask_keys: ['request.headers.authorization'] }, { request: { headers: { authorization: 'Bearer x', accept: '*/*' }, password: 'p' } });
    expect(out).toEqual({ request: { headers: { authorization: '****', accept: '*/*' } } });
  });

  it('decides a nested key by its own name whatever path it was first seen at', () => {
    const r = redactor({ delete_keys: ['c'] });
    const first: Attributes = { a: { 'b.c': 'kept' } };
    r.attributes(first);
    expect(first).toEqual({ a: { 'b.c': 'kept' } });
    const second: Attributes = { a: { b: { c: 'secret', d: 'kept' } } };
    r.attributes(second);
    expect(second).toEqual({ a: { b: { d: 'kept' } } });
  });

  it('uses the configured mask', () => {
    expect(redacted({ mask_keys: ['k'], mask: '[redacted]' }, { k: 'v' })).toEqual({ k: '[redacted]' });
  });
});

describe('redaction by value', () => {
  it('masks what the built-in detectors find inside text, keeping the rest', () => {
    const out = redacted(
      { mask_values: ['email', 'credit_card', 'api_key'] },
      { 'input.value': 'I am jane@example.com, card 4111 1111 1111 1111, key sk-proj-abcdefghijklmnopqrstuvwx.', n: 4111111111111111 },
    );
    expect(out).toEqual({ 'input.value': 'I am ****, card ****, key ****.', n: 4111111111111111 });
  });

  it('masks inside lists and maps at any depth', () => {
    const out = redacted({ mask_values: ['email'] }, { list: ['a@example.com', 'plain', ['b@example.org']], map: { inner: { to: 'c@example.net' } } });
    expect(out).toEqual({ list: ['****', 'plain', ['****']], map: { inner: { to: '****' } } });
  });

  it('looks at integers and doubles as text with redact_all_types, as the collector does', () => {
    const out = redacted({ mask_values: ['credit_card'], blocked_values: ['^3\\.14'], redact_all_types: true }, { card: 4111111111111111, big: 4111111111111111n, pi: 3.14159, n: 42, b: true });
    expect(out).toEqual({ card: '****', big: '****', pi: '****159', n: 42, b: true });
  });

  it('masks matches of blocked_values, RE2 patterns', () => {
    expect(redacted({ blocked_values: ['\\bSSN:? ?\\d{3}-\\d{2}-\\d{4}', '(?i)secret-[a-z]+'] }, { note: 'ssn: 123-45-6789 / SSN 123-45-6789 / SECRET-abc' })).toEqual({
      note: 'ssn: 123-45-6789 / **** / ****',
    });
  });

  it('spares text inside a match of allowed_values, and masks the rest', () => {
    const out = redacted(
      { mask_values: ['email'], blocked_values: ['mycompany\\.com'], allowed_values: ['[a-z.]+@mycompany\\.com'] },
      { to: 'support@mycompany.com, jane@gmail.com, see mycompany.com' },
    );
    expect(out).toEqual({ to: 'support@mycompany.com, ****, see ****' });
  });

  it('keeps a masked key whose whole value allowed_values matches', () => {
    expect(redacted({ mask_keys: ['user'], allowed_values: ['anonymous'] }, { user: 'anonymous', 'x': 1 })).toEqual({ user: 'anonymous', x: 1 });
    expect(redacted({ mask_keys: ['user'], allowed_values: ['anonymous'] }, { user: 'anonymous jane' })).toEqual({ user: '****' });
  });
});

describe('the summary attributes', () => {
  const attrs = () => ({ 'user.email': 'a@b.com', 'api.token': 't', note: 'mail x@example.com', safe: 'y@example.com', 'redaction.masked.count': 1 });
  const config = { delete_keys: ['user.*'], mask_keys: ['*token*'], mask_values: ['email'], ignored_keys: ['safe'] };

  it('are not added by default', () => {
    expect(Object.keys(redacted(config, attrs())).filter((k) => k.startsWith('redaction.') && k !== 'redaction.masked.count')).toEqual([]);
  });

  it('count what changed with info, adding to the counts already there', () => {
    expect(redacted({ ...config, summary: 'info' }, attrs())).toMatchObject({ 'redaction.redacted.count': 1, 'redaction.masked.count': 3, 'redaction.ignored.count': 1 });
  });

  it('also list the keys, sorted, with debug', () => {
    expect(redacted({ ...config, summary: 'debug' }, attrs())).toMatchObject({ 'redaction.redacted.keys': 'user.email', 'redaction.masked.keys': 'api.token,note', 'redaction.masked.count': 3 });
  });
});

describe('spans', () => {
  function span(): Span {
    const s = spanWith({ 'input.value': 'from a@example.com' });
    s.resource = { attributes: { 'service.name': 'shop', 'host.owner': 'ops@example.com' }, serviceName: 'shop', schemaUrl: '' };
    s.scope = { name: 'lib', version: '1', attributes: { maintainer: 'dev@example.com' } };
    s.events = [{ timeUnixNano: 1n, name: 'exception', attributes: { 'exception.message': 'no user b@example.com' } }];
    s.links = [{ traceId: '', spanId: '', traceState: '', attributes: { 'peer.mail': 'c@example.com' } }];
    return s;
  }

  it('redacts span, resource, scope, event and link attributes', () => {
    const s = span();
    redactor({ mask_values: ['email'] }).spans([s]);
    expect(s.attributes).toEqual({ 'input.value': 'from ****' });
    expect(s.resource.attributes).toEqual({ 'service.name': 'shop', 'host.owner': '****' });
    expect(s.scope.attributes).toEqual({ maintainer: '****' });
    expect(s.events[0].attributes).toEqual({ 'exception.message': 'no user ****' });
    expect(s.links[0].attributes).toEqual({ 'peer.mail': '****' });
  });

  it('redacts a resource shared by several spans once, and keeps service.name in step with it', () => {
    const a = span();
    const b = span();
    b.resource = a.resource;
    redactor({ mask_keys: ['service.name'], summary: 'info' }).spans([a, b]);
    expect(a.resource.attributes).toEqual({ 'service.name': '****', 'host.owner': 'ops@example.com', 'redaction.masked.count': 1 });
    expect(a.resource.serviceName).toBe('****');
  });

  it('keeps a non-string service.name in the string form storage writes', () => {
    const a = span();
    a.resource.attributes['service.name'] = 42;
    redactor({ mask_values: ['email'] }).spans([a]);
    expect(a.resource.serviceName).toBe('42');
  });

  it('counts what it deletes and masks', () => {
    const r = redactor({ delete_keys: ['input.*'], mask_values: ['email'] });
    r.spans([span(), span()]);
    expect(r.counters).toEqual({ deleted: 2, masked: 8 });
  });

  it('is not built for a section that changes nothing', () => {
    expect(Redactor.compile(redactionSchema.parse({}))).toBeUndefined();
    expect(Redactor.compile(redactionSchema.parse({ ignored_keys: ['x'], allowed_values: ['y'], redact_all_types: true }))).toBeUndefined();
    expect(Redactor.compile(undefined)).toBeUndefined();
  });
});
