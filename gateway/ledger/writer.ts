/**
 * Group commit: appends that arrive while a transaction is committing wait for the next one,
 * so one writer loop turns many concurrent requests into few, larger commits.
 */
import { z } from 'zod';
import { chainHash } from './chain.js';
import { type RecordColumns, recordColumns, type SubjectColumns, subjectColumns } from './columns.js';
import { LedgerUnavailableError } from './errors.js';
import { canonicalRecordText, type DisclosureRecord } from './record.js';
import { type LedgerStore, type SqlClient, yieldToEventLoop } from './store.js';

export interface Appended {
  sequence: number;
  hash: string;
}

/** A validated record with everything that does not depend on its place in the chain worked out. */
export interface PreparedRecord {
  canonical: string;
  columns: RecordColumns;
  subjects: SubjectColumns[];
}

export function prepareRecord(record: DisclosureRecord): PreparedRecord {
  return { canonical: canonicalRecordText(record), columns: recordColumns(record), subjects: subjectColumns(record) };
}

/** Bounds one transaction's size; under load batches are usually as large as the number of waiting requests. */
const MAX_BATCH = 1_000;

export const headSchema = z.object({ sequence: z.coerce.number().int().nonnegative(), hash: z.string() });
/** Made once: zod compiles an object schema at its first parse, which per batch was work for nothing. */
const Moved = z.object({ moved: z.number() });

interface Pending {
  prepared: PreparedRecord;
  resolve: (appended: Appended) => void;
  reject: (error: Error) => void;
}

export class GroupCommitWriter {
  #queue: Pending[] = [];
  #draining: Promise<void> | undefined;
  #written = 0;
  /** The chain head as this writer's last commit left it; undefined until then, or after a failure. */
  #head: Appended | undefined;

  /** `onCommitted` hears of each committed batch's last record (to sign a checkpoint every N records) and its size. */
  constructor(
    private readonly store: LedgerStore,
    private readonly onCommitted: (last: Appended, records: number) => void = () => undefined,
  ) {}

  /** Records this writer has committed since it started. */
  get written(): number {
    return this.#written;
  }

  /** Resolves once the record is committed; rejects with LedgerUnavailableError if its batch fails. */
  write(prepared: PreparedRecord): Promise<Appended> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ prepared, resolve, reject });
      this.#draining ??= this.#drain();
    });
  }

  /** Resolves when every record written so far is committed or rejected. */
  async idle(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      // Between commits let timers and I/O run (PGlite never leaves the microtask queue), and let
      // more appends join the batch.
      await yieldToEventLoop();
      const batch = this.#queue.splice(0, MAX_BATCH);
      const prepared = batch.map((pending) => pending.prepared);
      try {
        const head = this.#head;
        // The head this writer committed last is usually still the head: then the batch is one statement that
        // extends the chain only if it is (one round trip). Otherwise, or at first, read the head under its lock.
        const appended = (head && (await extendFrom(this.store, head, prepared))) ?? (await this.store.transaction((tx) => writeBatch(tx, prepared)));
        this.#head = appended.at(-1);
        this.#written += batch.length;
        batch.forEach((pending, index) => {
          pending.resolve(appended[index] as Appended);
        });
        this.onCommitted(appended.at(-1) as Appended, batch.length);
      } catch (error) {
        // Whether the batch was committed is unknown: the next one reads the head under its lock.
        this.#head = undefined;
        // The database's own message stays in `cause`, for the logs rather than for the caller.
        const failure = new LedgerUnavailableError('the ledger database did not commit the write', { cause: error });
        for (const pending of batch) pending.reject(failure);
      }
    }
    this.#draining = undefined;
  }
}

/** Every column of a record row but its canonical text, which travels apart (see `chained`). */
const RECORD_COLUMNS = `sequence bigint, prev_hash text, hash text, occurred_at timestamptz, user_id text,
  agency text, role text, purpose text, kind text, outcome text, emergency boolean, clause_ids text[]`;
const SUBJECT_COLUMNS = `sequence bigint, position integer, gateway_id text, pnc text, cro text, noms_number text,
  crn text, in_active_cohort boolean`;
const names = (columns: string, prefix = '') =>
  columns
    .split(',')
    .map((column) => prefix + column.trim().split(/\s+/)[0])
    .join(', ');

