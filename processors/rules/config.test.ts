/**
 * Queues and rules in the config file: broken files in testdata/config-errors/ give
 * every problem at once, each with the line and column where it is, its key path and a
 * message. A bad condition points at the error inside the `when` string, whatever YAML
 * scalar style holds it (quotes, escapes, folded lines and block scalars shift it).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfigFile as load, parseConfig as parse, type ConfigProblem } from '../../config/load.js';
import { checkConditions } from './config-check.js';

const loadConfigFile = (file: string, env: Record<string, string>) => load(file, env, [checkConditions]);
const parseConfig = (text: string, file: string, env: Record<string, string>) => parse(text, file, env, [checkConditions]);

const data = (name: string) => fileURLToPath(new URL(`./testdata/config-errors/${name}`, import.meta.url));

type Problem = Omit<ConfigProblem, 'file'>;

/** The problems a file is rejected with; fails the test when it is accepted. */
function problemsOf(name: string): Problem[] {
  const file = data(name);
  try {
    loadConfigFile(file, {});
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    const problems = (e as ConfigError).problems;
    for (const p of problems) expect(p.file).toBe(file);
    return problems.map(({ line, column, path, message }) => ({ line, column, path, message }));
  }
  throw new Error(`${name} was accepted`);
}

/** The text of a file from a problem's line and column to the end of that line. */
function textAt(name: string, p: Problem): string {
  return readFileSync(data(name), 'utf8').split('\n')[p.line - 1].slice(p.column - 1);
}

function problemsOfText(text: string): Problem[] {
  try {
    parseConfig(text, 'inline.yaml', {});
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems.map(({ line, column, path, message }) => ({ line, column, path, message }));
  }
  throw new Error('the config was accepted');
}

describe('valid queues and rules', () => {
  it('rules-valid.yaml: defaults filled in, route_to always a list, durations in ms', () => {
    const c = loadConfigFile(data('rules-valid.yaml'), {});
    expect(c.queues['answer-quality']).toEqual({
      instructions: 'Is the answer correct and grounded in the retrieved context?',
      labels: [
        { name: 'correct', type: 'boolean', hotkey: 'c', required: false },
        { name: 'quality', type: 'numeric', min: 1, max: 5, required: false },
        { name: 'issue', type: 'categorical', values: { none: 0, hallucination: 1, refusal: 2 }, required: false },
        { name: 'note', type: 'text', required: false },
      ],
      labelers_per_item: 2,
      show: ['input', 'output', 'system'],
      redact: [],
      on_complete: [],
    });
    expect(Object.keys(c.queues)).toEqual(['answer-quality', 'v1.errors_triage']);
    expect(c.rules).toEqual([
      {
        name: 'slow-gpt4o',
        when: 'attributes["gen_ai.request.model"] == "gpt-4o" and duration > 5s',
        route_to: ['answer-quality'],
        sample: 0.2,
        rate_limit: '100/h',
        dedupe: { by: 'trace_id', within: 3_600_000 },
        enabled: true,
      },
      { name: 'errors.v2', when: 'status.code == STATUS_CODE_ERROR', route_to: ['v1.errors_triage'], sample: 1, enabled: false },
    ]);
  });
});

