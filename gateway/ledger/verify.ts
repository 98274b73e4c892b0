/**
 * Recomputes the whole chain and every checkpoint, and names the first bad record. Assumes nothing
 * of the database: a superuser may have disabled the append-only triggers and edited any table.
 */
import { z } from 'zod';
import { canonicalJson, chainHash, GENESIS_HASH } from './chain.js';
import type { CheckpointVerifier } from './checkpoint.js';
import { recordColumns, subjectColumns } from './columns.js';
import { disclosureRecordSchema } from './record.js';
import { yieldToEventLoop, type LedgerStore, type Row, type SqlClient } from './store.js';
import { headSchema } from './writer.js';

export type TamperProblem = 'altered' | 'removed' | 'inserted' | 'reordered' | 'bad-checkpoint';

export interface TamperFinding {
  sequence: number;
  problem: TamperProblem;
  /** A sentence for the IG officer: what is wrong and where. */
  detail: string;
}

export interface VerifyReport {
  ok: boolean;
  /** Records whose links, hashes and columns verify: all of them, or those before the chain's first bad record. */
  checked: number;
  /** Checkpoints whose signature and hash agree with the chain. */
  checkpoints: number;
  firstBad?: TamperFinding;
}

const PAGE = 2_000;
/** How far back a renumbered record is looked for when a removal has been hidden by renumbering. */
const RENUMBER_SEARCH = 1_000;

const chainRowSchema = z.looseObject({
  sequence: z.coerce.number().int(),
  prev_hash: z.string(),
  hash: z.string(),
  canonical: z.string(),
});
type ChainRow = z.infer<typeof chainRowSchema>;

interface Stored {
  row: ChainRow;
  subjects: Row[];
}

interface Link {
  sequence: number;
  hash: string;
}

export async function verifyLedger(store: LedgerStore, verifier: CheckpointVerifier): Promise<VerifyReport> {
  return store.transaction(async (tx) => {
    // One snapshot for the whole walk, so appends made meanwhile neither appear half-way nor break it.
    await tx.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const headRow = (await tx.query('SELECT sequence, hash FROM ledger_head WHERE id = 1'))[0];
    const head = headRow === undefined ? undefined : headSchema.parse(headRow);
    const chain = await walkChain(tx, head);
    const checkpoints = await checkCheckpoints(tx, verifier);
    const orphan = await orphanSubjects(tx);
    const findings = [chain.finding, checkpoints.finding, orphan].filter((finding) => finding !== undefined);
    // The earliest problem is the one to investigate; on a tie the chain's own finding is the more precise.
    const firstBad = findings.sort((a, b) => a.sequence - b.sequence)[0];
    return {
      ok: firstBad === undefined,
      checked: chain.checked,
      checkpoints: checkpoints.good,
      ...(firstBad === undefined ? {} : { firstBad }),
    };
  });
}

async function walkChain(tx: SqlClient, head: Link | undefined): Promise<{ checked: number; finding?: TamperFinding }> {
  const rows = storedRows(tx);
  let prev: Link = { sequence: 0, hash: GENESIS_HASH };
  let current = await next(rows);
  let checked = 0;
  while (current !== undefined) {
    const following = await next(rows);
    const finding = await examine(tx, head, prev, current, following);
    // Sequences up to a finding are contiguous, so everything before it was checked.
    if (finding) return { checked: finding.sequence - 1, finding };
    checked++;
    prev = { sequence: current.row.sequence, hash: current.row.hash };
    current = following;
  }
  if (head !== undefined && head.sequence > prev.sequence) {
    return {
      checked,
      finding: {
        sequence: prev.sequence + 1,
        problem: 'removed',
        detail: `records ${prev.sequence + 1} to ${head.sequence} are missing: the chain head says ${head.sequence} were written`,
      },
    };
  }
  if (head !== undefined && head.sequence === prev.sequence && head.hash !== prev.hash) {
    return {
      checked: prev.sequence - 1,
      finding: {
        sequence: prev.sequence,
        problem: 'altered',
        detail: `record ${prev.sequence} was altered and rehashed: its hash is not the one its writer recorded as the chain head`,
      },
    };
  }
  return { checked };
}

