/**
 * Break-glass windows. Declaring an emergency (the ISP's emergency purpose, with a justification) opens a
 * window for that user and justification lasting the purpose's `maxMinutes`; the same justification never
 * opens a second one, and a user may open at most `maxWindowsPerDay` in any 24 hours. Kept in the gateway's
 * database so that every replica agrees and a restart changes nothing.
 */
import { z } from 'zod';
import type { Principal } from '../authentication/principal.js';
import { migrate } from '../database/migrate.js';
import type { LedgerStore as Database } from '../ledger/store.js';

export interface EmergencyRules {
  maxMinutes: number;
  maxWindowsPerDay: number;
}

export type WindowDecision =
  | { open: true; startedAt: Date; endsAt: Date }
  | { open: false; reason: 'ended'; endedAt: Date }
  | { open: false; reason: 'too-many'; windowsToday: number };

const DAY_MS = 24 * 60 * 60 * 1000;

const windowRow = z.object({ started_at: z.coerce.date(), ends_at: z.coerce.date() });
const countRow = z.object({ windows: z.coerce.number().int() });

export class EmergencyWindows {
  private constructor(private readonly database: Database) {}

  static async open(database: Database): Promise<EmergencyWindows> {
    await migrate(database, { directory: new URL('./migrations/', import.meta.url), table: 'emergency_migrations', lock: 7_311_011 });
    return new EmergencyWindows(database);
  }

  /** The window for this user and justification: opened now if it is new and the day's allowance permits. */
  async declare(principal: Principal, justification: string, rules: EmergencyRules, now: Date): Promise<WindowDecision> {
    return this.database.transaction(async (tx) => {
      // One user's declarations are decided one at a time, on every replica, so two at once cannot both be the day's last.
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`emergency:${principal.agency}:${principal.userId}`]);
      const key = [principal.agency, principal.userId, justification];
      const [existing] = z
        .array(windowRow)
        .parse(await tx.query('SELECT started_at, ends_at FROM emergency_windows WHERE agency = $1 AND user_id = $2 AND justification = $3', key));
      if (existing) {
        return existing.ends_at.getTime() > now.getTime()
          ? { open: true, startedAt: existing.started_at, endsAt: existing.ends_at }
          : { open: false, reason: 'ended', endedAt: existing.ends_at };
      }
      const [counted] = z
        .array(countRow)
        .parse(
          await tx.query('SELECT count(*) AS windows FROM emergency_windows WHERE agency = $1 AND user_id = $2 AND started_at > $3', [
            principal.agency,
            principal.userId,
            new Date(now.getTime() - DAY_MS),
          ]),
        );
      const windowsToday = counted?.windows ?? 0;
      if (windowsToday >= rules.maxWindowsPerDay) return { open: false, reason: 'too-many', windowsToday };
      const endsAt = new Date(now.getTime() + rules.maxMinutes * 60_000);
      await tx.query('INSERT INTO emergency_windows (agency, user_id, justification, started_at, ends_at) VALUES ($1, $2, $3, $4, $5)', [...key, now, endsAt]);
      return { open: true, startedAt: now, endsAt };
    });
  }
}
