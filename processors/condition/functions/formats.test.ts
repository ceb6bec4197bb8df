import { describe, expect, it } from 'vitest';
import { compileCondition } from '../index.js';
import { makeSpan } from '../../../tests/support/condition.js';
import { DurationValue, EVAL_ERROR, TimeValue } from '../values.js';
import { parseTime } from './ctime.js';
import { GoFloat, goDuration, goSprintf } from './go-fmt.js';
import { formatGoTime, toGoLayout } from './go-time.js';

const utc = (iso: string) => BigInt(Date.parse(iso)) * 1_000_000n;
const layout = (f: string) => (toGoLayout(f) as { layout: string }).layout;

describe('Format (Go fmt.Sprintf)', () => {
  it.each<[string, unknown[], string]>([
    // the collector's tests
    ['test', [], 'test'],
    ['test-%04d', [2], 'test-0002'],
    ['test-%04d-%4s', [2, 'te'], 'test-0002-  te'],
    // Go's fmt, verb by verb
    ['%02d', [3], '03'],
    ['%.2f|%.2f|%.1f|%.0f|%.0f|%.3e|%.2g', [0.125, 0.375, 0.25, 2.5, 3.5, 1.0005, 0.125], '0.12|0.38|0.2|2|4|1.000e+00|0.12'],
    ['%v|%v|%v|%g|%v|%.3g|%f', [0.1, 1e-5, 123456789.5, 1e100, new GoFloat(-0), 100.5, 1e22], '0.1|1e-05|1.234567895e+08|1e+100|-0|100|10000000000000000000000.000000'],
    ['%+d|%-4d|%x|%X|%o|%#x|%b', [5, 7, 255, 255, 8, 255, 5], '+5|7   |ff|FF|10|0xff|101'],
    ['%v|%.2f|%e|%g|%g|%g', [1.5, 3.14159, 1234.5678, 1e-7, 100000.5, 1e21], '1.5|3.14|1.234568e+03|1e-07|100000.5|1e+21'],
    ['%v %v %v', [new GoFloat(1e6), new GoFloat(123456), 1e6], '1e+06 123456 1000000'],
    ['%.3g|%8.3f|%-8.2e|', [new GoFloat(1234), 3.14159, 1234.5678], '1.23e+03|   3.142|1.23e+03|'],
    ['%s|%q|%x|%10s|%-4s|%.2s', ['hi', 'a"b', 'hi', 'right', 'l', 'abc'], 'hi|"a\\"b"|6869|     right|l   |ab'],
    ['%t %v %v', [true, false, null], 'true false <nil>'],
    ['%v', [[1, 'a', [true]]], '[1 a [true]]'],
    ['%v', [{ b: 1, a: 'x' }], 'map[a:x b:1]'],
    ['%c%c', [72, 0x1f600], 'H😀'],
    ['%d%%', [50], '50%'],
    ['%v|%s|%d', [new DurationValue(1_500_000_000n), new DurationValue(90_000_000_000n), new DurationValue(5n)], '1.5s|1m30s|5'],
    ['%v', [new TimeValue(utc('2023-01-01T00:00:00Z'))], '2023-01-01 00:00:00 +0000 UTC'],
    // Go's own text for arguments that do not fit
    ['%d', ['a'], '%!d(string=a)'],
    ['%s', [3], '%!s(int64=3)'],
    ['%d', [1.5], '%!d(float64=1.5)'],
    ['%d', [null], '%!d(<nil>)'],
    ['%s %s', ['a'], 'a %!s(MISSING)'],
    ['%s', ['a', 1, 'b'], 'a%!(EXTRA int64=1, string=b)'],
    ['100%', [], '100%!(NOVERB)'],
    ['%*d', [5, 42], '   42'],
    ['%*d', [10_000_000, 42], '%!(BADWIDTH)42'],
    ['a%99999999d', [1], 'a%!(NOVERB)%!(EXTRA int64=1)'],
    ['%.30f', [0.1], '0.100000000000000005551115123126'],
  ])('%j', (format, args, expected) => {
    expect(goSprintf(format, args)).toBe(expected);
  });

  it('writes durations as Go does', () => {
    expect([0n, 999n, 1_500n, 2_000_000n, 3_600_000_000_000n, -61_000_000_000n].map(goDuration)).toEqual(['0s', '999ns', '1.5µs', '2ms', '1h0m0s', '-1m1s']);
  });

  it('runs in a condition, with the list of values the collector takes', () => {
    const span = makeSpan({ attrs: { priority: 3, host: 'web-1' } });
    expect(compileCondition('Format("%02d", [attributes["priority"]]) == "03"').match(span)).toBe(true);
    expect(compileCondition('Format("%s/%04d", [attributes["host"], Year(start_time)]) == "web-1/2023"').match(span)).toBe(true);
    expect(compileCondition('Format("%.1f %v %d", [2.0, 1000000.0, 2.0]) == "2.0 1e+06 %!d(float64=2)"').match(span)).toBe(true);
    expect(() => compileCondition('Format("%s", attributes["host"])')).toThrow(/list/);
  });
});

