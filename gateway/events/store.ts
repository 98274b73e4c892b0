/**
 * The gateway's record of cohort events and of how far it has read each agency's feed, in the database the
 * ledger and the cohort register share. Events are stored and the agency's cursor moved in one transaction,
 * so a restart neither loses an event nor delivers one twice.
 */
import { z } from 'zod';
import { AGENCY_EVENT_TYPES, type AgencyEventType } from '../../adapters/kit/contract.js';
import { migrate } from '../database/migrate.js';
import type { LedgerStore as Database } from '../ledger/store.js';

export interface CohortEvent {
  /** The gateway's order of events: the `events` query's cursor. */
  sequence: number;
  /** `<agency>:<the agency's event id>`. */
  id: string;
  gatewayId: string;
  agency: string;
  type: AgencyEventType;
  occurredAt: string;
  summary: string;
  details: Record<string, string | number | boolean | null>;
  /** The data item a recipient must be allowed to receive about the person. */
  dataItem: string;
}

export type NewCohortEvent = Omit<CohortEvent, 'sequence'>;

const EventRow = z.object({
  sequence: z.coerce.number().int(),
  id: z.string(),
  gateway_id: z.string(),
  agency: z.string(),
  type: z.enum(AGENCY_EVENT_TYPES),
  occurred_at: z.coerce.date(),
  summary: z.string(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  data_item: z.string(),
});

function toEvent(row: unknown): CohortEvent {
  const r = EventRow.parse(row);
  return {
    sequence: r.sequence,
    id: r.id,
    gatewayId: r.gateway_id,
    agency: r.agency,
    type: r.type,
    occurredAt: r.occurred_at.toISOString(),
    summary: r.summary,
    details: r.details,
    dataItem: r.data_item,
  };
}

/** Notified, with the new highest sequence, whenever events are stored: every replica's subscribers hear of them. */
export const EVENTS_CHANNEL = 'cohort_events';

/** Fixed numbers naming this module's advisory locks: its migrations, and writes of events. */
const MIGRATION_LOCK = 7_311_040;
const WRITE_LOCK = 7_311_041;

export class EventStore {
  private constructor(private readonly database: Database) {}

  static async open(database: Database): Promise<EventStore> {
    await migrate(database, { directory: new URL('./migrations/', import.meta.url), table: 'cohort_event_migrations', lock: MIGRATION_LOCK });
    return new EventStore(database);
  }

  /** Where the agency's feed was last read to; null if never. */
  async cursor(agency: string): Promise<string | null> {
    const [row] = await this.database.query('SELECT cursor FROM cohort_event_cursors WHERE agency = $1', [agency]);
    return row === undefined ? null : z.object({ cursor: z.string().nullable() }).parse(row).cursor;
  }

  /**
   * Stores the events not already held and moves the agency's cursor, both or neither; returns the new ones.
   * Writers take one lock, so sequences commit in order and a reader that has seen sequence n has seen all below it.
   */
  async record(agency: string, events: readonly NewCohortEvent[], cursor: string | null): Promise<CohortEvent[]> {
    return this.database.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [WRITE_LOCK]);
      const stored: CohortEvent[] = [];
      for (const event of events) {
        const rows = await tx.query(
          `INSERT INTO cohort_events (id, gateway_id, agency, type, occurred_at, summary, details, data_item)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (id) DO NOTHING
           RETURNING *`,
          [event.id, event.gatewayId, event.agency, event.type, event.occurredAt, event.summary, JSON.stringify(event.details), event.dataItem],
        );
        stored.push(...rows.map(toEvent));
      }
      await tx.query(
        `INSERT INTO cohort_event_cursors (agency, cursor, read_at) VALUES ($1, $2, now())
         ON CONFLICT (agency) DO UPDATE SET cursor = EXCLUDED.cursor, read_at = EXCLUDED.read_at`,
        [agency, cursor],
      );
      // Delivered on commit, to every process listening on this database.
      const last = stored.at(-1);
      if (last) await tx.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, String(last.sequence)]);
      return stored;
    });
  }

  /** Events after a sequence, oldest first. */
  async after(sequence: number, limit: number): Promise<CohortEvent[]> {
    const rows = await this.database.query('SELECT * FROM cohort_events WHERE sequence > $1 ORDER BY sequence LIMIT $2', [sequence, limit]);
    return rows.map(toEvent);
  }

  /** The highest sequence stored; 0 when there are no events. */
  async lastSequence(): Promise<number> {
    const [row] = await this.database.query('SELECT coalesce(max(sequence), 0) AS last FROM cohort_events');
    return z.object({ last: z.coerce.number().int() }).parse(row).last;
  }
}
