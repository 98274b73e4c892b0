/**
 * The cohort register follows the identity index's merges (docs/adr/0166). A membership is keyed by the gateway id
 * given at selection; when the index finds that id to be the same person as another (a MERGE in
 * identity_links_history), the membership becomes the survivor's, with its history. The register reads the link
 * history from a durable cursor of its own, one membership at a time: each move is recorded in the ledger by
 * `system:identity-merge` before it is committed (CohortRegister.alter), and the cursor moves in the same transaction,
 * so a crash or a ledger that cannot write leaves that merge to the next catch-up, never half-followed. Once the cursor
 * is at the latest change, a sweep moves any membership still on a merged-away id (a selection committed just after its
 * merge was passed). A split keeps the id with the part holding the person's earliest record; if the membership came
 * there by a merge, nobody can say which part was selected, so it is suspended until a coordinator selects again.
 */
import { z } from 'zod';
import { recordedIdentifiers } from '../enforcement/index.js';
import type { IdentityIndex } from '../identity/index-of-people.js';
import { type DisclosureRecordInput, type Ledger, LedgerUnavailableError } from '../ledger/index.js';
import type { SqlClient } from '../ledger/store.js';
import { partnershipDate } from '../partnership-date.js';
import { type CohortRegister, type Membership, toMembership } from './register.js';

export const MERGE_ACTOR = 'system:identity-merge';
export const SPLIT_ACTOR = 'system:identity-split';
/** Link changes read at a time: those naming no member are passed over together. */
const CHANGES_PER_READ = 500;

const LinkRow = z.object({
  seq: z.coerce.number(),
  change: z.enum(['MERGE', 'SPLIT']),
  gateway_id: z.string(),
  other_id: z.string(),
  reason: z.string(),
});
type LinkRow = z.infer<typeof LinkRow>;
const SeqRow = z.array(z.object({ seq: z.coerce.number() }));

/** One step of a catch-up: how far the cursor moves, the latest link change seen, and the membership changed, if any. */
interface Step {
  from: number;
  to: number;
  latest: number;
  move: Move | null;
}

type Move = MergeMove | Suspension;

interface MergeMove {
  kind: 'merge';
  /** The MERGE followed: other_id merged into gateway_id (for a sweep, gateway_id is the id's survivor now). */
  merge: LinkRow;
  merged: Membership;
  /** The survivor's own membership, when both people were members. */
  survivor: Membership | null;
}

/** A membership that came to its id by a merge, on a person the index has since split: made inactive, deny by default. */
interface Suspension {
  kind: 'suspend';
  split: LinkRow;
  member: Membership;
  /** The partnership date the membership ends on: the day the split was followed. */
  on: string;
}

/** Of two memberships of one person, the one kept: the active one, else the one selected first, else the survivor's. */
function keptOf({ merged, survivor }: MergeMove): Membership {
  if (survivor === null) return merged;
  if (merged.active !== survivor.active) return merged.active ? merged : survivor;
  return merged.selectedOn < survivor.selectedOn ? merged : survivor;
}

/** What linked the people, without the agency record keys the index names them by (`pnc:… (agency:key, …)`). */
const linkedBy = (reason: string) => reason.replace(/\s*\([^()]*\)\s*$/, '');

/** What the register's history and the ledger record say of a move: the same details, as for a coordinator's change. */
function mergeDetails(move: MergeMove): Record<string, unknown> {
  const { merge, merged, survivor } = move;
  const kept = keptOf(move);
  const replaced = survivor === null ? null : kept === merged ? survivor : merged;
  return {
    mergedFrom: merge.other_id,
    into: merge.gateway_id,
    reason: `The identity index found ${merge.other_id} and ${merge.gateway_id} to be one person (link change ${merge.seq}).`,
    linkedBy: linkedBy(merge.reason),
    ...(replaced && {
      kept: kept.gatewayId,
      replaced: {
        gatewayId: replaced.gatewayId,
        strand: replaced.strand,
        serviceLevel: replaced.serviceLevel,
        selectedOn: replaced.selectedOn,
        active: replaced.active,
        deselectedOn: replaced.deselectedOn,
        leadProfessional: replaced.leadProfessional.name,
      },
    }),
  };
}

/** A suspension's de-selection, in a coordinator's de-selection's terms, and why. */
function suspensionDetails({ split, on }: Suspension): Record<string, unknown> {
  return {
    deselectedOn: on,
    reason: `The identity index split ${split.other_id} off this person (link change ${split.seq}), whose membership came here by a merge: it may have been another person's selection.`,
    exitPlan: 'None made: suspended by the system. A coordinator should select again whichever of the two people was meant.',
    suspended: true,
    splitOff: split.other_id,
  };
}

