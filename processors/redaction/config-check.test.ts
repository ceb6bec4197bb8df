/**
 * processors.redaction in the config file: a pattern RE2 refuses is a config error at its
 * place inside the string, with the line, column and key path, alongside the file's other problems.
 */
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfigFile, parseConfig } from '../../config/load.js';
import { checkRedaction } from './config-check.js';

const file = fileURLToPath(new URL('./testdata/bad-patterns.yaml', import.meta.url));

describe('redaction config', () => {
  it('reports every bad pattern and value at once, each with line, column and key path', () => {
    let err: unknown;
    try {
      loadConfigFile(file, {}, [checkRedaction]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.map(({ line, column, path, message }) => ({ line, column, path, message }));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ line: 3, path: 'processors.redaction.mask_values.1', message: expect.stringMatching(/email.*credit_card.*api_key/) }),
        { line: 6, column: 10, path: 'processors.redaction.blocked_values.1', message: 'invalid RE2 pattern: lookahead and lookbehind are not supported by RE2' },
        { line: 9, column: 10, path: 'processors.redaction.allowed_values.1', message: expect.stringContaining('invalid RE2 pattern: missing closing )') },
        expect.objectContaining({ line: 10, path: 'processors.redaction.summary', message: expect.stringMatching(/silent.*info.*debug/) }),
        { line: 15, column: 28, path: 'exporters.otlphttp.redaction.blocked_values.0', message: 'invalid RE2 pattern: backreferences are not supported by RE2' },
      ]),
    );
    expect(problems).toHaveLength(5);
  });

  it('fills in the defaults of what is not given', () => {
    const c = parseConfig('processors:\n  redaction:\n    mask_values: [email]\n', 'inline.yaml', {}, [checkRedaction]);
    expect(c.processors.redaction).toEqual({
      ignored_keys: [],
      delete_keys: [],
      mask_keys: [],
      mask_values: ['email'],
      blocked_values: [],
      allowed_values: [],
      redact_all_types: false,
      mask: '****',
      summary: 'silent',
    });
  });
});
