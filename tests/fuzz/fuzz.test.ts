/**
 * Fuzzing what takes untrusted input: the OTLP decoders (protobuf, JSON, and the gzip,
 * deflate and brotli bodies around them), the condition compiler (and the compiled
 * condition run on spans), and the config loader. Inputs are valid ones mutated: bytes
 * flipped, inserted, removed and cut for binary formats; values swapped at random places
 * for JSON; characters and lines changed for text. Each must end in a result or in the
 * error the part is documented to throw (DecodeError / SpansiftError, ConditionError,
 * ConfigError): never another exception, never a hang (the test's time limit).
 *
 * A fixed seed and 20,000 runs per target in `npm test`; `npm run fuzz` runs
 * longer with a fresh seed (SPANSIFT_FUZZ_RUNS, SPANSIFT_FUZZ_SEED). A failing input is
 * printed with its seed and path; keep it under regressions/ (one file per input), where
 * every run replays it first.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { decodeJson, decodeProtobuf, isDecodeError } from '../../collector/receivers/otlp/decode.js';
import { decodeContent } from '../../collector/receivers/otlp/body.js';
import { SpansiftError } from '../../collector/errors.js';
import { compileCondition, ConditionError } from '../../processors/condition/index.js';
import { parseConfigText } from '../../cli/config.js';
import { ConfigError } from '../../config/load.js';
import { AGREEMENT_CONDITIONS, agreementSpans } from '../support/agree-fixtures.js';

const RUNS = Number(process.env.SPANSIFT_FUZZ_RUNS ?? 20_000);
const LONG = RUNS > 20_000;
/** Fixed in `npm test`; a long run takes a fresh one (printed, to replay a failure with SPANSIFT_FUZZ_SEED). */
const SEED = Number(process.env.SPANSIFT_FUZZ_SEED ?? (LONG ? Date.now() % 2 ** 31 : 20261201));
const TIMEOUT = LONG ? 3_600_000 : 120_000;
const params = { numRuns: RUNS, seed: SEED, endOnFailure: true };

const REGRESSIONS = new URL('./regressions/', import.meta.url);
/** Kept failing inputs of one target, as bytes. */
function regressions(target: string): Array<[string, Buffer]> {
  const dir = new URL(`${target}/`, REGRESSIONS);
  let names: string[] = [];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return names.map((n) => [n, readFileSync(new URL(n, dir))]);
}

/** An edit of a byte string: flip, insert, delete, or cut at a position (taken modulo the length). */
const byteEdit = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ op: fc.constant('cut' as const), at: fc.nat() }),
  // Protobuf varints: a run of continuation bytes, or the largest lengths.
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.constantFrom(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), Uint8Array.of(0x80, 0x80, 0x80, 0x80), Uint8Array.of(0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f)) }),
);
type ByteEdit = typeof byteEdit extends fc.Arbitrary<infer T> ? T : never;

function applyEdits(input: Uint8Array, edits: ByteEdit[]): Uint8Array {
  let b = Buffer.from(input);
  for (const e of edits) {
    const at = b.length ? e.at % (b.length + 1) : 0;
    if (e.op === 'flip' && b.length) b[at % b.length] ^= e.byte || 1;
    else if (e.op === 'insert') b = Buffer.concat([b.subarray(0, at), e.bytes, b.subarray(at)]);
    else if (e.op === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + e.count)]);
    else if (e.op === 'cut') b = b.subarray(0, at);
  }
  return b;
}

/** Requests a real SDK makes: every attribute type, events, links, status, kinds. */
function sdkRequests(): Uint8Array[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('fuzz', '1.0.0');
  const parent = tracer.startSpan('chat gpt-4o', { kind: SpanKind.CLIENT, attributes: { 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 40, 'llm.temperature': 0.2, 'stream': true } });
  parent.setAttribute('gen_ai.prompt.0.content', 'What is the weather in Paris? ✓ 𝄞');
  parent.setAttribute('tags', ['a', 'b', 'c']);
  parent.setAttribute('scores', [1, 2, 3]);
  parent.addEvent('gen_ai.content.prompt', { 'gen_ai.prompt': '[{"role":"user","content":"hi"}]' });
  parent.setStatus({ code: SpanStatusCode.ERROR, message: 'rate limited' });
  const child = tracer.startSpan('tool call', { links: [{ context: parent.spanContext(), attributes: { why: 'follows' } }] });
  child.end();
  parent.end();
  const spans = memory.getFinishedSpans();
  return [ProtobufTraceSerializer.serializeRequest(spans)!, ProtobufTraceSerializer.serializeRequest(spans.slice(0, 1))!];
}

/** What a decoder may do with any bytes: decode them, or refuse them with its own error. */
function decodesOrRefuses(decode: () => unknown): void {
  try {
    decode();
  } catch (e) {
    if (isDecodeError(e) || e instanceof SpansiftError) return;
    throw e;
  }
}