const requestIdOf = (move: Move) => (move.kind === 'merge' ? `identity-merge:${move.merge.seq}` : `identity-split:${move.split.seq}`);
const actorOf = (move: Move) => (move.kind === 'merge' ? MERGE_ACTOR : SPLIT_ACTOR);

/** Reads the next step after the cursor, locking the cursor and the memberships it changes (on PostgreSQL) to the commit. */
async function nextStep(client: SqlClient): Promise<Step> {
  const [cursor] = SeqRow.parse(await client.query('SELECT seq FROM cohort_identity_cursor FOR UPDATE'));
  if (cursor === undefined) throw new FollowError('the cohort register has no identity cursor');
  // Link changes commit in seq order (one linking transaction at a time, under the index's advisory lock), so every
  // change up to the latest seq seen now can be read now: the cursor never passes one still to commit.
  const latest = SeqRow.parse(await client.query('SELECT coalesce(max(seq), 0) AS seq FROM identity_links_history'))[0]?.seq ?? 0;
  const changes = z.array(LinkRow).parse(
    await client.query(
      `SELECT seq, change, gateway_id, other_id, reason FROM identity_links_history
         WHERE change IN ('MERGE', 'SPLIT') AND seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3`,
      [cursor.seq, latest, CHANGES_PER_READ],
    ),
  );
  // A MERGE moves other_id's membership; a SPLIT suspends gateway_id's, if it is active and came there by a merge.
  const named = changes.map((c) => (c.change === 'MERGE' ? c.other_id : c.gateway_id));
  const members = await locked(client, named);
  const splits = changes.filter((c) => c.change === 'SPLIT' && members.get(c.gateway_id)?.active).map((c) => c.gateway_id);
  const byMerge = new Set(
    z
      .array(z.object({ gateway_id: z.string() }))
      .parse(await client.query(`SELECT DISTINCT gateway_id FROM cohort_history WHERE action = 'merge' AND gateway_id = ANY($1::text[])`, [splits]))
      .map((row) => row.gateway_id),
  );
  const change = changes.find((c) => (c.change === 'MERGE' ? members.has(c.other_id) : splits.includes(c.gateway_id) && byMerge.has(c.gateway_id)));
  if (change?.change === 'SPLIT') {
    return {
      from: cursor.seq,
      to: change.seq,
      latest,
      move: { kind: 'suspend', split: change, member: members.get(change.gateway_id) as Membership, on: partnershipDate(new Date()) },
    };
  }
  if (change !== undefined)
    return { from: cursor.seq, to: change.seq, latest, move: await mergeMove(client, change, members.get(change.other_id) as Membership) };
  const to = changes.length === CHANGES_PER_READ ? (changes.at(-1)?.seq ?? cursor.seq) : Math.max(cursor.seq, latest);
  // Swept only once the cursor stands at the latest change, in a step of its own: a sweep that cannot be followed never holds the cursor back.
  return { from: cursor.seq, to, latest, move: to === cursor.seq && to === latest ? await stranded(client) : null };
}

/** The memberships of these ids, locked (on PostgreSQL) to the commit. */
async function locked(client: SqlClient, ids: readonly string[]): Promise<Map<string, Membership>> {
  const rows = await client.query('SELECT * FROM cohort_memberships WHERE gateway_id = ANY($1::text[]) ORDER BY gateway_id FOR UPDATE', [[...ids]]);
  return new Map(rows.map(toMembership).map((m) => [m.gatewayId, m]));
}

async function mergeMove(client: SqlClient, merge: LinkRow, merged: Membership): Promise<MergeMove> {
  const survivor = (await locked(client, [merge.gateway_id])).get(merge.gateway_id) ?? null;
  return { kind: 'merge', merge, merged, survivor };
}

/**
 * A membership on an id already merged away, which the cursor passed before it was written (a selection planned
 * against the id just before its merge, committed just after): moved to the id's survivor as its latest merge says.
 * `merged_into` names the final survivor (one hop, gateway/identity/store.ts).
 */
async function stranded(client: SqlClient): Promise<MergeMove | null> {
  const [row] = await client.query(
    `SELECT coalesce(h.seq, 0) AS seq, 'MERGE' AS change, p.merged_into AS gateway_id, m.gateway_id AS other_id, coalesce(h.reason, '') AS reason
     FROM cohort_memberships m JOIN identity_people p ON p.gateway_id = m.gateway_id
     LEFT JOIN LATERAL (
       SELECT seq, reason FROM identity_links_history WHERE change = 'MERGE' AND other_id = m.gateway_id ORDER BY seq DESC LIMIT 1
     ) h ON true
     WHERE p.merged_into IS NOT NULL ORDER BY m.gateway_id LIMIT 1`,
  );
  if (row === undefined) return null;
  const merge = LinkRow.parse(row);
  const merged = (await locked(client, [merge.other_id])).get(merge.other_id);
  return merged ? mergeMove(client, merge, merged) : null;
}

