/**
 * The database's availability, decided in one place for every user of it (ledger, cohort register, events,
 * break-glass): each call is abandoned after a deadline, and a call that fails because the database is down,
 * hung or refusing turns it "unavailable". While unavailable, calls fail at once (so a request does not wait out
 * the deadline twice, once for its cohort look-up and again for its record) and a probe asks every second until
 * the database answers again. Each change of state is told once.
 */
import { LedgerUnavailableError } from '../ledger/errors.js';

export const DEFAULT_DATABASE_TIMEOUT_MS = 2_000;
const PROBE_INTERVAL_MS = 1_000;

export type AvailabilityChange = { available: false; reason: string } | { available: true };

/** The call's own deadline ran out. */
class DeadlineExceeded extends Error {
  constructor(ms: number) {
    super(`the database did not answer within ${ms} ms`);
    this.name = 'DeadlineExceeded';
  }
}

/** Resolves or rejects like `promise`, or rejects at the deadline; a value arriving late goes to `onLate`. */
export function withDeadline<T>(promise: Promise<T>, ms: number, onLate?: (value: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      reject(new DeadlineExceeded(ms));
    }, ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        if (settled) onLate?.(value);
        else resolve(value);
        settled = true;
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (!settled) reject(error);
        settled = true;
      },
    );
  });
}

/** SQLSTATE classes that say the server cannot serve us, not that the statement was wrong. */
const UNAVAILABLE_SQLSTATES = /^(08|28|53|57|58|3D000|55000)/;
/** Client-side failures of pg and PGlite that carry no SQLSTATE. */
const UNAVAILABLE_MESSAGES =
  /connection terminated|timeout exceeded when trying to connect|not queryable|query read timeout|pool after calling end|pglite is closed|connection.*(refused|reset)/i;
const SYSTEM_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'EAI_AGAIN']);

/** Whether `error` means the database could not be reached or did not answer, rather than refusing a statement. */
function isUnavailability(error: unknown): boolean {
  if (error instanceof DeadlineExceeded || error instanceof LedgerUnavailableError) return true;
  if (!(error instanceof Error)) return false;
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  if (code !== undefined && SYSTEM_ERRORS.has(code)) return true;
  if (code !== undefined && /^[0-9A-Z]{5}$/.test(code)) return UNAVAILABLE_SQLSTATES.test(code);
  return UNAVAILABLE_MESSAGES.test(error.message);
}

function describe(error: unknown): string {
  if (error instanceof DeadlineExceeded) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  return `the database could not be reached (${message.split('\n')[0]?.slice(0, 200)})`;
}

export class DatabaseAvailability {
  #down: { reason: string; since: Date } | null = null;
  #probe: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    private readonly timeoutMs: number,
    /** One cheap round trip to the database, used to notice it is back. */
    private readonly ping: () => Promise<unknown>,
    private readonly onChange: (change: AvailabilityChange) => void,
  ) {}

  /** Null while the database answers; otherwise why not and since when. */
  get outage(): { reason: string; since: Date } | null {
    return this.#down;
  }

  /** Fails at once while the database is known to be unavailable. */
  assertAvailable(): void {
    if (this.#down) throw new LedgerUnavailableError(this.#down.reason);
  }

  /** Runs one database call under the deadline; a failure of the database itself becomes LedgerUnavailableError. */
  async call<T>(work: () => Promise<T>, onLate?: (value: T) => void): Promise<T> {
    this.assertAvailable();
    try {
      return await withDeadline(work(), this.timeoutMs, onLate);
    } catch (error) {
      throw this.failure(error);
    }
  }

  /** The error to throw for `error`: unavailability is recorded and becomes LedgerUnavailableError; anything else is the statement's own. */
  failure(error: unknown): unknown {
    if (error instanceof LedgerUnavailableError || !isUnavailability(error)) return error;
    const reason = describe(error);
    this.#markDown(reason);
    return new LedgerUnavailableError(reason, { cause: error });
  }

  /** Asks the database now, whatever the state: for readiness checks. */
  async check(): Promise<boolean> {
    if (this.#closed) return false;
    try {
      await withDeadline(this.ping(), this.timeoutMs);
      this.#markUp();
      return true;
    } catch (error) {
      if (isUnavailability(error)) this.#markDown(describe(error));
      return false;
    }
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#probe);
  }

  #markDown(reason: string): void {
    if (this.#down || this.#closed) return;
    this.#down = { reason, since: new Date() };
    this.onChange({ available: false, reason });
    this.#scheduleProbe();
  }

  #markUp(): void {
    if (!this.#down) return;
    this.#down = null;
    clearTimeout(this.#probe);
    this.onChange({ available: true });
  }

  #scheduleProbe(): void {
    this.#probe = setTimeout(() => {
      void this.check().then((up) => {
        if (!up && !this.#closed) this.#scheduleProbe();
      });
    }, PROBE_INTERVAL_MS);
    this.#probe.unref();
  }
}
