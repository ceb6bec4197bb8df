import { timingSafeEqual, createHash } from 'node:crypto';

/**
 * Bearer-token checks. Tokens are compared through fixed-length digests so the time
 * taken says nothing about how much of a guess was right.
 */
export class TokenSet {
  private readonly digests: Buffer[];
  constructor(tokens: readonly string[]) {
    this.digests = tokens.filter((t) => t.length > 0).map(digest);
  }

  get open(): boolean {
    return this.digests.length === 0;
  }

  /** True when `header` is `Bearer <one of the tokens>`, or when no token is configured. */
  allows(header: string | undefined | null): boolean {
    if (this.open) return true;
    const token = bearer(header);
    if (token === undefined) return false;
    const d = digest(token);
    let ok = false;
    for (const t of this.digests) ok = timingSafeEqual(t, d) || ok;
    return ok;
  }
}

export function bearer(header: string | undefined | null): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : undefined;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}
