/**
 * The IOM cohort register: who is in the partnership's cohort, on which strand and service level, who leads
 * each case, and every change with its reason. Changes are planned against the current state and applied to the
 * version they were planned against, recorded in the ledger by the caller before they are committed.
 */
import { z } from 'zod';
import { partyAgencies } from '../../adapters/registry.js';
import { migrate } from '../database/migrate.js';
import { SharedReads } from '../database/shared-reads.js';
import type { LedgerStore as Database, SqlClient } from '../ledger/store.js';
import { partnershipDate } from '../partnership-date.js';

export const STRANDS = ['fixed', 'flex', 'free'] as const;
export const SERVICE_LEVELS = ['high', 'medium', 'low'] as const;
export type Strand = (typeof STRANDS)[number];
export type ServiceLevel = (typeof SERVICE_LEVELS)[number];

const isoDate = z.iso.date();
const sentence = (max: number) => z.string().trim().min(3, 'must say why, in a few words').max(max);

export const LeadProfessional = z.strictObject({
  name: z.string().trim().min(2).max(200),
  agency: z.enum(partyAgencies),
  team: z.string().trim().max(200).nullish(),
  email: z.email().max(200).nullish(),
  phone: z.string().trim().max(40).nullish(),
});
export type LeadProfessional = z.infer<typeof LeadProfessional>;

export const CohortAction = z.discriminatedUnion('action', [
  z.strictObject({
    action: z.literal('select'),
    gatewayId: z.string().min(1),
    strand: z.enum(STRANDS),
    scheme: z.string().trim().min(2).max(100).nullish(),
    serviceLevel: z.enum(SERVICE_LEVELS),
    leadProfessional: LeadProfessional,
    selectedOn: isoDate,
    reason: sentence(1000),
  }),
  z.strictObject({ action: z.literal('change-service-level'), gatewayId: z.string().min(1), serviceLevel: z.enum(SERVICE_LEVELS), reason: sentence(1000) }),
  z.strictObject({ action: z.literal('reassign-lead-professional'), gatewayId: z.string().min(1), leadProfessional: LeadProfessional, reason: sentence(1000) }),
  z.strictObject({
    action: z.literal('deselect'),
    gatewayId: z.string().min(1),
    deselectedOn: isoDate,
    reason: sentence(1000),
    exitPlan: sentence(4000),
  }),
]);
export type CohortAction = z.infer<typeof CohortAction>;

/** What a line of a member's history says was done: a coordinator's change, or a merge the register followed (merges.ts). */
export type HistoryAction = CohortAction['action'] | 'merge';

export interface CohortChange {
  at: string;
  action: HistoryAction;
  details: Record<string, unknown>;
  actor: string;
  requestId: string;
}

/** Shared between requests that read the same membership (SharedReads): read-only, so none can change it. */
export interface Membership {
  readonly gatewayId: string;
  readonly strand: Strand;
  readonly scheme: string | null;
  readonly serviceLevel: ServiceLevel;
  readonly leadProfessional: LeadProfessional;
  readonly selectedOn: string;
  readonly selectionReason: string;
  readonly active: boolean;
  readonly deselectedOn: string | null;
  readonly deselectionReason: string | null;
  readonly exitPlan: string | null;
  readonly version: number;
}

/** A change checked against the register as it stood; `apply` refuses it if the member changed since. */
export interface PlannedChange {
  change: CohortAction;
  /** The membership's version when planned; 0 for someone never selected. */
  expectedVersion: number;
}

export class CohortError extends Error {
  constructor(
    readonly code: 'BAD_USER_INPUT' | 'CONFLICT',
    message: string,
  ) {
    super(message);
    this.name = 'CohortError';
  }
}

const MembershipRow = z.object({
  gateway_id: z.string(),
  strand: z.enum(STRANDS),
  scheme: z.string().nullable(),
  service_level: z.enum(SERVICE_LEVELS),
  lead_professional: LeadProfessional,
  selected_on: z.union([z.string(), z.date()]),
  selection_reason: z.string(),
  active: z.boolean(),
  deselected_on: z.union([z.string(), z.date()]).nullable(),
  deselection_reason: z.string().nullable(),
  exit_plan: z.string().nullable(),
  version: z.number(),
});

const HistoryRow = z.object({
  gateway_id: z.string(),
  occurred_at: z.union([z.string(), z.date()]),
  action: z.enum(['select', 'change-service-level', 'reassign-lead-professional', 'deselect', 'merge']),
  details: z.record(z.string(), z.unknown()),
  actor: z.string(),
  request_id: z.string(),
});

const Count = z.object({ n: z.number() });
const dateText = (value: string | Date) => (typeof value === 'string' ? value.slice(0, 10) : value.toISOString().slice(0, 10));

