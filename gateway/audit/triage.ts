/**
 * The IG officers' alert queue: the ledger's alerts for a window (already grouped: out-of-hours per user per day, the
 * gateway's own work and IG audits left out), in the officer's scope, each with its triage. A decision (acknowledge,
 * escalate or dismiss, with a note) is recorded in the ledger as an alteration of the alert-triage register before
 * the queue changes, so it can be found again like any other record; no ledger, no decision.
 */
import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Principal } from '../authentication/principal.js';
import { migrate } from '../database/migrate.js';
import { recordEnvelope } from '../enforcement/index.js';
import type { Alert, Ledger } from '../ledger/index.js';
import type { LedgerStore as Database } from '../ledger/store.js';
import type { CompiledPolicy } from '../policy/index.js';
import { AUDIT_PURPOSE, type AuditScope } from './gate.js';
import { scopedAlerts } from './scope.js';

export const TRIAGE_DECISIONS = ['acknowledged', 'escalated', 'dismissed'] as const;
export type TriageDecision = (typeof TRIAGE_DECISIONS)[number];
export const TRIAGE_REGISTER = 'alert-triage';

export interface Triage {
  decision: TriageDecision;
  note: string;
  userId: string;
  displayName: string;
  decidedAt: string;
  ledgerSequence: number;
}

export interface QueuedAlert {
  /** Stable while the alert's first record stays in the window: kind, user and first record, hashed. */
  key: string;
  alert: Alert;
  /** Newest first; the first is the alert's state. Empty: still open. */
  triage: Triage[];
}

export const triageNoteSchema = z
  .string()
  .trim()
  .min(1, 'Write a note saying why')
  .max(2_000, 'A note is at most 2,000 characters')
  .refine((note) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(note), 'A note is plain text');

const triageRow = z.object({
  alert_key: z.string(),
  decision: z.enum(TRIAGE_DECISIONS),
  note: z.string(),
  user_id: z.string(),
  display_name: z.string(),
  decided_at: z.coerce.date(),
  ledger_sequence: z.coerce.number().int(),
});

export function alertKey(alert: Pick<Alert, 'kind' | 'agency' | 'userId' | 'sequences'>): string {
  return createHash('sha256')
    .update(`${alert.kind}\u0000${alert.agency}\u0000${alert.userId}\u0000${alert.sequences[0] ?? ''}`)
    .digest('hex')
    .slice(0, 24);
}

export class AlertTriage {
  private constructor(
    private readonly database: Database,
    private readonly ledger: Ledger,
  ) {}

  static async open(database: Database, ledger: Ledger): Promise<AlertTriage> {
    await migrate(database, { directory: new URL('./migrations/', import.meta.url), table: 'audit_migrations', lock: 7_311_021 });
    return new AlertTriage(database, ledger);
  }

  /** The window's alerts in the officer's scope, open ones first, then newest first. */
  async queue(from: string, to: string, scope: AuditScope, options: { unusualVolumeThreshold?: number } = {}): Promise<QueuedAlert[]> {
    const alerts = scopedAlerts(await this.ledger.alerts(from, to, options), scope);
    const keys = alerts.map(alertKey);
    const rows =
      keys.length === 0
        ? []
        : z
            .array(triageRow)
            .parse(
              await this.database.query(
                'SELECT alert_key, decision, note, user_id, display_name, decided_at, ledger_sequence FROM alert_triage WHERE alert_key = ANY($1::text[]) ORDER BY id DESC',
                [keys],
              ),
            );
    const byKey = new Map<string, Triage[]>();
    for (const row of rows) {
      const list = byKey.get(row.alert_key) ?? [];
      list.push({
        decision: row.decision,
        note: row.note,
        userId: row.user_id,
        displayName: row.display_name,
        decidedAt: row.decided_at.toISOString(),
        ledgerSequence: row.ledger_sequence,
      });
      byKey.set(row.alert_key, list);
    }
    const queued = alerts.map((alert, index) => ({ key: keys[index] as string, alert, triage: byKey.get(keys[index] as string) ?? [] }));
    return queued.sort((a, b) => Number(a.triage.length > 0) - Number(b.triage.length > 0) || b.alert.from.localeCompare(a.alert.from));
  }

  /** Records the decision in the ledger, then in the queue. Rejects with LedgerUnavailableError if the ledger cannot write. */
  async decide(options: {
    principal: Principal;
    policy: Pick<CompiledPolicy, 'id' | 'version'>;
    queued: QueuedAlert;
    decision: TriageDecision;
    note: string;
    requestId?: string;
  }): Promise<Triage> {
    const { principal, queued, decision } = options;
    const note = triageNoteSchema.parse(options.note);
    const { alert } = queued;
    const recorded = await this.ledger.append({
      ...recordEnvelope({ principal, purpose: AUDIT_PURPOSE, justification: undefined, policy: options.policy }),
      kind: 'alteration',
      outcome: 'altered',
      subjects: alert.gatewayIds.map((gatewayId) => ({ gatewayId, identifiers: {}, disclosed: [], withheld: [] })),
      operationName: 'AlertTriage',
      documentHash: createHash('sha256').update(`alert-triage:${queued.key}:${decision}`).digest('hex'),
      requestId: options.requestId ?? randomUUID(),
      alteration: {
        register: TRIAGE_REGISTER,
        action: decision,
        details: {
          alert: queued.key,
          kind: alert.kind,
          userId: alert.userId,
          agency: alert.agency,
          from: alert.from,
          to: alert.to,
          records: alert.sequences.length,
          note,
        },
      },
    });
    const decidedAt = new Date();
    await this.database.query(
      `INSERT INTO alert_triage (alert_key, decision, note, user_id, display_name, agency, decided_at, ledger_sequence)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [queued.key, decision, note, principal.userId, principal.displayName, principal.agency, decidedAt, recorded.sequence],
    );
    return {
      decision,
      note,
      userId: principal.userId,
      displayName: principal.displayName,
      decidedAt: decidedAt.toISOString(),
      ledgerSequence: recorded.sequence,
    };
  }
}
