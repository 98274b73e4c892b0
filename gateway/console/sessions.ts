/**
 * Console sessions: a random token in an httpOnly, SameSite=Lax cookie (Secure in production), its hash and the
 * signed-in principal in the gateway's database, with a per-session CSRF token every form carries. Sign-ins under
 * way (OIDC state, PKCE verifier, nonce) are kept there too, for ten minutes.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Principal } from '../authentication/principal.js';
import { migrate } from '../database/migrate.js';
import type { LedgerStore as Database } from '../ledger/store.js';

export const SESSION_COOKIE = 'pg_console';
/** Binds a sign-in to the browser that began it (login CSRF): its random value's hash is kept with the OIDC state. */
export const SIGN_IN_COOKIE = 'pg_console_sign_in';
export const SIGN_IN_SECONDS = 600;
const SESSION_HOURS = 8;

export interface ConsoleSession {
  principal: Principal;
  csrfToken: string;
  idToken: string;
  expiresAt: Date;
}

const principalSchema = z.object({
  userId: z.string(),
  displayName: z.string(),
  agency: z.string(),
  role: z.string(),
  team: z.string().optional(),
  clientApplication: z.string(),
});
const sessionRow = z.object({ principal: z.string(), csrf_token: z.string(), id_token: z.string(), expires_at: z.coerce.date() });
const signInRow = z.object({ code_verifier: z.string(), nonce: z.string(), return_to: z.string(), browser_hash: z.string() });

const hash = (token: string) => createHash('sha256').update(token).digest('hex');
export const randomToken = () => randomBytes(32).toString('base64url');

export class ConsoleSessions {
  private constructor(private readonly database: Database) {}

  static async open(database: Database): Promise<ConsoleSessions> {
    await migrate(database, { directory: new URL('./migrations/', import.meta.url), table: 'console_migrations', lock: 7_311_031 });
    return new ConsoleSessions(database);
  }

  /** A new session for this principal; returns the cookie's token. */
  async create(principal: Principal, idToken: string, now = new Date()): Promise<{ token: string; session: ConsoleSession }> {
    const token = randomToken();
    const session = { principal, csrfToken: randomToken(), idToken, expiresAt: new Date(now.getTime() + SESSION_HOURS * 3_600_000) };
    await this.database.query(
      'INSERT INTO console_sessions (token_hash, principal, csrf_token, id_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)',
      [hash(token), JSON.stringify(principal), session.csrfToken, idToken, now, session.expiresAt],
    );
    // Expired sessions go when new ones come: no timer to run.
    await this.database.query('DELETE FROM console_sessions WHERE expires_at < $1', [now]);
    return { token, session };
  }

  async find(token: string | undefined, now = new Date()): Promise<ConsoleSession | null> {
    if (token === undefined || token.length > 100) return null;
    const [row] = z
      .array(sessionRow)
      .parse(await this.database.query('SELECT principal, csrf_token, id_token, expires_at FROM console_sessions WHERE token_hash = $1', [hash(token)]));
    if (row === undefined || row.expires_at <= now) return null;
    return { principal: principalSchema.parse(JSON.parse(row.principal)), csrfToken: row.csrf_token, idToken: row.id_token, expiresAt: row.expires_at };
  }

  async end(token: string | undefined): Promise<void> {
    if (token !== undefined) await this.database.query('DELETE FROM console_sessions WHERE token_hash = $1', [hash(token)]);
  }

  /** Keeps a sign-in under way; returns the value for the browser's sign-in cookie. */
  async beginSignIn(state: string, codeVerifier: string, nonce: string, returnTo: string, now = new Date()): Promise<string> {
    const browser = randomToken();
    await this.database.query('DELETE FROM console_sign_ins WHERE expires_at < $1', [now]);
    await this.database.query(
      'INSERT INTO console_sign_ins (state_hash, code_verifier, nonce, return_to, expires_at, browser_hash) VALUES ($1, $2, $3, $4, $5, $6)',
      [hash(state), codeVerifier, nonce, returnTo, new Date(now.getTime() + SIGN_IN_SECONDS * 1000), hash(browser)],
    );
    return browser;
  }

  /**
   * The sign-in this state began, once (a replayed callback finds nothing), and only in the browser that began it:
   * `other-browser` when the sign-in cookie is missing or is not that sign-in's.
   */
  async finishSignIn(
    state: string,
    browser: string | undefined,
    now = new Date(),
  ): Promise<{ codeVerifier: string; nonce: string; returnTo: string } | 'other-browser' | null> {
    const rows = z
      .array(signInRow)
      .parse(
        await this.database.query(
          'DELETE FROM console_sign_ins WHERE state_hash = $1 AND expires_at > $2 RETURNING code_verifier, nonce, return_to, browser_hash',
          [hash(state), now],
        ),
      );
    const [row] = rows;
    if (row === undefined) return null;
    const expected = Buffer.from(row.browser_hash);
    const given = Buffer.from(browser === undefined || browser.length > 100 ? '' : hash(browser));
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'other-browser';
    return { codeVerifier: row.code_verifier, nonce: row.nonce, returnTo: row.return_to };
  }
}

/** Constant-time comparison of a submitted CSRF token with the session's. */
export function csrfMatches(session: ConsoleSession, submitted: unknown): boolean {
  if (typeof submitted !== 'string') return false;
  const expected = Buffer.from(session.csrfToken);
  const given = Buffer.from(submitted);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The cookie header's value for one name. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key !== name) continue;
    // A malformed value (a hostile or damaged cookie) is as if there were none.
    try {
      return decodeURIComponent(rest.join('='));
    } catch {
      return undefined;
    }
  }
  return undefined;
}