describe('FormatTime', () => {
  const t = (iso: string) => utc(iso);
  it.each<[string, string, string]>([
    // the collector's tests
    ['2023-04-12T00:00:00Z', '%Y-%m-%d', '2023-04-12'],
    ['2011-11-11T00:00:00Z', '%d/%m/%y', '11/11/11'],
    ['1993-07-31T00:00:00Z', '%B %d, %Y', 'July 31, 1993'],
    ['2023-03-14T17:02:59Z', '%b %d %Y %H:%M:%S', 'Mar 14 2023 17:02:59'],
    ['2023-05-01T00:00:00Z', '%A, %B %d, %Y', 'Monday, May 01, 2023'],
    ['2023-05-20T00:00:00Z', '%a, %b %d, %Y', 'Sat, May 20, 2023'],
    ['1986-10-01T00:17:33Z', '%Y-%m-%dT%H:%M:%S', '1986-10-01T00:17:33'],
    // the README's example, and Go's layouts in their corners
    ['2023-02-04T00:00:00Z', '%A %h %e %Y', 'Saturday Feb  4 2023'],
    ['2023-02-04T15:04:05.123Z', '%H:%M:%S.%L %p %P %I %l', '15:04:05.123 PM pm 03 3'],
    ['2023-02-04T15:04:05.120Z', '%S,%f|%S.%s', '05,12|05.12'],
    ['2023-02-04T15:04:05Z', '%S.%L|%z|%j|%Z|%q|%g|%%', '05|+0000|+00:00|UTC|2|4|%'],
    ['2023-02-04T15:04:05Z', '%L', '999'],
    ['2023-02-04T15:04:05Z', 'Jan %Y', 'Feb 2023'],
    ['2023-02-04T15:04:05Z', '%c', 'Sat Feb 04 15:04:05 2023'],
  ])('%s %j', (iso, format, expected) => {
    expect(formatGoTime(t(iso), layout(format))).toBe(expected);
  });

  it('takes a time, refuses an empty format or an unknown directive when the config loads', () => {
    const span = makeSpan({ start: utc('2023-02-04T12:00:00Z'), attrs: { s: 'x' } });
    expect(compileCondition('FormatTime(start_time, "%Y-%m-%d") == "2023-02-04"').match(span)).toBe(true);
    expect(compileCondition('FormatTime(attributes["s"], "%Y") != nil').match(span)).toBe(false);
    expect(() => compileCondition('FormatTime(start_time, "")')).toThrow(/empty/);
    expect(() => compileCondition('FormatTime(start_time, "%Q")')).toThrow(/unsupported directive %Q/);
    expect(() => compileCondition('FormatTime(start_time, "%Y 1")')).toThrow(/digits/);
  });
});