async function examine(
  tx: SqlClient,
  head: Link | undefined,
  prev: Link,
  current: Stored,
  following: Stored | undefined,
): Promise<TamperFinding | undefined> {
  const { row } = current;
  const expected = prev.sequence + 1;
  if (row.sequence !== expected) {
    return {
      sequence: expected,
      problem: 'removed',
      detail: `record ${expected} is missing: the chain jumps from ${prev.sequence} to ${row.sequence}`,
    };
  }
  if (head !== undefined && row.sequence > head.sequence) {
    return {
      sequence: row.sequence,
      problem: 'inserted',
      detail: `record ${row.sequence} lies beyond the chain head (${head.sequence}): no ledger writer added it`,
    };
  }
  const selfConsistent = chainHash(row.sequence, row.prev_hash, row.canonical) === row.hash;
  const skippedByNext = following !== undefined && following.row.prev_hash === prev.hash;
  if (row.prev_hash !== prev.hash) {
    const predecessor = await sequenceWithHash(tx, row.prev_hash);
    if (predecessor !== undefined) {
      return {
        sequence: row.sequence,
        problem: 'reordered',
        detail: `record ${row.sequence} was written after record ${predecessor} but is stored after record ${prev.sequence}`,
      };
    }
    if (skippedByNext) return inserted(row.sequence, following.row.sequence, prev.sequence);
    if (selfConsistent && prev.sequence > 0) {
      return {
        sequence: prev.sequence,
        problem: 'altered',
        detail: `record ${prev.sequence} was altered and rehashed: record ${row.sequence} still links to its original hash`,
      };
    }
    if (renumbered(row)) {
      return {
        sequence: row.sequence,
        problem: 'removed',
        detail: `the record before ${row.sequence} was removed and later records renumbered to hide the gap`,
      };
    }
    return {
      sequence: row.sequence,
      problem: 'altered',
      detail: `record ${row.sequence} no longer links to record ${prev.sequence}: its link was changed`,
    };
  }
  if (skippedByNext) return inserted(row.sequence, following.row.sequence, prev.sequence);
  if (!selfConsistent) {
    return { sequence: row.sequence, problem: 'altered', detail: `record ${row.sequence} no longer matches its hash` };
  }
  const disagreeing = disagreeingColumns(current);
  if (disagreeing.length > 0) {
    return {
      sequence: row.sequence,
      problem: 'altered',
      detail: `record ${row.sequence}: ${disagreeing.join(', ')} disagree with the hashed record`,
    };
  }
  return undefined;
}

function inserted(sequence: number, nextSequence: number, prevSequence: number): TamperFinding {
  return {
    sequence,
    problem: 'inserted',
    detail: `record ${sequence} is not part of the chain: record ${nextSequence} links straight to record ${prevSequence}`,
  };
}

/** A row whose hash is right for a later sequence number was moved down after a removal. */
function renumbered(row: ChainRow): boolean {
  for (let offset = 1; offset <= RENUMBER_SEARCH; offset++) {
    if (chainHash(row.sequence + offset, row.prev_hash, row.canonical) === row.hash) return true;
  }
  return false;
}

async function sequenceWithHash(tx: SqlClient, hash: string): Promise<number | undefined> {
  const [found] = await tx.query('SELECT sequence FROM ledger_records WHERE hash = $1 LIMIT 1', [hash]);
  return found === undefined ? undefined : z.coerce.number().parse(found.sequence);
}

/** The indexed columns and subject rows, compared with what the hashed text says they must be. */
function disagreeingColumns({ row, subjects }: Stored): string[] {
  let record;
  try {
    record = disclosureRecordSchema.parse(JSON.parse(row.canonical));
  } catch {
    return ['the canonical text (not a valid record)'];
  }
  const expected = recordColumns(record);
  const actual: Record<string, unknown> = {
    occurred_at: Number(row.occurred_at_ms),
    user_id: row.user_id,
    agency: row.agency,
    role: row.role,
    purpose: row.purpose,
    kind: row.kind,
    outcome: row.outcome,
    emergency: row.emergency,
    clause_ids: row.clause_ids,
  };
  const wanted: Record<string, unknown> = { ...expected, occurred_at: Date.parse(expected.occurred_at) };
  const columns = Object.keys(wanted).filter((column) => !sameValue(actual[column], wanted[column]));
  const storedSubjects = subjects.map((subject) => ({
    position: Number(subject.position),
    gateway_id: subject.gateway_id,
    pnc: subject.pnc,
    cro: subject.cro,
    noms_number: subject.noms_number,
    crn: subject.crn,
    in_active_cohort: subject.in_active_cohort,
  }));
  if (!sameValue(storedSubjects, subjectColumns(record))) columns.push('its subject rows');
  return columns;
}

function sameValue(a: unknown, b: unknown): boolean {
  try {
    return canonicalJson(a) === canonicalJson(b);
  } catch {
    return false;
  }
}

