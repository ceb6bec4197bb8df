import { describe, expect, it } from 'vitest';
import { compileCondition, ottlExtensions } from './index.js';

const found = (src: string) => ottlExtensions(src, compileCondition(src).ast).map((x) => `${x.column}: ${x.message}`);

describe('ottlExtensions: what OTTL itself does not have', () => {
  it('finds nothing in plain OTTL', () => {
    for (const src of [
      'end_time - start_time > Duration("5s") and IsMatch(name, "^chat")',
      'attributes["cached"] == true and kind == SPAN_KIND_CLIENT',
      'trace_id == TraceID(0x000000000000000000000000000000aa) or span_id.string == "00000000000000aa"',
      'Len(attributes["tags"]) > 1.0 and ContainsValue(["a"], attributes["k"])',
    ]) {
      expect(found(src), src).toEqual([]);
    }
  });

  it('names each addition at its place', () => {
    expect(found('duration > 5s')).toEqual([
      '1: OTTL has no duration path; write end_time - start_time',
      '12: OTTL has no duration literals: write Duration("5s")',
    ]);
    expect(found('HasEvent("x") and Len(events) > 0')).toEqual([
      '1: HasEvent is spansift\'s; in the collector, match events in the span event context (spanevent.name == "...")',
      '23: OTTL reads events in the span event context; spansift counts them with Len(events)',
    ]);
    expect(found('attributes["cached"]')).toEqual(['1: OTTL needs a comparison here: write attributes["cached"] == true']);
    expect(found('start_time > 1700000000000000000')).toEqual([
      '1: OTTL does not compare a time with a number (it is always "not equal"); compare with Duration("...") or use start_time_unix_nano / end_time_unix_nano',
    ]);
    expect(found('trace_id == "00000000000000000000000000000001"')).toEqual([
      '1: OTTL does not compare a trace id with a string (it is always "not equal"); use the .string path or TraceID("...")',
    ]);
    expect(found('attributes["n"] > 1e3')).toEqual(['19: OTTL reads floats only with a decimal point: write 1000.0']);
    expect(found('name == "a\\/b"')).toEqual(["9: OTTL strings use Go escapes: \\/ and surrogate pairs are spansift's; write the character itself"]);
  });

  it('reports lines and columns in code points', () => {
    const [x] = ottlExtensions('name == "😀"\n  and duration > 1', compileCondition('name == "😀"\n  and duration > 1').ast);
    expect(x).toMatchObject({ line: 2, column: 7 });
  });
});
