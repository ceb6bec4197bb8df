import { COLLECTION_FUNCTIONS } from './collections.js';
import { CTIME_FUNCTIONS } from './ctime.js';
import type { FunctionDef } from './define.js';
import { DIGEST_FUNCTIONS } from './digests.js';
import { HASH_FUNCTIONS } from './hashes.js';
import { SPAN_FUNCTIONS } from './spans.js';
import { STRING_FUNCTIONS } from './strings.js';
import { STRUCTURED_FUNCTIONS } from './structured.js';
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
  ...DIGEST_FUNCTIONS,
  ...STRUCTURED_FUNCTIONS,
  ...CTIME_FUNCTIONS,
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
};
