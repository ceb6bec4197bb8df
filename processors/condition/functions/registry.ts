import { COLLECTION_FUNCTIONS } from './collections.js';
import type { FunctionDef } from './define.js';
import { HASH_FUNCTIONS } from './hashes.js';
import { SPAN_FUNCTIONS } from './spans.js';
import { STRING_FUNCTIONS } from './strings.js';
import { TIME_FUNCTIONS } from './time.js';
import { TYPE_FUNCTIONS } from './typing.js';

/** Every converter a condition can call, by name. */
export const FUNCTIONS: Record<string, FunctionDef> = {
  ...STRING_FUNCTIONS,
  ...TYPE_FUNCTIONS,
  ...HASH_FUNCTIONS,
  ...TIME_FUNCTIONS,
  ...COLLECTION_FUNCTIONS,
  ...SPAN_FUNCTIONS,
};

export function isFunctionName(name: string): boolean {
  return Object.hasOwn(FUNCTIONS, name);
}

/**
 * OTTL converters spansift does not provide, and why; a condition calling one is refused
 * with this reason rather than "unknown function".
 */
export const NOT_PROVIDED: Record<string, string> = {
  All: 'lambda converters are alpha in OTTL (behind a feature gate) and are not supported',
  Any: 'lambda converters are alpha in OTTL (behind a feature gate) and are not supported',
  Filter: 'lambda converters are alpha in OTTL (behind a feature gate) and are not supported',
  Find: 'lambda converters are alpha in OTTL (behind a feature gate) and are not supported',
  MapEach: 'lambda converters are alpha in OTTL (behind a feature gate) and are not supported',
  MapKeys: 'lambda converters are alpha in OTTL (behind a feature gate) and are not supported',
  Reduce: 'lambda converters are alpha in OTTL (behind a feature gate) and are not supported',
  When: 'lambda converters are alpha in OTTL (behind a feature gate) and are not supported',
  UUID: 'UUID returns a new random value each time; a rule must be a pure function of the span',
  UUIDv7: 'UUIDv7 returns a new value each time; a rule must be a pure function of the span',
  ProfileID: 'ProfileID belongs to the profile context; spansift conditions are about spans',
  ParseSeverity: 'ParseSeverity maps log severities; spansift conditions are about spans',
  ParseXML: 'the XML converters are not supported by spansift',
  ParseSimplifiedXML: 'the XML converters are not supported by spansift',
  GetXML: 'the XML converters are not supported by spansift',
  InsertXML: 'the XML converters are not supported by spansift',
  RemoveXML: 'the XML converters are not supported by spansift',
  ConvertAttributesToElementsXML: 'the XML converters are not supported by spansift',
  ConvertTextToElementsXML: 'the XML converters are not supported by spansift',
  ExtractGrokPatterns: 'grok patterns are not supported by spansift; use IsMatch with an RE2 pattern',
  ExtractPatterns: 'ExtractPatterns is not supported by spansift; use IsMatch with an RE2 pattern',
  ParseCSV: 'ParseCSV is not supported by spansift',
  ParseKeyValue: 'ParseKeyValue is not supported by spansift',
  ToKeyValueString: 'ToKeyValueString is not supported by spansift',
  SliceToMap: 'SliceToMap is not supported by spansift',
  UserAgent: 'UserAgent is not supported by spansift (it needs the uap-core database)',
  URL: 'URL is not supported by spansift',
  Time: 'Time (parsing dates with a format) is not supported by spansift',
  FormatTime: 'FormatTime is not supported by spansift',
  Format: "Format (Go's fmt.Sprintf) is not supported by spansift; use Concat",
  CommunityID: 'CommunityID is not supported by spansift',
  Murmur3Hash: 'Murmur3Hash is not supported by spansift; use FNV, MD5, SHA1, SHA256 or SHA512',
  Murmur3Hash128: 'Murmur3Hash128 is not supported by spansift; use FNV, MD5, SHA1, SHA256 or SHA512',
  XXH3: 'XXH3 is not supported by spansift; use FNV, MD5, SHA1, SHA256 or SHA512',
  XXH128: 'XXH128 is not supported by spansift; use FNV, MD5, SHA1, SHA256 or SHA512',
};
