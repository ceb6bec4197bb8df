/**
 * Who is asking: the admin token, a user's API token, or a user's session. Users come
 * from the config in force, so a reload that removes a user or changes their queues
 * takes effect on their next request.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Config } from '../../config/schema.js';
import type { UserSpec } from '../../config/users.js';
import { tokenDigest } from './passwords.js';

export interface Caller {
  name: string;
  role: 'admin' | 'labeler';
  /** Queues this caller may work on; admins: every queue. */
  queues: '*' | ReadonlySet<string>;
  via: 'token' | 'session';
}

/** The name the admin token labels as. */
export const ADMIN = 'admin';

export class Callers {
  private readonly adminDigest: Buffer;
  private tokens = new Map<string, string>();
  private users: Record<string, UserSpec> = {};

  constructor(adminToken: string, users: Config['users']) {
    this.adminDigest = createHash('sha256').update(adminToken).digest();
    this.update(users);
  }

  /** The users of a (re)loaded config. */
  update(users: Config['users']): void {
    this.users = users;
    this.tokens = new Map();
    for (const [name, u] of Object.entries(users)) for (const d of u.api_tokens) this.tokens.set(d, name);
  }

  isAdminToken(token: string): boolean {
    return timingSafeEqual(createHash('sha256').update(token).digest(), this.adminDigest);
  }

  byToken(token: string): Caller | undefined {
    if (this.isAdminToken(token)) return { name: ADMIN, role: 'admin', queues: '*', via: 'token' };
    const name = this.tokens.get(tokenDigest(token));
    return name === undefined ? undefined : this.byName(name, 'token');
  }

  /**
   * A configured user as a caller; undefined when no such user is configured (any more).
   * `admin` is the admin token's identity (config refuses a user of that name).
   */
  byName(name: string, via: Caller['via']): Caller | undefined {
    if (name === ADMIN) return { name: ADMIN, role: 'admin', queues: '*', via };
    if (!Object.hasOwn(this.users, name)) return undefined;
    const u = this.users[name];
    return { name, role: u.role, queues: u.role === 'admin' || u.queues === '*' ? '*' : new Set(u.queues), via };
  }

  /**
   * What a session of this user was signed in with, as a digest: a session whose secret no
   * longer matches (the password hash or the admin token changed) is over.
   */
  secretOf(name: string): string {
    const secret = name === ADMIN ? this.adminDigest.toString('hex') : (this.passwordHashOf(name) ?? '');
    return createHash('sha256').update(`${name}\0${secret}`).digest('hex');
  }

  passwordHashOf(name: string): string | undefined {
    return Object.hasOwn(this.users, name) ? this.users[name].password_hash : undefined;
  }
}

export function mayUseQueue(caller: Caller, queue: string): boolean {
  return caller.queues === '*' || caller.queues.has(queue);
}