export function toMembership(row: unknown): Membership {
  const r = MembershipRow.parse(row);
  return {
    gatewayId: r.gateway_id,
    strand: r.strand,
    scheme: r.scheme,
    serviceLevel: r.service_level,
    leadProfessional: r.lead_professional,
    selectedOn: dateText(r.selected_on),
    selectionReason: r.selection_reason,
    active: r.active,
    deselectedOn: r.deselected_on === null ? null : dateText(r.deselected_on),
    deselectionReason: r.deselection_reason,
    exitPlan: r.exit_plan,
    version: r.version,
  };
}

export interface CohortFilter {
  strand?: Strand;
  serviceLevel?: ServiceLevel;
  /** Part of the lead professional's name or email, case-insensitive. */
  leadProfessional?: string;
}

export interface CohortPage {
  members: Membership[];
  endCursor: string | null;
  hasNextPage: boolean;
}

/** Active members matching a filter, as a WHERE clause and its parameters. */
function activeWhere(filter: CohortFilter): { where: string; params: unknown[] } {
  const conditions = ['active'];
  const params: unknown[] = [];
  if (filter.strand) conditions.push(`strand = $${params.push(filter.strand)}`);
  if (filter.serviceLevel) conditions.push(`service_level = $${params.push(filter.serviceLevel)}`);
  if (filter.leadProfessional) {
    const like = `%${filter.leadProfessional.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push(`(lead_professional->>'name' ILIKE $${params.push(like)} OR lead_professional->>'email' ILIKE $${params.length})`);
  }
  return { where: conditions.join(' AND '), params };
}

function sameProfessional(a: LeadProfessional, b: LeadProfessional): boolean {
  return a.name.toLowerCase() === b.name.toLowerCase() && a.agency === b.agency && (a.email ?? '').toLowerCase() === (b.email ?? '').toLowerCase();
}

export class CohortRegister {
  /** Every request's membership look-ups, read together (a membership is shared between requests: never change one). */
  private readonly current: SharedReads<Membership>;

  private constructor(private readonly database: Database) {
    this.current = new SharedReads(async (ids) => {
      const rows = await this.database.query('SELECT * FROM cohort_memberships WHERE gateway_id = ANY($1::text[])', [ids]);
      return new Map(rows.map(toMembership).map((m) => [m.gatewayId, m]));
    });
  }

  static async open(database: Database): Promise<CohortRegister> {
    await migrate(database, { directory: new URL('./migrations/', import.meta.url), table: 'cohort_migrations', lock: 7_311_005 });
    return new CohortRegister(database);
  }

  async memberships(gatewayIds: readonly string[]): Promise<Map<string, Membership>> {
    return gatewayIds.length === 0 ? new Map() : this.current.loadMany(gatewayIds);
  }

  async history(gatewayIds: readonly string[]): Promise<Map<string, CohortChange[]>> {
    const result = new Map<string, CohortChange[]>(gatewayIds.map((id) => [id, []]));
    if (gatewayIds.length === 0) return result;
    const rows = await this.database.query('SELECT * FROM cohort_history WHERE gateway_id = ANY($1::text[]) ORDER BY id', [[...gatewayIds]]);
    for (const row of rows) {
      const r = HistoryRow.parse(row);
      result.get(r.gateway_id)?.push({
        at: typeof r.occurred_at === 'string' ? new Date(r.occurred_at).toISOString() : r.occurred_at.toISOString(),
        action: r.action,
        details: r.details,
        actor: r.actor,
        requestId: r.request_id,
      });
    }
    return result;
  }

  /** Active members, filtered, ordered by gateway id; `after` is the last gateway id of the previous page. */
  async list(filter: CohortFilter, page: { first: number; after?: string | null }): Promise<CohortPage> {
    const { where, params } = activeWhere(filter);
    const after = page.after ? ` AND gateway_id > $${params.push(page.after)}` : '';
    const rows = await this.database.query(
      `SELECT * FROM cohort_memberships WHERE ${where}${after} ORDER BY gateway_id LIMIT $${params.push(page.first + 1)}`,
      params,
    );
    const members = rows.slice(0, page.first).map(toMembership);
    return { members, endCursor: members.at(-1)?.gatewayId ?? null, hasNextPage: rows.length > page.first };
  }

  /** How many active members the filter matches: a query of its own, made only when a caller asks. */
  async count(filter: CohortFilter): Promise<number> {
    const { where, params } = activeWhere(filter);
    const [count] = await this.database.query(`SELECT count(*)::int AS n FROM cohort_memberships WHERE ${where}`, params);
    return Count.parse(count).n;
  }

  /** Every membership ever recorded, active or not, with its history (for outcome reports). */
  async everyMembership(): Promise<{ membership: Membership; history: CohortChange[] }[]> {
    const members = (await this.database.query('SELECT * FROM cohort_memberships ORDER BY gateway_id')).map(toMembership);
    const history = await this.history(members.map((m) => m.gatewayId));
    return members.map((membership) => ({ membership, history: history.get(membership.gatewayId) ?? [] }));
  }

  /** Checks a change against the register as it stands; throws CohortError saying what is wrong. */
  async plan(input: unknown): Promise<PlannedChange> {
    const parsed = CohortAction.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new CohortError('BAD_USER_INPUT', `${issue?.path.join('.') || 'input'}: ${issue?.message ?? 'invalid'}`);
    }
    const change = parsed.data;
    const current = (await this.memberships([change.gatewayId])).get(change.gatewayId);
    const today = partnershipDate(new Date());
    if (change.action === 'select') {
      if (current?.active) throw new CohortError('BAD_USER_INPUT', 'This person is already an active cohort member.');
      if (change.strand === 'free' && !change.scheme) throw new CohortError('BAD_USER_INPUT', 'scheme: the free strand needs the local scheme’s name.');
      if (change.strand !== 'free' && change.scheme) throw new CohortError('BAD_USER_INPUT', 'scheme: only the free strand has a local scheme.');
      if (change.selectedOn > today) throw new CohortError('BAD_USER_INPUT', `selectedOn: ${change.selectedOn} is in the future.`);
    } else {
      if (!current?.active) throw new CohortError('BAD_USER_INPUT', 'This person is not an active cohort member.');
      if (change.action === 'change-service-level' && change.serviceLevel === current.serviceLevel) {
        throw new CohortError('BAD_USER_INPUT', `serviceLevel: the service level is already ${current.serviceLevel}.`);
      }
      if (change.action === 'deselect' && change.deselectedOn < current.selectedOn) {
        throw new CohortError('BAD_USER_INPUT', `deselectedOn: before the selection date ${current.selectedOn}.`);
      }
      if (change.action === 'deselect' && change.deselectedOn > today) {
        throw new CohortError('BAD_USER_INPUT', `deselectedOn: ${change.deselectedOn} is in the future.`);
      }
      if (change.action === 'reassign-lead-professional' && sameProfessional(change.leadProfessional, current.leadProfessional)) {
        throw new CohortError('BAD_USER_INPUT', `leadProfessional: ${current.leadProfessional.name} already leads this case.`);
      }
    }
    return { change, expectedVersion: current?.version ?? 0 };
  }

  /**
   * Applies a planned change to the version it was planned against. `record` (the ledger's alteration record) is
   * called once the change can no longer fail for any reason but the database's, and before it is committed: if
   * `record` throws, nothing changes. A CohortError before `record` means the change was not made and not recorded.
   */
  apply(planned: PlannedChange, by: { actor: string; requestId: string; at: Date }, record: () => Promise<void> = async () => undefined): Promise<Membership> {
    return this.alter(
      (client) => checkVersion(client, planned),
      record,
      // Checked again in the write's own transaction: the register's seed writes outside alter().
      (tx) => applyChange(tx, planned, by),
    );
  }

  /**
   * Alters the register so that its ledger record is written once the alteration can fail only by the database
   * failing, and before it is committed (docs/adr/0102); if `record` throws, nothing changes. `check` reads what the
   * alteration depends on and refuses it if it cannot be made; `write` makes it.
   */
  async alter<P, T>(
    check: (client: SqlClient) => Promise<P>,
    record: (checked: P) => Promise<void>,
    write: (tx: SqlClient, checked: P) => Promise<T>,
  ): Promise<T> {
    if (this.database.engine === 'postgres') {
      // The rows `check` read stay locked to the commit: an alteration racing in from another gateway waits, then fails its own check.
      return this.database.transaction(async (tx) => {
        const checked = await check(tx);
        const result = await write(tx, checked);
        await record(checked);
        return result;
      });
    }
    // PGlite serves one query at a time, so the ledger cannot write while a transaction here is open; and it is one
    // process's database, so alterations made one at a time cannot race: check, record, then write.
    return this.oneAtATime(async () => {
      const checked = await check(this.database);
      await record(checked);
      return this.database.transaction((tx) => write(tx, checked));
    });
  }

  private queue: Promise<unknown> = Promise.resolve();

  private oneAtATime<T>(work: () => Promise<T>): Promise<T> {
    const turn = this.queue.then(work);
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** Selects many people at once in one transaction (the embedded default's starting cohort). */
  async selectAll(selections: readonly Extract<CohortAction, { action: 'select' }>[], by: { actor: string; requestId: string; at: Date }): Promise<void> {
    await this.database.transaction(async (tx) => {
      for (const selection of selections) {
        const change = CohortAction.parse(selection);
        if (!(await write(tx, change, 1))) throw new CohortError('CONFLICT', `${change.gatewayId} is already in the register.`);
        await writeHistory(tx, change, by);
      }
    });
  }

  /**
   * Claims the one-time seeding of an empty register for this request. Of several gateways starting together
   * on one database, exactly one wins; the others, and any later start, get false.
   */
  async claimSeeding(requestId: string): Promise<boolean> {
    return this.database.transaction(async (tx) => {
      const members = await tx.query('SELECT 1 FROM cohort_memberships LIMIT 1');
      if (members.length > 0) return false;
      const claimed = await tx.query('INSERT INTO cohort_seed (request_id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING request_id', [requestId]);
      return claimed.length === 1;
    });
  }
}

/** Refuses a change whose member changed since it was planned; locks the member's row inside a transaction. */
async function checkVersion(client: SqlClient, { change, expectedVersion }: PlannedChange): Promise<number> {
  const [row] = await client.query('SELECT version FROM cohort_memberships WHERE gateway_id = $1 FOR UPDATE', [change.gatewayId]);
  const version = row === undefined ? 0 : z.object({ version: z.number() }).parse(row).version;
  if (version !== expectedVersion) {
    throw new CohortError('CONFLICT', 'The membership changed while this change was being recorded; reload and try again.');
  }
  return version;
}

/** A change's line in the member's history: what was done, with what, by whom, for which request. */
async function writeHistory(tx: SqlClient, change: CohortAction, by: { actor: string; requestId: string; at: Date }): Promise<void> {
  const { action, gatewayId, ...details } = change;
  await tx.query('INSERT INTO cohort_history (gateway_id, occurred_at, action, details, actor, request_id) VALUES ($1, $2, $3, $4, $5, $6)', [
    gatewayId,
    by.at.toISOString(),
    action,
    JSON.stringify(details),
    by.actor,
    by.requestId,
  ]);
}

/** The change written with its history, in one transaction. */
async function applyChange(tx: SqlClient, planned: PlannedChange, by: { actor: string; requestId: string; at: Date }): Promise<Membership> {
  const { change } = planned;
  const version = await checkVersion(tx, planned);
  if (!(await write(tx, change, version + 1))) {
    throw new CohortError('CONFLICT', 'Someone else selected this person while this change was being recorded; reload and try again.');
  }
  await writeHistory(tx, change, by);
  const [updated] = await tx.query('SELECT * FROM cohort_memberships WHERE gateway_id = $1', [change.gatewayId]);
  return toMembership(updated);
}

/** Writes the change as version `version`; false when a first selection lost a race to another one. */
async function write(tx: SqlClient, change: CohortAction, version: number): Promise<boolean> {
  switch (change.action) {
    case 'select': {
      // A first selection must not overwrite a concurrent one: the row lock in apply() cannot lock a row not yet there.
      const rows = await tx.query(
        `INSERT INTO cohort_memberships (gateway_id, strand, scheme, service_level, lead_professional, selected_on, selection_reason, active, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, true, $8)
         ON CONFLICT (gateway_id) DO UPDATE SET strand = $2, scheme = $3, service_level = $4, lead_professional = $5,
           selected_on = $6, selection_reason = $7, active = true, deselected_on = NULL, deselection_reason = NULL, exit_plan = NULL, version = $8
         WHERE cohort_memberships.version = $8 - 1
         RETURNING gateway_id`,
        [
          change.gatewayId,
          change.strand,
          change.scheme ?? null,
          change.serviceLevel,
          JSON.stringify(change.leadProfessional),
          change.selectedOn,
          change.reason,
          version,
        ],
      );
      return rows.length === 1;
    }
    case 'change-service-level':
      await tx.query('UPDATE cohort_memberships SET service_level = $2, version = $3 WHERE gateway_id = $1', [change.gatewayId, change.serviceLevel, version]);
      return true;
    case 'reassign-lead-professional':
      await tx.query('UPDATE cohort_memberships SET lead_professional = $2, version = $3 WHERE gateway_id = $1', [
        change.gatewayId,
        JSON.stringify(change.leadProfessional),
        version,
      ]);
      return true;
    case 'deselect':
      await tx.query(
        'UPDATE cohort_memberships SET active = false, deselected_on = $2, deselection_reason = $3, exit_plan = $4, version = $5 WHERE gateway_id = $1',
        [change.gatewayId, change.deselectedOn, change.reason, change.exitPlan, version],
      );
      return true;
  }
}