async function* storedRows(tx: SqlClient): AsyncGenerator<Stored> {
  let after = 0;
  for (;;) {
    const rows = z.array(chainRowSchema).parse(
      await tx.query(
        `SELECT sequence, prev_hash, hash, canonical, extract(epoch FROM occurred_at) * 1000 AS occurred_at_ms,
                user_id, agency, role, purpose, kind, outcome, emergency, clause_ids
         FROM ledger_records WHERE sequence > $1 ORDER BY sequence LIMIT $2`,
        [after, PAGE],
      ),
    );
    const last = rows.at(-1);
    if (last === undefined) return;
    const subjects = await tx.query(
      `SELECT sequence, position, gateway_id, pnc, cro, noms_number, crn, in_active_cohort
       FROM ledger_subjects WHERE sequence > $1 AND sequence <= $2 ORDER BY sequence, position`,
      [after, last.sequence],
    );
    const bySequence = new Map<number, Row[]>();
    for (const subject of subjects) {
      const sequence = Number(subject.sequence);
      bySequence.set(sequence, [...(bySequence.get(sequence) ?? []), subject]);
    }
    for (const row of rows) yield { row, subjects: bySequence.get(row.sequence) ?? [] };
    after = last.sequence;
    await yieldToEventLoop();
  }
}

async function next(rows: AsyncGenerator<Stored>): Promise<Stored | undefined> {
  const result = await rows.next();
  return result.done ? undefined : result.value;
}

const checkpointRowSchema = z.object({
  id: z.coerce.number().int(),
  sequence: z.coerce.number().int(),
  hash: z.string(),
  at_ms: z.coerce.number(),
  jws: z.string(),
  record_hash: z.string().nullable(),
});

async function checkCheckpoints(
  tx: SqlClient,
  verifier: CheckpointVerifier,
): Promise<{ good: number; finding?: TamperFinding }> {
  const [maxRow] = await tx.query('SELECT max(sequence) AS sequence FROM ledger_records');
  const lastSequence = z.coerce.number().nullable().parse(maxRow?.sequence ?? null) ?? 0;
  let good = 0;
  let finding: TamperFinding | undefined;
  const note = (candidate: TamperFinding) => {
    if (finding === undefined || candidate.sequence < finding.sequence) finding = candidate;
  };
  let after = 0;
  for (;;) {
    const page = z.array(checkpointRowSchema).parse(
      await tx.query(
        `SELECT c.id, c.sequence, c.hash, extract(epoch FROM c.at) * 1000 AS at_ms, c.jws, r.hash AS record_hash
         FROM ledger_checkpoints c LEFT JOIN ledger_records r ON r.sequence = c.sequence
         WHERE c.id > $1 ORDER BY c.id LIMIT $2`,
        [after, PAGE],
      ),
    );
    for (const checkpoint of page) {
      const problem = await checkpointProblem(checkpoint, verifier, lastSequence);
      if (problem === undefined) good++;
      else note(problem);
    }
    const last = page.at(-1);
    if (last === undefined) return finding === undefined ? { good } : { good, finding };
    after = last.id;
    await yieldToEventLoop();
  }
}

async function checkpointProblem(
  checkpoint: z.infer<typeof checkpointRowSchema>,
  verifier: CheckpointVerifier,
  lastSequence: number,
): Promise<TamperFinding | undefined> {
  const bad = (detail: string): TamperFinding => ({
    sequence: checkpoint.sequence,
    problem: 'bad-checkpoint',
    detail: `checkpoint ${checkpoint.id} (record ${checkpoint.sequence}): ${detail}`,
  });
  const checked = await verifier.check(checkpoint.jws);
  if (!checked.ok) return bad(`its signature does not verify: ${checked.reason}`);
  const { payload } = checked;
  const columnsAgree =
    payload.sequence === checkpoint.sequence && payload.hash === checkpoint.hash && Date.parse(payload.at) === checkpoint.at_ms;
  if (!columnsAgree) {
    return bad('its columns disagree with what was signed');
  }
  if (checkpoint.record_hash === null) {
    const missing = Math.min(payload.sequence, lastSequence + 1);
    return {
      sequence: missing,
      problem: 'removed',
      detail: `checkpoint ${checkpoint.id} signed record ${payload.sequence}, which is no longer in the ledger`,
    };
  }
  if (checkpoint.record_hash !== payload.hash) {
    return bad(`it signed hash ${payload.hash} but the chain now has ${checkpoint.record_hash}: records up to it were rewritten`);
  }
  return undefined;
}

/** Subject rows for a record that is not there: rows added behind the ledger's back. */
async function orphanSubjects(tx: SqlClient): Promise<TamperFinding | undefined> {
  const [row] = await tx.query(
    `SELECT min(s.sequence) AS sequence FROM ledger_subjects s
     WHERE NOT EXISTS (SELECT 1 FROM ledger_records r WHERE r.sequence = s.sequence)`,
  );
  const sequence = z.coerce.number().nullable().parse(row?.sequence ?? null);
  if (sequence === null) return undefined;
  return { sequence, problem: 'inserted', detail: `subject rows name record ${sequence}, which is not in the ledger` };
}
