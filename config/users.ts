import { z } from 'zod';

/**
 * Who may use the labeling page and the API. Secrets are never in the file in plain:
 * passwords as scrypt hashes (`spansift users hash`), API tokens as SHA-256 digests
 * (`spansift users token` prints a token and the digest to put here).
 */

/** `$scrypt$ln=15,r=8,p=1$<salt>$<hash>` (base64), the format `spansift users hash` prints. */
export const PASSWORD_HASH = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

/** `sha256:<64 hex digits>`: the digest of an API token, never the token. */
export const TOKEN_DIGEST = /^sha256:[0-9a-f]{64}$/;

export const userSchema = z
  .strictObject({
    /** `admin` sees and does everything; a `labeler` labels in `queues` and nothing else. */
    role: z.enum(['admin', 'labeler']),
    /** Queue names this labeler may work on, or `"*"` for every queue. Ignored for admins. */
    queues: z.union([z.literal('*'), z.array(z.string().min(1))]).default([]),
    /** To sign in on the page; from `spansift users hash`. */
    password_hash: z
      .string()
      .regex(PASSWORD_HASH, 'expected a hash from `spansift users hash` ($scrypt$ln=...,r=...,p=...$salt$hash), never a plain password')
      .optional(),
    /** For scripts and the SDK (`Authorization: Bearer <token>`); digests from `spansift users token`. */
    api_tokens: z.array(z.string().regex(TOKEN_DIGEST, 'expected a digest from `spansift users token` (sha256:<64 hex digits>), never a plain token')).default([]),
  })
  .refine((u) => u.password_hash !== undefined || (Array.isArray(u.api_tokens) && u.api_tokens.length > 0), {
    message: 'a user needs a password_hash or at least one api_tokens digest to sign in with',
    // Reported with the user's other problems (a bad role), not only once they are fixed.
    when: (p) => typeof p.value === 'object' && p.value !== null,
  });

export type UserSpec = z.output<typeof userSchema>;

export const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;