/**
 * Between two records' canonical texts in one parameter. JSON escapes every control character, so no canonical text
 * holds this one.
 */
const TEXT_SEPARATOR = '\u001f';

interface Chained {
  records: object[];
  /** The batch's canonical texts, in order, joined by TEXT_SEPARATOR. */
  texts: string;
  subjects: object[];
  appended: Appended[];
}

/**
 * The batch's rows, chained on from `head`. The canonical texts are not put in the rows' JSON, where every quote in
 * them would be escaped again (for a page of 50 people, as long as writing the record's JSON in the first place).
 */
function chained(head: Appended, batch: readonly PreparedRecord[]): Chained {
  let sequence = head.sequence;
  let prevHash = head.hash;
  const records: object[] = [];
  const subjects: object[] = [];
  const appended: Appended[] = [];
  for (const prepared of batch) {
    sequence += 1;
    const hash = chainHash(sequence, prevHash, prepared.canonical);
    // `position` pairs the row with its text: the texts' place in the list, from 1.
    records.push({ position: records.length + 1, sequence, prev_hash: prevHash, hash, ...prepared.columns });
    for (const subject of prepared.subjects) subjects.push({ sequence, ...subject });
    appended.push({ sequence, hash });
    prevHash = hash;
  }
  return { records, texts: batch.map((prepared) => prepared.canonical).join(TEXT_SEPARATOR), subjects, appended };
}

// One statement for the whole batch, whatever its size: rows travel as JSON parameters, the canonical texts as one
// text, and the records, their subjects and the new head are written together (the subjects' foreign key is checked at
// the statement's end, when the records are there). Parameters: records, subjects, canonical texts, the new head's
// sequence and hash.
const INSERT_RECORDS = `records AS (
     INSERT INTO ledger_records (${names(RECORD_COLUMNS)}, canonical)
     SELECT ${names(RECORD_COLUMNS, 'r.')}, t.canonical
     FROM jsonb_to_recordset($1::jsonb) AS r(${RECORD_COLUMNS}, position bigint)
     JOIN unnest(string_to_array($3::text, chr(31))) WITH ORDINALITY AS t(canonical, position) USING (position)`;
const INSERT_SUBJECTS = `subjects AS (
     INSERT INTO ledger_subjects (${names(SUBJECT_COLUMNS)})
     SELECT ${names(SUBJECT_COLUMNS)} FROM jsonb_to_recordset($2::jsonb) AS s(${SUBJECT_COLUMNS})`;

/** Under the head row's lock, which serialises chain extension across every process writing to this database. */
async function writeBatch(tx: SqlClient, batch: readonly PreparedRecord[]): Promise<Appended[]> {
  const [headRow] = await tx.query('SELECT sequence, hash FROM ledger_head WHERE id = 1 FOR UPDATE');
  const { records, texts, subjects, appended } = chained(headSchema.parse(headRow), batch);
  const head = appended.at(-1) as Appended;
  await tx.query(`WITH ${INSERT_RECORDS}), ${INSERT_SUBJECTS}) UPDATE ledger_head SET sequence = $4, hash = $5 WHERE id = 1`, [
    JSON.stringify(records),
    JSON.stringify(subjects),
    texts,
    head.sequence,
    head.hash,
  ]);
  return appended;
}

/**
 * The batch chained on from `head` in one statement, its own transaction, that writes anything only if the head is
 * still `head`: the head's update then takes the row's lock and the rest follows it. Null, with nothing written, if
 * another writer (another process) has moved the head since.
 */
async function extendFrom(store: SqlClient, head: Appended, batch: readonly PreparedRecord[]): Promise<Appended[] | null> {
  const { records, texts, subjects, appended } = chained(head, batch);
  const next = appended.at(-1) as Appended;
  const [row] = await store.query(
    `WITH moved AS (UPDATE ledger_head SET sequence = $4, hash = $5 WHERE id = 1 AND sequence = $6 AND hash = $7 RETURNING id),
     ${INSERT_RECORDS} WHERE EXISTS (SELECT 1 FROM moved)),
     ${INSERT_SUBJECTS} WHERE EXISTS (SELECT 1 FROM moved))
     SELECT count(*)::int AS moved FROM moved`,
    [JSON.stringify(records), JSON.stringify(subjects), texts, next.sequence, next.hash, head.sequence, head.hash],
  );
  return Moved.parse(row).moved === 1 ? appended : null;
}
