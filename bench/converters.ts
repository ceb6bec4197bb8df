/**
 * Per-span cost of the converters that parse or format text, on one span:
 *
 *   node --import tsx bench/converters.ts
 *
 * Prints evaluations per second and nanoseconds per evaluation of each condition.
 */
import { compileCondition } from '../processors/condition/index.js';
import { makeSpan } from '../tests/support/condition.js';

const span = makeSpan({
  attrs: {
    kv: 'a=1 b=2 c=3',
    csv: 'x,y,z',
    url: 'https://api.example.com:8443/v1/chat?x=1',
    ua: 'Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0',
    id: 'order-123',
  },
});

const CONDITIONS = [
  'Murmur3Hash(attributes["id"]) == "x"',
  'XXH3(attributes["id"]) == "x"',
  'ParseKeyValue(attributes["kv"])["b"] == "2"',
  'ParseCSV(attributes["csv"], "a,b,c")["b"] == "y"',
  'URL(attributes["url"])["url.port"] == 8443',
  'Format("%s-%04d", [name, kind]) == "x"',
  'FormatTime(start_time, "%Y-%m-%d") == "2023-11-14"',
  'UserAgent(attributes["ua"])["user_agent.name"] == "Firefox"',
];

for (const c of CONDITIONS) {
  const { match } = compileCondition(c);
  for (let i = 0; i < 20_000; i++) match(span);
  const n = 200_000;
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) match(span);
  const ns = Number(process.hrtime.bigint() - t) / n;
  console.log(`${(1e3 / ns).toFixed(2)}M/s  ${ns.toFixed(0)} ns  ${c}`);
}