const TRACE_JSON = readFileSync(new URL('../../collector/receivers/otlp/testdata/trace.json', import.meta.url), 'utf8');

/** A JSON document with the value at one random place (of those there are) replaced. */
function replaceAt(doc: unknown, pick: number, replacement: unknown): unknown {
  const places: Array<{ parent: Record<string, unknown> | unknown[]; key: string | number }> = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach((x, i) => (places.push({ parent: v, key: i }), walk(x)));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) (places.push({ parent: v as Record<string, unknown>, key: k }), walk(x));
  };
  const copy = JSON.parse(JSON.stringify(doc));
  walk(copy);
  if (places.length === 0) return replacement;
  const p = places[pick % places.length];
  (p.parent as Record<string | number, unknown>)[p.key] = replacement;
  return copy;
}

/** Values that trip decoders: wrong types, huge and odd numbers, lone surrogates, deep nesting. */
const nasty = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom('a\ud800', '\udfff', '18446744073709551615', '-1', '1e400', 'NaN', '0x10', '', ' ', 'ZZ', '0af7651916cd43dd8448eb211c80319c0', '\u0000', null, [], {}, true, 2 ** 64, -0, 1.5),
  fc.integer({ min: 1, max: 80 }).map((depth) => JSON.parse('['.repeat(depth) + ']'.repeat(depth))),
);

describe('fuzzing the OTLP decoders', () => {
  const seeds = sdkRequests();

  it('protobuf: mutated requests decode or are refused', { timeout: TIMEOUT }, () => {
    for (const [name, input] of regressions('protobuf')) expect(() => decodesOrRefuses(() => decodeProtobuf(input)), name).not.toThrow();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: seeds.length - 1 }), fc.array(byteEdit, { minLength: 1, maxLength: 8 }), (which, edits) => {
        decodesOrRefuses(() => decodeProtobuf(applyEdits(seeds[which], edits)));
      }),
      params,
    );
  });

  it('protobuf: random bytes decode or are refused', { timeout: TIMEOUT }, () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => decodesOrRefuses(() => decodeProtobuf(bytes))), params);
  });

  it('JSON: the spec example with values replaced anywhere decodes or is refused', { timeout: TIMEOUT }, () => {
    for (const [name, input] of regressions('json')) expect(() => decodesOrRefuses(() => decodeJson(input)), name).not.toThrow();
    const doc = JSON.parse(TRACE_JSON);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), nasty), { minLength: 1, maxLength: 4 }), (changes) => {
        let d: unknown = doc;
        for (const [pick, value] of changes) d = replaceAt(d, pick, value);
        decodesOrRefuses(() => decodeJson(JSON.stringify(d)));
      }),
      params,
    );
  });

  it('JSON: values nested far deeper than any limit are refused, not a stack overflow', () => {
    for (const depth of [100, 10_000, 1_000_000]) {
      const deep = '['.repeat(depth) + ']'.repeat(depth);
      const text = TRACE_JSON.replace('"stringValue": "my.service"', `"arrayValue": {"values": ${deep}}`);
      expect(text).not.toBe(TRACE_JSON);
      expect(() => decodesOrRefuses(() => decodeJson(text)), String(depth)).not.toThrow();
    }
  });

  it('JSON: mutated text decodes or is refused', { timeout: TIMEOUT }, () => {
    const bytes = Buffer.from(TRACE_JSON);
    fc.assert(fc.property(fc.array(byteEdit, { minLength: 1, maxLength: 8 }), (edits) => decodesOrRefuses(() => decodeJson(applyEdits(bytes, edits)))), params);
  });

  it('compressed bodies: mutated gzip, deflate and brotli are undone or refused', { timeout: TIMEOUT }, async () => {
    const body = Buffer.from(seeds[0]);
    const packed = { gzip: gzipSync(body), deflate: deflateSync(body), br: brotliCompressSync(body) };
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('gzip', 'deflate', 'br' as const), fc.array(byteEdit, { minLength: 1, maxLength: 4 }), async (enc, edits) => {
        try {
          const out = await decodeContent(Buffer.from(applyEdits(packed[enc as keyof typeof packed], edits)), enc, 1 << 20);
          decodesOrRefuses(() => decodeProtobuf(out));
        } catch (e) {
          if (!(e instanceof SpansiftError)) throw e;
        }
      }),
      { ...params, numRuns: Math.ceil(RUNS / 3) },
    );
  });
});

