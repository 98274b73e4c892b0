/**
 * Recomputes the chain and holds it to every signed checkpoint: those in the database and, given a
 * witness file, those kept outside it. Names the first bad record. Assumes nothing of the database:
 * a superuser may have disabled the append-only triggers and edited any table.
 */
import { z } from 'zod';
import { chainHash, GENESIS_HASH } from './chain.js';
import type { Checkpoint, CheckpointVerifier } from './checkpoint.js';
import { type RecordColumns, recordColumns, type SubjectColumns, subjectColumns } from './columns.js';
import type { DisclosureRecord } from './record.js';
import type { LedgerStore, Row, SqlClient } from './store.js';
import { headSchema } from './writer.js';

export type TamperProblem = 'altered' | 'removed' | 'inserted' | 'reordered' | 'bad-checkpoint';

export interface TamperFinding {
  sequence: number;
  problem: TamperProblem;
  /** A sentence for the IG officer: what is wrong and where. */
  detail: string;
  /** Where only checkpoints show the change (it was rehashed): the narrowest run of records proven to contain it. */
  range?: { from: number; to: number };
}

/**
 * Tampering this run could not have seen. Without a witness: a removed tail with its checkpoint rows,
 * a forged tail with the head moved, a rehashed rewrite with its checkpoint rows removed. With one:
 * whatever happened to records newer than the witness's last checkpoint.
 */
export type BlindSpotKind = 'tail-removal' | 'tail-forgery' | 'rehashed-rewrite' | 'unwitnessed-tail';

export interface BlindSpot {
  kind: BlindSpotKind;
  detail: string;
  /** The records concerned, where they are known. */
  range?: { from: number; to: number };
}

export interface VerifyReport {
  ok: boolean;
  /** Records whose links, hashes and columns verify: all of them, or those before the chain's first bad record. */
  checked: number;
  /** The first record this run recomputed: 1, or later when it went on from a checkpoint verified before. */
  from: number;
  /** Checkpoints in the database whose signature and hash agree with the chain. */
  checkpoints: number;
  /** The witness file's checkpoints: how many, how many agree with the chain, and the last record they cover. */
  witness: { entries: number; agreeing: number; through: number } | null;
  firstBad?: TamperFinding;
  undetectable: BlindSpot[];
}

export interface VerifyOptions {
  /** Checkpoints kept outside the database (a witness file). */
  witness?: readonly Checkpoint[];
  /** Go on from this record, verified by an earlier run against a signed checkpoint, instead of from record 1. */
  resumeFrom?: Link;
}

export interface Link {
  sequence: number;
  hash: string;
}

/** What verify proved, for the next incremental run: the newest checkpoint that agrees with the chain. */
export interface VerifyResult {
  report: VerifyReport;
  anchor?: Link;
}

/** Rows per round trip; the next page is fetched while this one is hashed. */
const PAGE = 5_000;
/** How far back a renumbered record is looked for when a removal has been hidden by renumbering. */
const RENUMBER_SEARCH = 1_000;

/** A ledger_records row: the chain links, and the indexed columns (read by name) to compare with the text. */
interface ChainRow {
  sequence: number;
  prev_hash: string;
  hash: string;
  canonical: string;
  occurred_at_ms: number;
}

interface Stored {
  row: ChainRow;
  subjects: Row[];
}