describe('broken rules files: every problem at once, with line, column, key path and message', () => {
  it('rules-unknown-queue.yaml: route_to names a missing queue, as a string and in lists (flow and block)', () => {
    expect(problemsOf('rules-unknown-queue.yaml')).toEqual([
      { line: 11, column: 15, path: 'rules.0.route_to', message: 'unknown queue "answer-qualty" (queues: answer-quality, errors)' },
      { line: 14, column: 24, path: 'rules.1.route_to.1', message: 'unknown queue "triage" (queues: answer-quality, errors)' },
      { line: 14, column: 48, path: 'rules.1.route_to.3', message: 'unknown queue "audit" (queues: answer-quality, errors)' },
      { line: 19, column: 9, path: 'rules.2.route_to.1', message: 'unknown queue "Errors" (queues: answer-quality, errors)' },
    ]);
  });

  it('rules-duplicate-names.yaml: every later use of a name, and a name with a bad character', () => {
    expect(problemsOf('rules-duplicate-names.yaml')).toEqual([
      { line: 8, column: 13, path: 'rules.2.name', message: 'duplicate rule name "gpt4o" (also rules[0])' },
      { line: 9, column: 11, path: 'rules.3.name', message: 'duplicate rule name "gpt4o" (also rules[0])' },
      { line: 13, column: 13, path: 'rules.5.name', message: 'letters, digits, _ . - only, starting with a letter or digit' },
    ]);
  });

  it('rules-bad-limits.yaml: sample out of range, bad rate_limit, dedupe.by and dedupe.within, missing and empty keys', () => {
    expect(problemsOf('rules-bad-limits.yaml')).toEqual([
      { line: 9, column: 13, path: 'rules.0.sample', message: 'Too big: expected number to be <=1' },
      { line: 13, column: 13, path: 'rules.1.sample', message: 'Too small: expected number to be >=0' },
      { line: 17, column: 13, path: 'rules.2.sample', message: 'Invalid input: expected number, received string' },
      { line: 21, column: 17, path: 'rules.3.rate_limit', message: 'expected a count of 1 or more per unit, e.g. 100/h (units: s, m, h, d)' },
      { line: 25, column: 17, path: 'rules.4.rate_limit', message: 'expected a count of 1 or more per unit, e.g. 100/h (units: s, m, h, d)' },
      { line: 29, column: 17, path: 'rules.5.rate_limit', message: 'Invalid input: expected string, received number' },
      { line: 33, column: 19, path: 'rules.6.dedupe.by', message: 'Invalid option: expected one of "trace_id"|"span_id"|"input"' },
      { line: 37, column: 37, path: 'rules.7.dedupe.within', message: '"soon" is not a duration (use a unit: 500ms, 5s, 1h)' },
      { line: 41, column: 13, path: 'rules.8.dedupe.within', message: 'is required (number or string)' },
      { line: 45, column: 39, path: 'rules.9.dedupe.per', message: 'unknown key "per"' },
      { line: 49, column: 14, path: 'rules.10.enabled', message: 'Invalid input: expected boolean, received string' },
      { line: 50, column: 5, path: 'rules.11.when', message: 'is required (string)' },
      { line: 53, column: 11, path: 'rules.12.when', message: 'a condition is required' },
      { line: 57, column: 15, path: 'rules.13.route_to', message: 'Too small: expected array to have >=1 items' },
    ]);
  });

  it('rules-bad-labels.yaml: numeric max <= min, one categorical value, duplicate names and hotkeys, bad hotkeys and types, missing labels', () => {
    expect(problemsOf('rules-bad-labels.yaml')).toEqual([
      { line: 5, column: 54, path: 'queues.numeric.labels.0.max', message: 'max must be greater than min' },
      { line: 6, column: 52, path: 'queues.numeric.labels.1.max', message: 'max must be greater than min' },
      { line: 7, column: 60, path: 'queues.numeric.labels.2.step', message: 'Too small: expected number to be >0' },
      { line: 10, column: 51, path: 'queues.categorical.labels.0.values', message: 'a categorical label needs at least two values' },
      { line: 11, column: 51, path: 'queues.categorical.labels.1.values', message: 'a categorical label needs at least two values' },
      { line: 15, column: 17, path: 'queues.duplicates.labels.1.name', message: 'duplicate label name "correct" (also labels[0])' },
      { line: 16, column: 50, path: 'queues.duplicates.labels.2.hotkey', message: 'hotkey "c" is already used by labels[0]' },
      { line: 19, column: 43, path: 'queues.hotkeys.labels.0.hotkey', message: 'a single lower-case letter or digit' },
      { line: 20, column: 43, path: 'queues.hotkeys.labels.1.hotkey', message: 'a single lower-case letter or digit' },
      { line: 23, column: 30, path: 'queues.types.labels.0.type', message: "Invalid discriminator value. Expected 'boolean' | 'numeric' | 'categorical' | 'text'" },
      { line: 24, column: 9, path: 'queues.types.labels.1.type', message: "Invalid discriminator value. Expected 'boolean' | 'numeric' | 'categorical' | 'text'" },
      { line: 26, column: 5, path: 'queues.no-labels.labels', message: 'is required (array)' },
      { line: 28, column: 13, path: 'queues.empty-labels.labels', message: 'a queue needs at least one label' },
      { line: 31, column: 17, path: 'queues.bad-label-name.labels.0.name', message: 'letters, digits, _ . - only, starting with a letter or digit' },
    ]);
  });

  it('rules-unknown-keys.yaml: unknown keys in a queue, a label, a rule and its dedupe, with did-you-mean', () => {
    expect(problemsOf('rules-unknown-keys.yaml')).toEqual([
      { line: 4, column: 5, path: 'queues.q.instruction', message: 'unknown key "instruction" (did you mean "instructions"?)' },
      { line: 6, column: 36, path: 'queues.q.labels.0.hotkye', message: 'unknown key "hotkye" (did you mean "hotkey"?)' },
      { line: 7, column: 5, path: 'queues.q.labelers_per_itm', message: 'unknown key "labelers_per_itm" (did you mean "labelers_per_item"?)' },
      { line: 8, column: 5, path: 'queues.q.colour', message: 'unknown key "colour"' },
      { line: 10, column: 5, path: 'rules.0.route_to', message: 'is required (string or array)' },
      { line: 12, column: 5, path: 'rules.0.rout_to', message: 'unknown key "rout_to" (did you mean "route_to"?)' },
      { line: 13, column: 5, path: 'rules.0.priority', message: 'unknown key "priority"' },
      { line: 17, column: 5, path: 'rules.1.sampel', message: 'unknown key "sampel" (did you mean "sample"?)' },
      { line: 18, column: 13, path: 'rules.1.dedupe.within', message: 'is required (number or string)' },
      { line: 18, column: 29, path: 'rules.1.dedupe.withn', message: 'unknown key "withn" (did you mean "within"?)' },
    ]);
  });

  it('rules-many-problems.yaml: schema problems and cross-checks of one file together, in file order', () => {
    const problems = problemsOf('rules-many-problems.yaml');
    expect(problems).toEqual([
      { line: 6, column: 48, path: 'queues.q.labels.0.max', message: 'max must be greater than min' },
      { line: 7, column: 5, path: 'queues.q.labeler_per_item', message: 'unknown key "labeler_per_item" (did you mean "labelers_per_item"?)' },
      { line: 9, column: 31, path: 'rules.0.when', message: 'invalid condition at 1:9: expected a value but found end of input' },
      { line: 9, column: 44, path: 'rules.0.route_to', message: 'unknown queue "nowhere" (queues: q)' },
      { line: 10, column: 13, path: 'rules.1.name', message: 'duplicate rule name "a" (also rules[0])' },
      { line: 10, column: 58, path: 'rules.1.sample', message: 'Too big: expected number to be <=1' },
      { line: 11, column: 58, path: 'rules.2.when', message: "invalid condition at 1:34: unexpected character '='; use '==' to compare" },
      { line: 11, column: 81, path: 'rules.2.route_to.1', message: 'unknown queue "elsewhere" (queues: q)' },
      { line: 11, column: 105, path: 'rules.2.rate_limit', message: 'expected a count of 1 or more per unit, e.g. 100/h (units: s, m, h, d)' },
    ]);
    expect(textAt('rules-many-problems.yaml', problems[2])).toMatch(/^',/);
    expect(textAt('rules-many-problems.yaml', problems[6])).toMatch(/^= name"/);
  });
});

describe('a bad condition is located inside its `when` string', () => {
  it('rules-bad-condition.yaml: single-quoted, double-quoted (with escapes), plain, multi-line, block and flow', () => {
    expect(problemsOf('rules-bad-condition.yaml')).toEqual([
      { line: 8, column: 58, path: 'rules.0.when', message: 'invalid condition at 1:47: expected a value but found end of input' },
      { line: 11, column: 23, path: 'rules.1.when', message: "invalid condition at 1:12: unexpected character '''; strings are written in double quotes" },
      { line: 14, column: 51, path: 'rules.2.when', message: "invalid condition at 1:39: unknown enum 'SPAN_KIND_CLINT'" },
      { line: 17, column: 52, path: 'rules.3.when', message: "invalid condition at 1:37: unknown function 'Foo'" },
      { line: 20, column: 65, path: 'rules.4.when', message: "invalid condition at 1:36: unexpected character '='; use '==' to compare" },
      { line: 23, column: 54, path: 'rules.5.when', message: "invalid condition at 1:44: expected ')' but found end of input" },
      { line: 27, column: 24, path: 'rules.6.when', message: "invalid condition at 1:33: unexpected 'parsecs' after the end of the condition" },
      { line: 31, column: 27, path: 'rules.7.when', message: 'invalid condition at 1:35: invalid regular expression: lookahead and lookbehind are not supported by RE2' },
      { line: 36, column: 20, path: 'rules.8.when', message: "invalid condition at 2:14: unexpected character '='; use '==' to compare" },
      { line: 41, column: 22, path: 'rules.9.when', message: "invalid condition at 1:35: unknown enum 'STATUS_CODE_BROKEN'" },
      { line: 43, column: 45, path: 'rules.10.when', message: 'invalid condition at 1:20: unterminated string' },
    ]);
  });

  it('points at the offending text in the file, whatever the scalar style', () => {
    const problems = problemsOf('rules-bad-condition.yaml');
    const at = (i: number) => textAt('rules-bad-condition.yaml', problems[i]);
    expect(at(0)).toBe("'"); // end of input: the closing quote
    expect(at(1)).toBe("''it''''s''] == 1'"); // the first quote inside, written ''
    expect(at(2)).toBe("SPAN_KIND_CLINT'"); // after a '' escape
    expect(at(3)).toBe('Foo(name)"'); // after four \" escapes
    expect(at(4)).toBe('= \\"x\\""'); // after \u00e9 and \U0001F600 escapes
    expect(at(5)).toBe(''); // end of input: the end of a plain scalar
    expect(at(6)).toBe('parsecs'); // on the second line of a plain scalar
    expect(at(7)).toBe('(?<=x)\\")"'); // on the second line of a double-quoted scalar
    expect(at(8)).toBe('= 3'); // second line of a block literal, more indented
    expect(at(9)).toBe('STATUS_CODE_BROKEN'); // second line of a folded block
    expect(at(10)).toBe(`"unterminated', route_to: q }`); // inside a flow mapping
  });

  it('counts from the start of the string through escapes, folds and block indentation', () => {
    const scalars = [
      `'name == "a" and kind === 1'`,
      `'name == "it''s" or kind === 1'`,
      `"name == \\"a\\" and kind === 1"`,
      `"name == \\"\\t\\\\\\\\ \\x41 \\u00e9 \\U0001F600\\" or kind === 1"`,
      `"name == \\"a\\" \\\n      and kind === 1"`,
      `"name == \\"a\\"\n\n      and kind === 1"`,
      `name == "a" and kind === 1`,
      `name == "a"\n      and kind === 1`,
      `>\n      name == "a"\n\n      and kind === 1`,
      `|-\n      name == "a"\n        and kind === 1`,
      `|\n\n      name == "a"\n      and kind === 1`,
    ];
    for (const scalar of scalars) {
      const text = `queues:\n  q:\n    labels: [{ name: ok, type: boolean }]\nrules:\n  - name: r\n    route_to: q\n    when: ${scalar}\n`;
      const problems = problemsOfText(text);
      expect(problems.map((p) => p.path), scalar).toEqual(['rules.0.when']);
      const [p] = problems;
      expect(text.split('\n')[p.line - 1].slice(p.column - 1), scalar).toMatch(/^= 1/);
    }
  });
});

describe('rate limits', () => {
  it('refuses a limit of zero, which would make the rule never enqueue', () => {
    const text = 'queues:\n  q:\n    labels: [{ name: ok, type: boolean }]\nrules:\n  - { name: r, when: name == "x", route_to: q, rate_limit: 0/h }\n';
    expect(problemsOfText(text)).toEqual([
      { line: 5, column: 60, path: 'rules.0.rate_limit', message: 'expected a count of 1 or more per unit, e.g. 100/h (units: s, m, h, d)' },
    ]);
  });
});