describe('fuzzing the condition compiler', () => {
  const spans = agreementSpans();
  /** Compiles, or refuses with a ConditionError; what compiles runs on every span without throwing. */
  const compilesOrRefuses = (text: string) => {
    let c;
    try {
      c = compileCondition(text);
    } catch (e) {
      if (e instanceof ConditionError) return;
      throw e;
    }
    for (const s of spans) expect(typeof c.match(s)).toBe('boolean');
  };

  it('mutated conditions compile or are refused at a position, and run on spans', { timeout: TIMEOUT }, () => {
    for (const [name, input] of regressions('condition')) expect(() => compilesOrRefuses(input.toString('utf8')), name).not.toThrow();
    const pieces = ['(', ')', '"', '\\', ' and ', ' or ', 'not ', '==', '!=', '<=', '[', ']', '"k"', 'attributes', 'IsMatch(', ',', '1e309', '-', '.', 'nil', '\ud800', '\n', 'Len(', 'Int(', '0x', '9'.repeat(30)];
    fc.assert(
      fc.property(
        fc.constantFrom(...AGREEMENT_CONDITIONS),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 4 }))), { minLength: 1, maxLength: 6 }),
        (text, edits) => {
          let t = text;
          for (const [at, del, piece] of edits) {
            const i = at % (t.length + 1);
            t = t.slice(0, i) + piece + t.slice(i + (del % 3));
          }
          compilesOrRefuses(t);
        },
      ),
      params,
    );
  });

  it('any text compiles or is refused', { timeout: TIMEOUT }, () => {
    fc.assert(fc.property(fc.string({ maxLength: 200, unit: 'binary' }), compilesOrRefuses), params);
  });

  it('deep nesting is refused, not a stack overflow', () => {
    for (const depth of [1000, 100_000]) expect(() => compilesOrRefuses(`${'('.repeat(depth)}name == "x"${')'.repeat(depth)}`)).not.toThrow();
    expect(() => compilesOrRefuses(`${'not '.repeat(100_000)}name == "x"`)).not.toThrow();
  });
});

describe('fuzzing the config loader', () => {
  const DEFAULT = readFileSync(new URL('../../config/spansift.yaml', import.meta.url), 'utf8');
  const EXAMPLE = `queues:
  answers:
    labels:
      - { name: correct, type: boolean, required: true, hotkey: c }
      - { name: quality, type: numeric, min: 1, max: 5, step: 1 }
      - { name: tone, type: categorical, values: { good: 1, bad: 0 } }
    labelers_per_item: 2
    review: { queue: second, labelers_differ_by: 0.5 }
    on_complete:
      - add_to_dataset: { dataset: golden, when: 'labels["correct"] == true' }
  second:
    labels: [{ name: correct, type: boolean }]
rules:
  - name: llm
    when: 'attributes["gen_ai.system"] != nil and IsMatch(name, "^chat")'
    route_to: answers
    sample: 0.5
    rate_limit: 10/s
    dedupe: { by: input, within: 1h }
users:
  ann: { role: labeler, queues: [answers], password_hash: '$scrypt$ln=15,r=8,p=1$c2FsdA==$aGFzaA==' }
`;
  /** Loads, or refuses with a ConfigError; never another exception, and nothing printed as a process warning. */
  const loadsOrRefuses = (text: string) => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    const emit = process.emitWarning;
    process.emitWarning = ((w: string | Error) => onWarning(typeof w === 'string' ? new Error(w) : w)) as typeof process.emitWarning;
    try {
      parseConfigText(text, 'fuzz.yaml', { SPANSIFT_DATA_DIR: '/tmp/x' });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
    } finally {
      process.emitWarning = emit;
    }
    if (warnings.length) throw new Error(`the config loader printed a warning: ${warnings[0]}`);
  };

  it('mutated configs load or are refused with their problems', { timeout: TIMEOUT }, () => {
    for (const [name, input] of regressions('config')) expect(() => loadsOrRefuses(input.toString('utf8')), name).not.toThrow();
    const pieces = [':', '- ', '  ', '\n', '{', '}', '[', ']', '"', "'", '&a', '*a', '<<: *a', '!!binary', '!!js/function', '${env:X}', '${env:', '~', 'null', '1e999', '0x', '#', '|', '>', '\t', '__proto__: {}', 'constructor:', '\ud800'];
    fc.assert(
      fc.property(
        fc.constantFrom(DEFAULT, EXAMPLE),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 6 }))), { minLength: 1, maxLength: 6 }),
        (text, edits) => {
          let t = text;
          for (const [at, del, piece] of edits) {
            const i = at % (t.length + 1);
            t = t.slice(0, i) + piece + t.slice(i + (del % 5));
          }
          loadsOrRefuses(t);
        },
      ),
      { ...params, numRuns: Math.ceil(RUNS / 2) },
    );
  });

  it('YAML bombs and deep nesting are refused, not expanded', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`)].join('\n');
    expect(() => loadsOrRefuses(bomb)).not.toThrow();
    expect(() => loadsOrRefuses(`queues: ${'['.repeat(50_000)}${']'.repeat(50_000)}`)).not.toThrow();
  });
});

if (LONG) console.log(`fuzz: ${RUNS} runs per target, seed ${SEED}`);