export async function verifyLedger(store: LedgerStore, verifier: CheckpointVerifier, options: VerifyOptions = {}): Promise<VerifyResult> {
  return store.transaction(async (tx) => {
    // One snapshot for the whole walk, so appends made meanwhile neither appear half-way nor break it.
    await tx.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const headRow = (await tx.query('SELECT sequence, hash FROM ledger_head WHERE id = 1'))[0];
    const head = headRow === undefined ? undefined : headSchema.parse(headRow);
    const start = await resumable(tx, options.resumeFrom);
    const chain = await walkChain(tx, head, start);
    const [endRow] = await tx.query('SELECT max(sequence) AS sequence FROM ledger_records');
    const chainEnd =
      z.coerce
        .number()
        .nullable()
        .parse(endRow?.sequence ?? null) ?? 0;
    const signed = await checkSigned(tx, verifier, chainEnd, options.witness);
    const orphan = await orphanSubjects(tx, start.sequence);
    // A checkpoint only bounds a change to a range; the chain's own finding in that range names the record.
    const precise = chain.finding !== undefined && signed.finding?.range !== undefined && chain.finding.sequence <= signed.finding.range.to;
    const findings = [chain.finding, precise ? undefined : signed.finding, orphan].filter((finding) => finding !== undefined);
    // The earliest problem is the one to investigate; on a tie the chain's own finding is the more precise.
    const firstBad = findings.sort((a, b) => a.sequence - b.sequence)[0];
    const checked = firstBad?.range === undefined ? chain.checked : Math.min(chain.checked, firstBad.range.from - 1);
    const report: VerifyReport = {
      ok: firstBad === undefined,
      checked,
      from: start.sequence + 1,
      checkpoints: signed.databaseGood,
      witness: signed.witness,
      ...(firstBad === undefined ? {} : { firstBad }),
      undetectable: blindSpots(chainEnd, signed.witness),
    };
    return firstBad === undefined && signed.anchor !== undefined ? { report, anchor: signed.anchor } : { report };
  });
}

/** An earlier run's anchor counts only if the record is still there with the hash that was verified. */
async function resumable(tx: SqlClient, resumeFrom: Link | undefined): Promise<Link> {
  const genesis = { sequence: 0, hash: GENESIS_HASH };
  if (resumeFrom === undefined || resumeFrom.sequence === 0) return genesis;
  const [row] = await tx.query('SELECT hash FROM ledger_records WHERE sequence = $1', [resumeFrom.sequence]);
  return row?.hash === resumeFrom.hash ? resumeFrom : genesis;
}

function blindSpots(chainEnd: number, witness: VerifyReport['witness']): BlindSpot[] {
  if (witness === null) {
    return [
      { kind: 'tail-removal', detail: 'the newest records removed together with their checkpoint rows, the head moved back' },
      { kind: 'tail-forgery', detail: 'forged records appended after the last checkpoint, the head moved to them' },
      { kind: 'rehashed-rewrite', detail: 'records rewritten and rehashed, the checkpoint rows covering them removed' },
    ];
  }
  if (chainEnd <= witness.through) return [];
  const from = witness.through + 1;
  return [
    {
      kind: 'unwitnessed-tail',
      detail: `records ${from} to ${chainEnd} are newer than the witness's last checkpoint: their removal, forgery or rewrite shows only once a later checkpoint is witnessed`,
      range: { from, to: chainEnd },
    },
  ];
}

