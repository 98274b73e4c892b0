/**
 * The cohort register follows the identity index's merges (docs/adr/0166). A membership is keyed by the gateway id
 * given at selection; when the index finds that id to be the same person as another (a MERGE in
 * identity_links_history), the membership becomes the survivor's, with its history. The register reads the link
 * history from a durable cursor of its own, one membership at a time: each move is recorded in the ledger by
 * `system:identity-merge` before it is committed (CohortRegister.alter), and the cursor moves in the same transaction,
 * so a crash or a ledger that cannot write leaves that merge to the next catch-up, never half-followed. A split
 * changes nothing here: the id, and the membership with it, stays with the part holding the person's earliest record.
 */
import { z } from 'zod';
import { recordedIdentifiers } from '../enforcement/index.js';
import type { IdentityIndex } from '../identity/index-of-people.js';
import type { Ledger } from '../ledger/index.js';
import type { SqlClient } from '../ledger/store.js';
import { type CohortRegister, type Membership, toMembership } from './register.js';

export const MERGE_ACTOR = 'system:identity-merge';
/** Merges read at a time: those naming no member are passed over together. */
const MERGES_PER_READ = 500;

const MergeRow = z.object({ seq: z.coerce.number(), gateway_id: z.string(), other_id: z.string(), reason: z.string() });
type MergeRow = z.infer<typeof MergeRow>;
const SeqRow = z.array(z.object({ seq: z.coerce.number() }));

/** One step of a catch-up: how far the cursor moves, and the membership that moves with it, if any. */
interface Step {
  from: number;
  to: number;
  move: Move | null;
}

interface Move {
  merge: MergeRow;
  merged: Membership;
  /** The survivor's own membership, when both people were members. */
  survivor: Membership | null;
}

/** Of two memberships of one person, the one kept: the active one, else the one selected first, else the survivor's. */
function keptOf({ merged, survivor }: Move): Membership {
  if (survivor === null) return merged;
  if (merged.active !== survivor.active) return merged.active ? merged : survivor;
  return merged.selectedOn < survivor.selectedOn ? merged : survivor;
}