/** Moves the cursor and makes the step's change, if the register is still as `nextStep` read it; throws, changing nothing, if not. */
async function applyStep(tx: SqlClient, step: Step, at: Date): Promise<Step> {
  if (step.to !== step.from) {
    const moved = await tx.query('UPDATE cohort_identity_cursor SET seq = $2 WHERE seq = $1 RETURNING seq', [step.from, step.to]);
    if (moved.length === 0) throw new FollowError('the cohort register’s identity cursor moved while a link change was being followed');
  }
  if (step.move?.kind === 'merge') await moveMembership(tx, step.move, at);
  else if (step.move?.kind === 'suspend') await suspend(tx, step.move, at);
  return step;
}

const changed = () => new FollowError('a membership changed while a link change was being followed');

async function moveMembership(tx: SqlClient, move: MergeMove, at: Date): Promise<void> {
  const { merge, merged, survivor } = move;
  const kept = keptOf(move);
  // One membership, the survivor's, in the kept one's terms; a version of its own, so a change planned before is
  // refused. Written only over the survivor's membership as read (none: there must still be none), so a selection of
  // the survivor committed meanwhile is not overwritten: the catch-up fails and the next one reads it.
  const written = await tx.query(
    `INSERT INTO cohort_memberships (gateway_id, strand, scheme, service_level, lead_professional, selected_on, selection_reason, active, deselected_on,
       deselection_reason, exit_plan, version)
     SELECT $1, strand, scheme, service_level, lead_professional, selected_on, selection_reason, active, deselected_on, deselection_reason, exit_plan, $3
     FROM cohort_memberships WHERE gateway_id = $2 AND version = $5
     ON CONFLICT (gateway_id) DO UPDATE SET strand = excluded.strand, scheme = excluded.scheme, service_level = excluded.service_level,
       lead_professional = excluded.lead_professional, selected_on = excluded.selected_on, selection_reason = excluded.selection_reason,
       active = excluded.active, deselected_on = excluded.deselected_on, deselection_reason = excluded.deselection_reason, exit_plan = excluded.exit_plan,
       version = excluded.version
     WHERE cohort_memberships.version = $4
     RETURNING gateway_id`,
    [merge.gateway_id, kept.gatewayId, Math.max(merged.version, survivor?.version ?? 0) + 1, survivor?.version ?? -1, kept.version],
  );
  if (written.length !== 1) throw changed();
  await tx.query('UPDATE cohort_history SET gateway_id = $1 WHERE gateway_id = $2', [merge.gateway_id, merged.gatewayId]);
  const deleted = await tx.query('DELETE FROM cohort_memberships WHERE gateway_id = $1 AND version = $2 RETURNING gateway_id', [
    merged.gatewayId,
    merged.version,
  ]);
  if (deleted.length !== 1) throw changed();
  await writeHistory(tx, merge.gateway_id, 'merge', mergeDetails(move), move, at);
}

async function suspend(tx: SqlClient, suspension: Suspension, at: Date): Promise<void> {
  const { member } = suspension;
  const details = suspensionDetails(suspension);
  const written = await tx.query(
    `UPDATE cohort_memberships SET active = false, deselected_on = $3, deselection_reason = $4, exit_plan = $5, version = version + 1
     WHERE gateway_id = $1 AND version = $2 AND active RETURNING gateway_id`,
    [member.gatewayId, member.version, details.deselectedOn, details.reason, details.exitPlan],
  );
  if (written.length !== 1) throw changed();
  await writeHistory(tx, member.gatewayId, 'deselect', details, suspension, at);
}

async function writeHistory(tx: SqlClient, gatewayId: string, action: string, details: Record<string, unknown>, move: Move, at: Date): Promise<void> {
  await tx.query('INSERT INTO cohort_history (gateway_id, occurred_at, action, details, actor, request_id) VALUES ($1, $2, $3, $4, $5, $6)', [
    gatewayId,
    at.toISOString(),
    action,
    JSON.stringify(details),
    actorOf(move),
    requestIdOf(move),
  ]);
}

/** Why a link change was not followed, in words naming no one: shown on /ready, which anyone may ask. */
class FollowError extends Error {
  override name = 'FollowError';
}

function failureOf(error: unknown): string {
  if (error instanceof FollowError) return error.message;
  if (error instanceof LedgerUnavailableError) return 'the ledger could not record the change';
  return 'the database failed while the change was being followed';
}