describe('Time', () => {
  const now = Date.parse('2024-06-15T12:00:00Z');
  it.each<[string, string, string, string]>([
    // the collector's tests and README
    ['02/04/2023', '%m/%d/%Y', '', '2023-02-04T00:00:00Z'],
    ['Feb 15, 2023', '%b %d, %Y', '', '2023-02-15T00:00:00Z'],
    ['2023-05-26 12:34:56 HST', '%Y-%m-%d %H:%M:%S %Z', '', '2023-05-26T22:34:56Z'],
    ['1986-10-01T00:17:33 MST', '%Y-%m-%dT%H:%M:%S %Z', '', '1986-10-01T07:17:33Z'],
    ['2012-11-01T22:08:41+0000 EST', '%Y-%m-%dT%H:%M:%S%z %Z', '', '2012-11-01T22:08:41Z'],
    ['2023-05-26 12:34:56', '%Y-%m-%d %H:%M:%S', 'America/New_York', '2023-05-26T16:34:56Z'],
    ['2023-01-26 12:34:56', '%Y-%m-%d %H:%M:%S', 'America/New_York', '2023-01-26T17:34:56Z'],
    ['2023-05-26 12:34:56 EDT', '%Y-%m-%d %H:%M:%S %Z', 'America/New_York', '2023-05-26T16:34:56Z'],
    ['2023-07-01 12:00:00 CEST', '%Y-%m-%d %H:%M:%S %Z', 'Europe/Paris', '2023-07-01T10:00:00Z'],
    ['2023-01-01 12:00:00 AEDT', '%Y-%m-%d %H:%M:%S %Z', 'Australia/Sydney', '2023-01-01T01:00:00Z'],
    ['2023-05-26 12:34:56.789 +02:00', '%Y-%m-%d %H:%M:%S.%L %j', '', '2023-05-26T10:34:56.789Z'],
    ['Mon, 26 Jun 2023 1:02:03 pm GMT+2', '%a, %d %b %Y %l:%M:%S %P %Z', '', '2023-06-26T11:02:03Z'],
    // a missing year is this year (last year when that would be over a week ahead); a missing date today
    ['Mar 14 17:02:59', '%b %d %H:%M:%S', '', '2024-03-14T17:02:59Z'],
    ['Dec 14 17:02:59', '%b %d %H:%M:%S', '', '2023-12-14T17:02:59Z'],
    ['17:02:59', '%H:%M:%S', '', '2024-06-15T17:02:59Z'],
  ])('%j %j %j', (text, format, location, iso) => {
    expect(parseTime(layout(format), text, location, now)).toBe(utc(iso));
  });

  it.each<[string, string, string]>([
    ['2023-02-30', '%Y-%m-%d', ''],
    ['2023-02-04 extra', '%Y-%m-%d', ''],
    ['2023-05-26 12:34:56 CST', '%Y-%m-%d %H:%M:%S %Z', ''],
    ['23-5-26', '%Y-%m-%d', ''],
    ['2023-05-26', '%Y-%m-%d', 'Not/AZone'],
  ])('fails on %j %j %j', (text, format, location) => {
    expect(() => parseTime(layout(format), text, location, now)).toThrow(expect.objectContaining({ name: EVAL_ERROR.name }));
  });

  it('compares with span times, and is an error on nil, empty text or a format the collector cannot read', () => {
    const span = makeSpan({ start: utc('2023-03-01T00:00:00Z'), attrs: { when: '02/04/2023', empty: '', n: 1 } });
    const m = (c: string) => compileCondition(c).match(span);
    expect(m('Time(attributes["when"], "%m/%d/%Y") < start_time')).toBe(true);
    expect(m('UnixSeconds(Time("02/04/2023", "%m/%d/%Y")) == 1675468800')).toBe(true);
    expect(m('Time(attributes["empty"], "%m/%d/%Y") != nil')).toBe(false);
    expect(m('Time(attributes["n"], "%m/%d/%Y") != nil')).toBe(false);
    expect(m('Time(attributes["when"], "%Q") != nil')).toBe(false);
    expect(() => compileCondition('Time("x", "")')).toThrow(/empty/);
    // A full date is computed once and bound in SQL; a time outside storage's Int64 range, or a
    // format without a year (the current year or today fills it in), is left to the closure.
    expect(compileCondition('Time("02/04/2023", "%m/%d/%Y") < start_time').sql.exact).toBe(true);
    expect(compileCondition('Time("0001-01-01", "%Y-%m-%d") < start_time').sql.exact).toBe(false);
    expect(m('Time("0001-01-01", "%Y-%m-%d") < start_time')).toBe(true);
    expect(compileCondition('Time("17:02", "%H:%M") < start_time').sql.exact).toBe(false);
    expect(() => compileCondition('Time("mercoledì set 4 2024", "%A %h %e %Y", "", "it")')).toThrow(/English/);
  });
});