async function walkChain(tx: SqlClient, head: Link | undefined, start: Link): Promise<{ checked: number; finding?: TamperFinding }> {
  const pages = storedPages(tx, start.sequence);
  let prev: Link = start;
  let page = await pages.next();
  try {
    while (page !== undefined) {
      const nextPage = await pages.next();
      for (let index = 0; index < page.length; index++) {
        const current = page[index] as Stored;
        const following = page[index + 1] ?? nextPage?.[0];
        const finding = await examine(tx, head, prev, current, following);
        // Sequences up to a finding are contiguous, so everything before it was checked.
        if (finding) return { checked: finding.sequence - 1, finding };
        prev = { sequence: current.row.sequence, hash: current.row.hash };
      }
      page = nextPage;
    }
  } finally {
    await pages.close();
  }
  const checked = prev.sequence;
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

async function examine(tx: SqlClient, head: Link | undefined, prev: Link, current: Stored, following: Stored | undefined): Promise<TamperFinding | undefined> {
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

/**
 * The indexed columns and subject rows, compared with what the hashed text says they must be. The
 * text was validated when it was appended and its hash has just been checked, so it is read as JSON
 * without validating it again (a million records would spend most of verify's time there).
 */
function disagreeingColumns({ row, subjects }: Stored): string[] {
  let record: DisclosureRecord;
  let expected: ReturnType<typeof recordColumns>;
  let expectedSubjects: SubjectColumns[];
  try {
    record = JSON.parse(row.canonical) as DisclosureRecord;
    expected = recordColumns(record);
    expectedSubjects = subjectColumns(record);
  } catch {
    return ['the canonical text (not a valid record)'];
  }
  const columns: string[] = [];
  // Every column recordColumns derives (the same names for every record, listed once: a million
  // Object.entries cost verify a second).
  recordColumnNames ??= Object.keys(expected) as (keyof RecordColumns)[];
  for (const column of recordColumnNames) {
    const value = expected[column];
    const stored = (row as unknown as Row)[column];
    const agrees =
      column === 'occurred_at'
        ? Math.round(row.occurred_at_ms) === Date.parse(String(value))
        : Array.isArray(value)
          ? sameList(stored, value)
          : stored === value;
    if (!agrees) columns.push(column);
  }
  if (!sameSubjects(subjects, expectedSubjects)) columns.push('its subject rows');
  return columns;
}

let recordColumnNames: (keyof RecordColumns)[] | undefined;

function sameList(actual: unknown, wanted: readonly unknown[]): boolean {
  return Array.isArray(actual) && actual.length === wanted.length && actual.every((value, index) => value === wanted[index]);
}

let subjectColumnNames: (keyof SubjectColumns)[] | undefined;

function sameSubjects(stored: readonly Row[], wanted: readonly SubjectColumns[]): boolean {
  if (stored.length !== wanted.length) return false;
  return wanted.every((subject, index) => {
    const row = stored[index] as Row;
    subjectColumnNames ??= Object.keys(subject) as (keyof SubjectColumns)[];
    return subjectColumnNames.every((column) => (column === 'position' ? Number(row.position) === subject.position : row[column] === subject[column]));
  });
}

/** Pages of records, each with its subject rows; the next page is asked for while the caller works on this one. */
function storedPages(tx: SqlClient, after: number): { next(): Promise<Stored[] | undefined>; close(): Promise<void> } {
  let cursor = after;
  let done = false;
  let pending: Promise<Stored[]> | undefined;
  const fetch = async (from: number): Promise<Stored[]> => {
    const rows = await tx.query(
      // date_part is double precision, cheaper to produce and read than extract's numeric.
      `SELECT sequence, prev_hash, hash, canonical, date_part('epoch', occurred_at) * 1000 AS occurred_at_ms,
              user_id, agency, role, purpose, kind, outcome, emergency, clause_ids
       FROM ledger_records WHERE sequence > $1 ORDER BY sequence LIMIT $2`,
      [from, PAGE],
    );
    const last = rows.at(-1);
    if (last === undefined) return [];
    const subjects = await tx.query(`SELECT * FROM ledger_subjects WHERE sequence > $1 AND sequence <= $2 ORDER BY sequence, position`, [from, last.sequence]);
    const bySequence = new Map<number, Row[]>();
    for (const subject of subjects) {
      const sequence = Number(subject.sequence);
      const list = bySequence.get(sequence);
      if (list === undefined) bySequence.set(sequence, [subject]);
      else list.push(subject);
    }
    return rows.map((raw) => {
      const row = chainRow(raw);
      return { row, subjects: bySequence.get(row.sequence) ?? [] };
    });
  };
  const ask = () => {
    if (done) return undefined;
    const asked = fetch(cursor);
    // Settled either way here; whoever awaits it sees the failure.
    asked.catch(() => undefined);
    return asked;
  };
  return {
    async next() {
      const page = await (pending ?? ask());
      pending = undefined;
      if (page === undefined || page.length === 0) {
        done = true;
        return undefined;
      }
      cursor = (page.at(-1) as Stored).row.sequence;
      pending = ask();
      return page;
    },
    async close() {
      done = true;
      await pending?.catch(() => undefined);
    },
  };
}

const stringColumn = (value: unknown, column: string): string => {
  if (typeof value !== 'string') throw new TypeError(`ledger_records.${column} is not text`);
  return value;
};

/** Checked and converted in place: a million rows copied into new objects keep the garbage collector busy. */
function chainRow(raw: Row): ChainRow {
  raw.sequence = Number(raw.sequence);
  raw.occurred_at_ms = Number(raw.occurred_at_ms);
  for (const column of ['prev_hash', 'hash', 'canonical'] as const) stringColumn(raw[column], column);
  return raw as unknown as ChainRow;
}

/** A signed statement that the chain's record `sequence` had `hash`, from the database or the witness. */
interface Statement {
  sequence: number;
  hash: string;
  at: string;
  /** Where it was found, for the sentence: "checkpoint 12" or "witness line 3". */
  place: string;
  jws: string;
  fromWitness: boolean;
}

interface SignedCheck {
  databaseGood: number;
  witness: VerifyReport['witness'];
  finding?: TamperFinding;
  /** The newest statement that agrees with the chain. */
  anchor?: Link;
}

const checkpointRowSchema = z.object({
  id: z.coerce.number().int(),
  sequence: z.coerce.number().int(),
  hash: z.string(),
  at_ms: z.coerce.number(),
  jws: z.string(),
});

/**
 * Every signed statement about the chain, checked: its signature, its agreement with the row or line
 * it was read from, and whether the chain still has that hash at that record. A statement that no
 * longer agrees proves a rewrite between the newest statement below it that still agrees and itself.
 */
async function checkSigned(tx: SqlClient, verifier: CheckpointVerifier, chainEnd: number, witness: readonly Checkpoint[] | undefined): Promise<SignedCheck> {
  let finding: TamperFinding | undefined;
  const note = (candidate: TamperFinding) => {
    if (finding === undefined || candidate.sequence < finding.sequence) finding = candidate;
  };
  const statements: Statement[] = [];
  const databaseJws = new Set<string>();
  let after = 0;
  for (;;) {
    const page = z.array(checkpointRowSchema).parse(
      await tx.query(
        `SELECT id, sequence, hash, extract(epoch FROM at) * 1000 AS at_ms, jws
         FROM ledger_checkpoints WHERE id > $1 ORDER BY id LIMIT $2`,
        [after, PAGE],
      ),
    );
    for (const row of page) {
      databaseJws.add(row.jws);
      const place = `checkpoint ${row.id} (record ${row.sequence})`;
      const checked = await verifier.check(row.jws);
      if (!checked.ok) {
        note({ sequence: row.sequence, problem: 'bad-checkpoint', detail: `${place}: its signature does not verify: ${checked.reason}` });
        continue;
      }
      const { payload } = checked;
      if (payload.sequence !== row.sequence || payload.hash !== row.hash || Date.parse(payload.at) !== row.at_ms) {
        note({ sequence: row.sequence, problem: 'bad-checkpoint', detail: `${place}: its columns disagree with what was signed` });
        continue;
      }
      statements.push({ ...payload, place: `checkpoint ${row.id}`, jws: row.jws, fromWitness: false });
    }
    const last = page.at(-1);
    if (last === undefined) break;
    after = last.id;
  }
  for (const [index, entry] of (witness ?? []).entries()) {
    const place = `witness line ${index + 1}`;
    const checked = await verifier.check(entry.jws);
    if (!checked.ok) {
      note({
        sequence: entry.sequence,
        problem: 'bad-checkpoint',
        detail: `${place} (record ${entry.sequence}): its signature does not verify: ${checked.reason}`,
      });
      continue;
    }
    const { payload } = checked;
    if (payload.sequence !== entry.sequence || payload.hash !== entry.hash || payload.at !== entry.at) {
      note({ sequence: payload.sequence, problem: 'bad-checkpoint', detail: `${place}: its fields disagree with what was signed` });
    }
    statements.push({ ...payload, place, jws: entry.jws, fromWitness: true });
  }

  const hashes = await hashesAt(tx, [...new Set(statements.map((statement) => statement.sequence))]);
  const agreeing: Statement[] = [];
  const disagreeing: Statement[] = [];
  for (const statement of statements) {
    const hash = hashes.get(statement.sequence);
    if (hash === undefined) {
      const missing = Math.min(statement.sequence, chainEnd + 1);
      note({
        sequence: missing,
        problem: 'removed',
        detail: `${statement.place} signed record ${statement.sequence} at ${statement.at}, which is no longer in the ledger`,
        range: { from: missing, to: statement.sequence },
      });
    } else if (hash === statement.hash) {
      agreeing.push(statement);
      if (statement.fromWitness && !databaseJws.has(statement.jws)) {
        note({
          sequence: statement.sequence,
          problem: 'bad-checkpoint',
          detail: `the checkpoint of record ${statement.sequence} signed at ${statement.at} (${statement.place}) is missing from the database: its row was deleted`,
        });
      }
    } else {
      disagreeing.push(statement);
    }
  }
  const firstDisagreeing = disagreeing.sort((a, b) => a.sequence - b.sequence)[0];
  if (firstDisagreeing !== undefined) {
    const below = agreeing.filter((statement) => statement.sequence < firstDisagreeing.sequence);
    const lastAgreeing = below.sort((a, b) => b.sequence - a.sequence)[0];
    const from = (lastAgreeing?.sequence ?? 0) + 1;
    const to = firstDisagreeing.sequence;
    const stillAgrees = lastAgreeing === undefined ? '' : `; ${lastAgreeing.place}, of record ${lastAgreeing.sequence}, still agrees`;
    note({
      sequence: from,
      problem: 'altered',
      detail:
        `records ${from} to ${to} were rewritten and rehashed: ${firstDisagreeing.place} signed hash ${firstDisagreeing.hash} ` +
        `for record ${to} at ${firstDisagreeing.at}, the chain now has ${hashes.get(to) ?? 'another'}${stillAgrees}`,
      range: { from, to },
    });
  }
  const newest = agreeing.sort((a, b) => b.sequence - a.sequence)[0];
  const witnessed = statements.filter((statement) => statement.fromWitness);
  return {
    databaseGood: agreeing.filter((statement) => !statement.fromWitness).length,
    witness:
      witness === undefined
        ? null
        : {
            entries: witness.length,
            agreeing: agreeing.filter((statement) => statement.fromWitness).length,
            through: witnessed.reduce((highest, statement) => Math.max(highest, statement.sequence), 0),
          },
    ...(finding === undefined ? {} : { finding }),
    ...(newest === undefined ? {} : { anchor: { sequence: newest.sequence, hash: newest.hash } }),
  };
}

async function hashesAt(tx: SqlClient, sequences: readonly number[]): Promise<Map<number, string>> {
  const hashes = new Map<number, string>();
  for (let start = 0; start < sequences.length; start += PAGE) {
    const rows = await tx.query('SELECT sequence, hash FROM ledger_records WHERE sequence = ANY($1::bigint[])', [sequences.slice(start, start + PAGE)]);
    for (const row of rows) hashes.set(Number(row.sequence), String(row.hash));
  }
  return hashes;
}

/** Subject rows for a record that is not there: rows added behind the ledger's back. */
async function orphanSubjects(tx: SqlClient, after: number): Promise<TamperFinding | undefined> {
  const [row] = await tx.query(
    `SELECT min(s.sequence) AS sequence FROM ledger_subjects s
     WHERE s.sequence > $1 AND NOT EXISTS (SELECT 1 FROM ledger_records r WHERE r.sequence = s.sequence)`,
    [after],
  );
  const sequence = z.coerce
    .number()
    .nullable()
    .parse(row?.sequence ?? null);
  if (sequence === null) return undefined;
  return { sequence, problem: 'inserted', detail: `subject rows name record ${sequence}, which is not in the ledger` };
}