/** What the register's history and the ledger record say of a move: the same details, as for a coordinator's change. */
function detailsOf(move: Move): Record<string, unknown> {
  const { merge, merged, survivor } = move;
  const kept = keptOf(move);
  const replaced = survivor === null ? null : kept === merged ? survivor : merged;
  return {
    mergedFrom: merge.other_id,
    into: merge.gateway_id,
    reason: `The identity index found ${merge.other_id} and ${merge.gateway_id} to be one person (link change ${merge.seq}).`,
    linkedBy: merge.reason,
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

const requestIdOf = (merge: MergeRow) => `identity-merge:${merge.seq}`;

/** Reads the next step after the cursor, locking the cursor and the memberships it moves (on PostgreSQL) to the commit. */
async function nextStep(client: SqlClient): Promise<Step> {
  const [cursor] = SeqRow.parse(await client.query('SELECT seq FROM cohort_identity_cursor FOR UPDATE'));
  if (cursor === undefined) throw new Error('the cohort register has no identity cursor');
  // Link changes commit in seq order (one linking transaction at a time, under the index's advisory lock), so every
  // change up to the latest seq seen now can be read now: the cursor never passes one still to commit.
  const [latest] = SeqRow.parse(await client.query('SELECT coalesce(max(seq), 0) AS seq FROM identity_links_history'));
  const merges = z
    .array(MergeRow)
    .parse(
      await client.query(
        `SELECT seq, gateway_id, other_id, reason FROM identity_links_history WHERE change = 'MERGE' AND seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3`,
        [cursor.seq, latest?.seq ?? 0, MERGES_PER_READ],
      ),
    );
  const members = new Map(
    (await client.query('SELECT * FROM cohort_memberships WHERE gateway_id = ANY($1::text[]) FOR UPDATE', [merges.map((m) => m.other_id)]))
      .map(toMembership)
      .map((m) => [m.gatewayId, m]),
  );
  const merge = merges.find((m) => members.has(m.other_id));
  if (merge === undefined) {
    const to = merges.length === MERGES_PER_READ ? (merges.at(-1)?.seq ?? cursor.seq) : Math.max(cursor.seq, latest?.seq ?? 0);
    return { from: cursor.seq, to, move: null };
  }
  const [survivor] = await client.query('SELECT * FROM cohort_memberships WHERE gateway_id = $1 FOR UPDATE', [merge.gateway_id]);
  return {
    from: cursor.seq,
    to: merge.seq,
    move: { merge, merged: members.get(merge.other_id) as Membership, survivor: survivor ? toMembership(survivor) : null },
  };
}

/** Moves the cursor and the membership, if the register is still as `nextStep` read it; throws, changing nothing, if not. */
async function follow(tx: SqlClient, step: Step, at: Date): Promise<Step> {
  const moved = await tx.query('UPDATE cohort_identity_cursor SET seq = $2 WHERE seq = $1 RETURNING seq', [step.from, step.to]);
  if (moved.length === 0) throw new Error('the cohort register’s identity cursor moved while a merge was being followed');
  if (step.move === null) return step;
  const { merge, merged, survivor } = step.move;
  const versions = new Map(
    z
      .array(z.object({ gateway_id: z.string(), version: z.number() }))
      .parse(await tx.query('SELECT gateway_id, version FROM cohort_memberships WHERE gateway_id = ANY($1::text[])', [[merged.gatewayId, merge.gateway_id]]))
      .map((row) => [row.gateway_id, row.version]),
  );
  if (versions.get(merged.gatewayId) !== merged.version || versions.get(merge.gateway_id) !== survivor?.version) {
    throw new Error('a membership changed while a merge was being followed');
  }
  const kept = keptOf(step.move);
  // One membership, the survivor's, in the kept one's terms; a version of its own, so a change planned before is refused.
  await tx.query(
    `INSERT INTO cohort_memberships (gateway_id, strand, scheme, service_level, lead_professional, selected_on, selection_reason, active, deselected_on,
       deselection_reason, exit_plan, version)
     SELECT $1, strand, scheme, service_level, lead_professional, selected_on, selection_reason, active, deselected_on, deselection_reason, exit_plan, $3
     FROM cohort_memberships WHERE gateway_id = $2
     ON CONFLICT (gateway_id) DO UPDATE SET strand = excluded.strand, scheme = excluded.scheme, service_level = excluded.service_level,
       lead_professional = excluded.lead_professional, selected_on = excluded.selected_on, selection_reason = excluded.selection_reason,
       active = excluded.active, deselected_on = excluded.deselected_on, deselection_reason = excluded.deselection_reason, exit_plan = excluded.exit_plan,
       version = excluded.version`,
    [merge.gateway_id, kept.gatewayId, Math.max(merged.version, survivor?.version ?? 0) + 1],
  );
  await tx.query('UPDATE cohort_history SET gateway_id = $1 WHERE gateway_id = $2', [merge.gateway_id, merged.gatewayId]);
  await tx.query('DELETE FROM cohort_memberships WHERE gateway_id = $1', [merged.gatewayId]);
  await tx.query('INSERT INTO cohort_history (gateway_id, occurred_at, action, details, actor, request_id) VALUES ($1, $2, $3, $4, $5, $6)', [
    merge.gateway_id,
    at.toISOString(),
    'merge',
    JSON.stringify(detailsOf(step.move)),
    MERGE_ACTOR,
    requestIdOf(merge),
  ]);
  return step;
}

export class CohortMerges {
  private running: Promise<number> | undefined;

  constructor(
    private readonly register: Pick<CohortRegister, 'alter'>,
    private readonly ledger: Pick<Ledger, 'append'>,
    private readonly index: () => IdentityIndex,
  ) {}

  /**
   * Follows every merge made since the cursor; the memberships moved. Rejects, the failing merge not followed, if the
   * ledger or the database cannot write: the next catch-up starts from it again. Calls made meanwhile share the run.
   */
  catchUp(): Promise<number> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(): Promise<number> {
    let moved = 0;
    for (;;) {
      const step = await this.register.alter(
        nextStep,
        (checked) => this.record(checked),
        (tx, checked) => follow(tx, checked, new Date()),
      );
      if (step.move) moved += 1;
      else if (step.to === step.from) return moved;
    }
  }

  /** The move's ledger record, naming the person by both ids and every identifier the index holds for them now. */
  private async record({ move }: Step): Promise<void> {
    if (move === null) return;
    const { merge } = move;
    const person = await this.index().byId(merge.gateway_id);
    const identifiers = person ? recordedIdentifiers(person) : {};
    await this.ledger.append({
      occurredAt: new Date().toISOString(),
      principal: { userId: MERGE_ACTOR, displayName: 'Identity index merge', agency: 'iom', role: 'system' },
      purpose: 'iom-case-management',
      kind: 'alteration',
      subjects: [merge.gateway_id, merge.other_id].map((gatewayId) => ({ gatewayId, identifiers, disclosed: [], withheld: [] })),
      ispVersion: 'n/a',
      documentHash: 'cohort-register',
      operationName: 'cohort:merge',
      requestId: requestIdOf(merge),
      outcome: 'altered',
      alteration: { register: 'iom-cohort', action: 'merge', details: detailsOf(move) },
    });
  }
}