/** How far the last catch-up got, for /ready: a catch-up failing round after round is a stuck one. */
export interface CohortMergesStatus {
  /** The link change the register has followed to; null before the first catch-up. */
  followedTo: number | null;
  /** The latest link change the last catch-up saw. */
  latest: number | null;
  /** Why the last catch-up stopped short, or null if it finished. */
  error: string | null;
  at: string | null;
}

export class CohortMerges {
  private running: Promise<number> | undefined;
  /** Asked for again while a run was under way: link changes made since that run read the latest may be missed by it. */
  private again = false;
  private last: CohortMergesStatus = { followedTo: null, latest: null, error: null, at: null };

  constructor(
    private readonly register: Pick<CohortRegister, 'alter'>,
    private readonly ledger: Pick<Ledger, 'append'>,
    private readonly index: () => IdentityIndex,
  ) {}

  /**
   * Follows every link change made since the cursor; the memberships changed. Rejects, the failing change not followed,
   * if the ledger or the database cannot write: the next catch-up starts from it again. A call made meanwhile shares
   * the run, which then goes round once more, so that it sees whatever that call's refresh linked.
   */
  catchUp(): Promise<number> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      let changed = 0;
      do {
        this.again = false;
        changed += await this.run();
      } while (this.again);
      return changed;
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  status(): CohortMergesStatus {
    return this.last;
  }

  private async run(): Promise<number> {
    let changed = 0;
    try {
      for (;;) {
        const step = await this.step();
        this.last = { followedTo: step.to, latest: step.latest, error: null, at: new Date().toISOString() };
        if (step.move) changed += 1;
        else if (step.to === step.from) return changed;
      }
    } catch (error) {
      this.last = { ...this.last, error: failureOf(error), at: new Date().toISOString() };
      throw error;
    }
  }

  /**
   * One step, its record kept before it is committed. If it fails once recorded (the commit failing), a second record
   * with the same request says it was not made (docs/adr/0102), as for a coordinator's change; the retry records anew.
   */
  private async step(): Promise<Step> {
    const recorded: { record: DisclosureRecordInput | null } = { record: null };
    try {
      return await this.register.alter(
        nextStep,
        async (checked) => {
          if (checked.move === null) return;
          const record = await this.recordOf(checked.move);
          await this.ledger.append(record);
          recorded.record = record;
        },
        (tx, checked) => applyStep(tx, checked, new Date()),
      );
    } catch (error) {
      const failed = recorded.record;
      if (failed?.alteration) {
        const failure = { code: 'DATABASE_FAILED', reason: 'The cohort register’s database failed while following the identity index’s link change.' };
        await this.ledger
          .append({ ...failed, occurredAt: new Date().toISOString(), outcome: 'error', alteration: { ...failed.alteration, failure } })
          .catch(() => undefined);
      }
      throw error;
    }
  }

  /**
   * The change's ledger record, naming the people by their ids and every identifier the index holds for them now; the
   * person an id resolves to now, too, if it is another (merged again since). Throws, so nothing changes, if the index
   * no longer knows the person.
   */
  private async recordOf(move: Move): Promise<DisclosureRecordInput> {
    const ids = move.kind === 'merge' ? [move.merge.gateway_id, move.merge.other_id] : [move.member.gatewayId, move.split.other_id];
    const subjects: DisclosureRecordInput['subjects'] = [];
    for (const gatewayId of ids) {
      const person = await this.index().byId(gatewayId);
      if (person === undefined) throw new FollowError('the identity index knows no person an id of the link change names, so it was not followed');
      const identifiers = recordedIdentifiers(person);
      subjects.push({ gatewayId, identifiers, disclosed: [], withheld: [] });
      if (!ids.includes(person.id) && !subjects.some((subject) => subject.gatewayId === person.id))
        subjects.push({ gatewayId: person.id, identifiers, disclosed: [], withheld: [] });
    }
    const at = new Date();
    return {
      occurredAt: at.toISOString(),
      principal:
        move.kind === 'merge'
          ? { userId: MERGE_ACTOR, displayName: 'Identity index merge', agency: 'iom', role: 'system' }
          : { userId: SPLIT_ACTOR, displayName: 'Identity index split', agency: 'iom', role: 'system' },
      purpose: 'iom-case-management',
      kind: 'alteration',
      subjects,
      ispVersion: 'n/a',
      documentHash: 'cohort-register',
      operationName: move.kind === 'merge' ? 'cohort:merge' : 'cohort:suspend',
      requestId: requestIdOf(move),
      outcome: 'altered',
      alteration:
        move.kind === 'merge'
          ? { register: 'iom-cohort', action: 'merge', details: mergeDetails(move) }
          : { register: 'iom-cohort', action: 'suspend', details: suspensionDetails(move) },
    };
  }
}
