/**
 * `receivers.otlp.http.cors`: the collector's keys and values are accepted (`max_age` in
 * seconds), and origins that could never match a browser's Origin header are config errors.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, formatProblem, parseConfig } from './load.js';

const cors = (body: string) => `receivers:\n  otlp:\n    http:\n      cors:\n${body}`;

function problems(text: string): string[] {
  try {
    parseConfig(text, 'cors.yaml', {});
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems.map(formatProblem);
  }
  throw new Error('the config was accepted');
}

describe('receivers.otlp.http.cors', () => {
  it('is off by default and when written empty', () => {
    expect(parseConfig('', 'cors.yaml', {}).receivers.otlp.http.cors).toEqual({ allowed_origins: [], allowed_headers: [], exposed_headers: [] });
    expect(parseConfig(cors(''), 'cors.yaml', {}).receivers.otlp.http.cors.allowed_origins).toEqual([]);
  });

  it("takes the collector's example as it is", () => {
    const c = parseConfig(
      cors(
        [
          '        allowed_origins:',
          '          - https://foo.bar.com',
          '          - https://*.test.com',
          '        allowed_headers:',
          '          - Example-Header',
          '        exposed_headers:',
          '          - Example-Expose-Header',
          '        max_age: 7200',
        ].join('\n'),
      ),
      'cors.yaml',
      {},
    );
    expect(c.receivers.otlp.http.cors).toEqual({
      allowed_origins: ['https://foo.bar.com', 'https://*.test.com'],
      allowed_headers: ['Example-Header'],
      exposed_headers: ['Example-Expose-Header'],
      max_age: 7200,
    });
  });

  it('max_age also takes a duration, kept in seconds', () => {
    const c = parseConfig(cors('        allowed_origins: ["*"]\n        max_age: 2h\n'), 'cors.yaml', {});
    expect(c.receivers.otlp.http.cors.max_age).toBe(7200);
  });

  it('refuses origins that never match, naming the fix', () => {
    const ps = problems(cors('        allowed_origins: [https://app.example.com/, app.example.com, "https://*.*.example.com", "https://a b"]\n        max_age: soon\n'));
    expect(ps).toEqual([
      'cors.yaml:5:27: receivers.otlp.http.cors.allowed_origins.0: "https://app.example.com/" is not an origin: an origin has no path, and browsers send none, so it would never match; write "https://app.example.com"',
      'cors.yaml:5:53: receivers.otlp.http.cors.allowed_origins.1: "app.example.com" is not an origin: write its scheme too, e.g. "https://app.example.com"',
      'cors.yaml:5:70: receivers.otlp.http.cors.allowed_origins.2: "https://*.*.example.com": one * per origin at most, as in the collector (e.g. https://*.example.com)',
      'cors.yaml:5:97: receivers.otlp.http.cors.allowed_origins.3: "https://a b" is not an origin (scheme://host[:port], e.g. https://app.example.com)',
      'cors.yaml:6:18: receivers.otlp.http.cors.max_age: "soon" is not a duration (a number of seconds as in the collector, or a unit: 600s, 2h)',
    ]);
  });

  it('headers without origins would do nothing: an error, not a silent no-op', () => {
    expect(problems(cors('        allowed_headers: [Authorization]\n'))).toEqual([
      'cors.yaml:5:9: receivers.otlp.http.cors.allowed_origins: is empty, so CORS is off and allowed_headers would do nothing; list the origins of the pages that send spans (e.g. https://app.example.com)',
    ]);
    expect(problems(cors('        allowed_origins: ["https://a.example"]\n        allowed_headers: ["Bad Header"]\n'))[0]).toContain('receivers.otlp.http.cors.allowed_headers.0: not a header name');
  });
});
