import { describe, expect, it } from 'vitest';
import { compileCondition } from '../index.js';
import { makeSpan } from '../../../tests/support/condition.js';
import { EVAL_ERROR } from '../values.js';
import { communityId, murmur3Hex128, murmur3Hex32, xxh128Hex, xxh3Hex } from './digests.js';

/** Expected digests are the collector's own test vectors (pkg/ottl/ottlfuncs func_murmur3, func_xxh3, func_xxh128, func_community_id tests). */
describe('hashes', () => {
  it('Murmur3Hash and Murmur3Hash128 are the little-endian hex of MurmurHash3 x86_32 and x64_128', () => {
    expect(murmur3Hex32('Hello World')).toBe('ce837619');
    expect(murmur3Hex128('Hello World')).toBe('dbc2a0c1ab26631a27b4c09fcf1fe683');
    expect(murmur3Hex128('')).toBe('00000000000000000000000000000000');
  });

  it('XXH3 and XXH128 are the big-endian hex of XXH3-64 and XXH3-128', () => {
    expect(xxh3Hex('hello world')).toBe('d447b1ea40e6988b');
    expect(xxh3Hex('')).toBe('2d06800538d394c2');
    expect(xxh128Hex('hello world')).toBe('df8d09e93f874900a99b8775cc15b6c7');
    expect(xxh128Hex('')).toBe('99aa06d3014798d86001c324468d497f');
  });

  it('take a string: an int or nil is an error, so the condition is not met', () => {
    const span = makeSpan({ attrs: { n: 10, s: 'Hello World' } });
    const m = (c: string) => compileCondition(c).match(span);
    expect(m('Murmur3Hash(attributes["s"]) == "ce837619"')).toBe(true);
    for (const f of ['Murmur3Hash', 'Murmur3Hash128', 'XXH3', 'XXH128']) {
      expect(m(`${f}(attributes["n"]) != ""`)).toBe(false);
      expect(m(`not (${f}(attributes["missing"]) == "")`)).toBe(false);
    }
  });
});

describe('CommunityID', () => {
  it.each<[string, number, string, number, string, number, string]>([
    ['1.2.3.4', 12345, '5.6.7.8', 80, 'TCP', 0, '1:0by3b/tE95hcOzccyt6d4kjgbZc='],
    ['5.6.7.8', 80, '1.2.3.4', 12345, 'TCP', 0, '1:0by3b/tE95hcOzccyt6d4kjgbZc='],
    ['192.168.1.1', 53, '10.10.10.10', 53000, 'UDP', 0, '1:gQ05/45srnixHs8V/2ejpkxhBwg='],
    ['10.10.10.10', 53000, '192.168.1.1', 53, 'ICMP', 0, '1:9TGPWejPFuBlKrHuVcM3iaA8hf8='],
    ['10.10.10.10', 53, '192.168.1.1', 53000, 'RSVP', 0, '1:rkXhRghBvx2yf3zgDnSHuJ35XaY='],
    ['192.168.1.1', 53, '10.10.10.10', 53000, 'ICMP6', 0, '1:bchQ2SAoVf2Iq1XdGBXObLJ2i64='],
    ['192.168.1.1', 53, '10.10.10.10', 53000, 'SCTP', 0, '1:zo1kfEyhghMaeU7tQDCE2G+ITQc='],
    ['2001:db8::1', 8080, '2001:db8::2', 443, 'TCP', 0, '1:c5m26SNBLmvfaBQJNWKXZwUGGcM='],
    ['192.168.1.1', 12345, '192.168.1.2', 80, 'TCP', 1234, '1:v1n8p4IZW9jXIJnFANLbRU2ahdU='],
    ['10.0.0.2', 80, '10.0.0.1', 12345, 'TCP', 0, '1:CpuULklTENbGdRpvp7gNcQd5ZqA='],
    ['127.0.0.1', 8080, '127.0.0.1', 8080, 'TCP', 0, '1:sG2vk7rcZ12ZxPg+nnwljgdVEGw='],
    ['2001:db8::1', 8080, '10.1.1.1', 443, 'TCP', 0, '1:T1e3va6jTSWaSKkG3k4dnZq5VM8='],
    ['10.1.1.1', 8080, '10.1.1.2', 8079, 'TCP', 0, '1:1fjNfFLjLTsO2WE9AY0TbTeSaBs='],
    ['10.1.1.2', 8081, '10.1.1.2', 8080, 'TCP', 0, '1:3byUvmBpOu8KHoTRr4eN5AjTQEU='],
  ])('%s:%d %s:%d %s seed %d', (src, sp, dst, dp, proto, seed, expected) => {
    expect(communityId(src, sp, dst, dp, proto, seed)).toBe(expected);
  });

  it('is an error on a bad address, port, protocol or seed', () => {
    const span = makeSpan({ attrs: { ip: '10.0.0.1', bad: 'invalid-ip' } });
    const m = (c: string) => compileCondition(c).match(span);
    expect(m('CommunityID(attributes["ip"], 80, "10.0.0.2", 12345, "TCP", 0) == CommunityID("10.0.0.2", 12345, attributes["ip"], 80)')).toBe(true);
    for (const c of [
      'CommunityID(attributes["bad"], 80, "10.0.0.1", 12345) != ""',
      'CommunityID(attributes["ip"], 0, "10.0.0.2", 1) != ""',
      'CommunityID(attributes["ip"], 80, "10.0.0.2", 65536) != ""',
      'CommunityID(attributes["ip"], 80, "10.0.0.2", 1, "UNKNOWN") != ""',
      'CommunityID(attributes["ip"], 80, "10.0.0.2", 1, "TCP", 65536) != ""',
      'CommunityID(attributes["missing"], 80, "10.0.0.2", 1) != ""',
    ]) expect(m(c)).toBe(false);
    expect(() => communityId('010.0.0.1', 1, '10.0.0.2', 2, 'TCP', 0)).toThrow(expect.objectContaining({ name: EVAL_ERROR.name }));
  });
});
