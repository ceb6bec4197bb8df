/**
 * What a failed insert or query means for the client: a request to change (permanent), or
 * storage that is unwell for now (503 with Retry-After).
 */
import { describe, expect, it } from 'vitest';
import { isPermanentInsertError, isStorageTrouble } from './classify.js';

describe('isStorageTrouble', () => {
  it('counts a disk that cannot take the embedded engine\'s batch files as storage trouble, not as a bad request', () => {
    for (const code of ['ENOSPC', 'EDQUOT', 'EIO', 'EMFILE', 'ENFILE']) {
      const e = Object.assign(new Error(`write failed: ${code}`), { code });
      expect(isStorageTrouble(e)).toBe(true);
      expect(isPermanentInsertError(e)).toBe(false);
    }
  });

  it('tells the engine\'s data errors from its passing troubles by their code', () => {
    expect(isStorageTrouble(new Error('Code: 27. DB::Exception: Cannot parse input'))).toBe(false);
    expect(isStorageTrouble(new Error('Code: 241. DB::Exception: Memory limit exceeded'))).toBe(true);
    expect(isStorageTrouble(Object.assign(new Error('bad argument'), { code: 'ERR_INVALID_ARG_TYPE' }))).toBe(false);
  });
});
