/**
 * The IG officers' questions: filtered, paged listings; subject access (every disclosure about one
 * person); and alerts (emergency access, people outside the cohort, out-of-hours and bulk access).
 */
import { z } from 'zod';
import { canonicalIdentifier, IDENTIFIER_KINDS, IDENTIFIER_LABELS } from '../../schema/identifiers.js';
import {
  type DisclosedItem,
  type DisclosureRecord,
  disclosureRecordSchema,
  instant,
  type Principal,
  RECORD_KINDS,
  RECORD_OUTCOMES,
  type RecordKind,
  type RecordOutcome,
  text,
  type WithheldItem,
} from './record.js';
import type { SqlClient } from './store.js';

export interface LedgerEntry {
  sequence: number;
  hash: string;
  prevHash: string;
  record: DisclosureRecord;
}

const IDENTIFIER_COLUMNS = { pnc: 'pnc', cro: 'cro', nomsNumber: 'noms_number', crn: 'crn' } as const;

/** Any written form of a partnership identifier; matched in canonical form. */
const identifierCriterion = z.strictObject({ kind: z.enum(IDENTIFIER_KINDS), value: z.string() }).transform(({ kind, value }, ctx) => {
  const canonical = canonicalIdentifier(kind, value);
  if (canonical.ok) return { kind, value: canonical.value };
  ctx.addIssue({ code: 'custom', message: `${IDENTIFIER_LABELS[kind]} "${value}": ${canonical.reason}` });
  return z.NEVER;
});

export const ledgerFilterSchema = z.strictObject({
  gatewayId: text(200).optional(),
  identifier: identifierCriterion.optional(),
  /** One person however a record names them: a subject with any of these gateway ids or identifiers. */
  person: z
    .strictObject({ gatewayIds: z.array(text(200)).max(100), identifiers: z.array(identifierCriterion).max(100) })
    .refine((person) => person.gatewayIds.length + person.identifiers.length > 0, 'a person is named by at least one gateway id or identifier')
    .optional(),
  userId: text(200).optional(),
  agency: text(100).optional(),
  role: text(100).optional(),
  purpose: text(200).optional(),
  clauseId: text(200).optional(),
  kind: z.enum(RECORD_KINDS).optional(),
  outcome: z.enum(RECORD_OUTCOMES).optional(),
  /** Inclusive. */
  from: instant.optional(),
  /** Exclusive. */
  to: instant.optional(),
  /** Only records where this agency's data was disclosed or its staff received data (an agency IG officer's share). */
  visibleTo: text(100).optional(),
});
export type LedgerFilter = z.input<typeof ledgerFilterSchema>;

export const pageRequestSchema = z.strictObject({
  /** The `nextCursor` of the previous page. */
  after: z
    .string()
    .regex(/^\d{1,15}$/, 'a cursor is the nextCursor of a previous page')
    .optional(),
  limit: z.number().int().min(1).max(1_000).default(100),
  order: z.enum(['oldest-first', 'newest-first']).default('oldest-first'),
});
export type PageRequest = z.input<typeof pageRequestSchema>;

export interface LedgerPage {
  entries: LedgerEntry[];
  /** Pass as `after` for the next page; null on the last page. */
  nextCursor: string | null;
}

const entryRowSchema = z.object({
  sequence: z.coerce.number().int(),
  hash: z.string(),
  prev_hash: z.string(),
  canonical: z.string(),
});

export function toEntry(row: unknown): LedgerEntry {
  const { sequence, hash, prev_hash, canonical } = entryRowSchema.parse(row);
  return { sequence, hash, prevHash: prev_hash, record: disclosureRecordSchema.parse(JSON.parse(canonical)) };
}

export async function queryLedger(db: SqlClient, filter: LedgerFilter = {}, page: PageRequest = {}): Promise<LedgerPage> {
  return selectPage(db, ledgerFilterSchema.parse(filter), pageRequestSchema.parse(page));
}

async function selectPage(
  db: SqlClient,
  where: z.output<typeof ledgerFilterSchema>,
  { after, limit, order }: z.output<typeof pageRequestSchema>,
): Promise<LedgerPage> {
  const newestFirst = order === 'newest-first';
  const direction = newestFirst ? 'DESC' : 'ASC';
  const params: unknown[] = [];
  const bind = (value: unknown) => `$${params.push(value)}`;
  const people: string[] = [];
  if (where.gatewayId !== undefined) people.push(`s.gateway_id = ${bind(where.gatewayId)}`);
  if (where.identifier !== undefined) people.push(`s.${IDENTIFIER_COLUMNS[where.identifier.kind]} = ${bind(where.identifier.value)}`);
  if (where.person !== undefined) {
    const { gatewayIds, identifiers } = where.person;
    const any = [
      ...(gatewayIds.length > 0 ? [`s.gateway_id = ANY(${bind(gatewayIds)}::text[])`] : []),
      ...identifiers.map(({ kind, value }) => `s.${IDENTIFIER_COLUMNS[kind]} = ${bind(value)}`),
    ];
    people.push(`(${any.join(' OR ')})`);
  }
  const conditions: string[] = [];
  if (where.userId !== undefined) conditions.push(`r.user_id = ${bind(where.userId)}`);
  if (where.agency !== undefined) conditions.push(`r.agency = ${bind(where.agency)}`);
  if (where.role !== undefined) conditions.push(`r.role = ${bind(where.role)}`);
  if (where.purpose !== undefined) conditions.push(`r.purpose = ${bind(where.purpose)}`);
  if (where.clauseId !== undefined) conditions.push(`r.clause_ids @> ARRAY[${bind(where.clauseId)}]::text[]`);
  if (where.kind !== undefined) conditions.push(`r.kind = ${bind(where.kind)}`);
  if (where.outcome !== undefined) conditions.push(`r.outcome = ${bind(where.outcome)}`);
  if (where.from !== undefined) conditions.push(`r.occurred_at >= ${bind(where.from)}`);
  if (where.to !== undefined) conditions.push(`r.occurred_at < ${bind(where.to)}`);
  if (where.visibleTo !== undefined) conditions.push(visibleTo(bind(where.visibleTo)));
  const cursor = after === undefined ? undefined : `${newestFirst ? '<' : '>'} ${bind(Number(after))}`;
  const pageSize = bind(limit + 1);
  let sql: string;
  const [person, ...otherPeople] = people;
  if (person === undefined) {
    if (cursor !== undefined) conditions.push(`r.sequence ${cursor}`);
    sql = `SELECT r.sequence, r.hash, r.prev_hash, r.canonical FROM ledger_records r
      ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
      ORDER BY r.sequence ${direction} LIMIT ${pageSize}`;
  } else {
    // About a person: driven from that person's subject rows (a few thousand at most) rather than by
    // walking every record in order and probing for them. With nothing else to match, the page is
    // cut there too, so the plan cannot drift into a scan of the whole ledger.
    for (const other of otherPeople) {
      conditions.push(`EXISTS (SELECT 1 FROM ledger_subjects s WHERE s.sequence = r.sequence AND ${other})`);
    }
    const alone = conditions.length === 0;
    sql = `SELECT r.sequence, r.hash, r.prev_hash, r.canonical
      FROM (SELECT DISTINCT s.sequence FROM ledger_subjects s WHERE ${person}${cursor === undefined ? '' : ` AND s.sequence ${cursor}`}
            ${alone ? `ORDER BY s.sequence ${direction} LIMIT ${pageSize}` : ''}) p
      JOIN ledger_records r ON r.sequence = p.sequence
      ${alone ? '' : `WHERE ${conditions.join(' AND ')}`}
      ORDER BY r.sequence ${direction} LIMIT ${pageSize}`;
  }
  const rows = await db.query(sql, params);
  // One row beyond the page says whether there is a next page without a second query.
  const entries = rows.slice(0, limit).map(toEntry);
  const last = entries.at(-1);
  return { entries, nextCursor: rows.length > limit && last !== undefined ? String(last.sequence) : null };
}

/**
 * A record is an agency's to account for if its staff received the answer or a disclosed data item is the agency's
 * (data items are named `<agency>.<item>`). Read from the hashed text itself, so no derived column can disagree.
 */
export function visibleTo(agency: string): string {
  return `(r.agency = ${agency} OR jsonb_path_exists(r.canonical::jsonb, '$.subjects[*].disclosed[*].dataItem ? (@ starts with $p)', jsonb_build_object('p', ${agency} || '.')))`;
}

/** Everything the ledger holds about one person's data, and nothing about anyone else's. */
export interface SubjectAccessEntry {
  sequence: number;
  occurredAt: string;
  recipient: Principal;
  purpose: string;
  justification?: string;
  kind: RecordKind;
  outcome: RecordOutcome;
  emergency: boolean;
  disclosed: DisclosedItem[];
  withheld: WithheldItem[];
}

export interface SubjectAccessReport {
  gatewayId: string;
  entries: SubjectAccessEntry[];
}

/** Larger than a caller's page: a busy person's report is a few thousand records, read in one or two round trips. */
const SUBJECT_ACCESS_PAGE = 5_000;

export async function subjectAccess(db: SqlClient, gatewayId: string): Promise<SubjectAccessReport> {
  const where = ledgerFilterSchema.parse({ gatewayId });
  const entries: SubjectAccessEntry[] = [];
  let after: string | undefined;
  do {
    const page = await selectPage(db, where, { limit: SUBJECT_ACCESS_PAGE, order: 'oldest-first', ...(after === undefined ? {} : { after }) });
    for (const { sequence, record } of page.entries) {
      const parts = record.subjects.filter((subject) => subject.gatewayId === gatewayId);
      entries.push({
        sequence,
        occurredAt: record.occurredAt,
        recipient: record.principal,
        purpose: record.purpose,
        ...(record.justification === undefined ? {} : { justification: record.justification }),
        kind: record.kind,
        outcome: record.outcome,
        emergency: record.emergency === true,
        disclosed: parts.flatMap((subject) => subject.disclosed),
        withheld: parts.flatMap((subject) => subject.withheld),
      });
    }
    after = page.nextCursor ?? undefined;
  } while (after !== undefined);
  return { gatewayId, entries };
}

export type AlertKind = 'emergency-access' | 'emergency-renewed' | 'outside-cohort' | 'out-of-hours' | 'unusual-volume' | 'repeated-lookups';

export interface Alert {
  kind: AlertKind;
  userId: string;
  /** The user's agency, as the records name it. */
  agency: string;
  /** When it happened: one instant, or the span of a burst of access. */
  from: string;
  to: string;
  /** The records concerned. */
  sequences: number[];
  /** The people concerned (gateway ids), where the alert is about people. */
  gatewayIds: string[];
  detail: string;
}

export const alertOptionsSchema = z.strictObject({
  /** A user touching more than this many distinct people within an hour is unusual. */
  unusualVolumeThreshold: z.number().int().positive().default(50),
});
export type AlertOptions = z.input<typeof alertOptionsSchema>;

const HOUR_MS = 3_600_000;
/** Working hours are 08:00 to 18:00 London time, Monday to Friday (bank holidays are not known here). */
const OUT_OF_HOURS = `(extract(isodow FROM r.occurred_at AT TIME ZONE 'Europe/London') >= 6
  OR (r.occurred_at AT TIME ZONE 'Europe/London')::time < time '08:00'
  OR (r.occurred_at AT TIME ZONE 'Europe/London')::time >= time '18:00')`;

/**
 * The gateway's own work (the embedded cohort seed, `system:` principals) is no one's conduct to review, and an IG
 * officer reading many people's records for an audit is the audit, not unusual volume.
 */
const NOT_SYSTEM = `r.user_id NOT LIKE 'system:%'`;
const NOT_AUDIT = `r.purpose <> 'audit'`;

const touchRowSchema = z.object({
  sequence: z.coerce.number().int(),
  user_id: z.string(),
  agency: z.string(),
  occurred_at: z.coerce.date(),
  gateway_id: z.string().nullable(),
});
type Touch = z.infer<typeof touchRowSchema>;

export async function alerts(db: SqlClient, fromInput: string, toInput: string, options: AlertOptions = {}): Promise<Alert[]> {
  const from = instant.parse(fromInput);
  const to = instant.parse(toInput);
  const { unusualVolumeThreshold } = alertOptionsSchema.parse(options);
  const touches = async (condition: string, withSubjects: boolean): Promise<Touch[]> =>
    z.array(touchRowSchema).parse(
      await db.query(
        `SELECT r.sequence, r.user_id, r.agency, r.occurred_at, ${withSubjects ? 's.gateway_id' : 'NULL AS gateway_id'}
         FROM ledger_records r ${withSubjects ? 'JOIN ledger_subjects s ON s.sequence = r.sequence' : ''}
         WHERE r.occurred_at >= $1 AND r.occurred_at < $2 AND ${NOT_SYSTEM} AND ${condition}
         ORDER BY r.user_id, r.occurred_at, r.sequence`,
        [from, to],
      ),
    );

  const found: Alert[] = [];
  for (const touch of await touches('r.emergency', false)) {
    found.push(single('emergency-access', touch, [], `emergency ("break-glass") access by ${touch.user_id}`));
  }
  found.push(...(await emergencyRenewals(db, from, to)));
  for (const touch of await touches('s.in_active_cohort = false', true)) {
    const gatewayId = touch.gateway_id ?? '';
    const detail = `${touch.user_id} reached ${gatewayId}, who is outside the active IOM cohort`;
    found.push(single('outside-cohort', touch, [gatewayId], detail));
  }
  found.push(...outOfHours(await touches(OUT_OF_HOURS, false)));
  found.push(...unusualVolume(await touches(NOT_AUDIT, true), unusualVolumeThreshold));
  found.push(...repeatedLookups(await touches(`r.kind = 'lookup'`, false)));
  return found.sort((a, b) => a.from.localeCompare(b.from) || a.kind.localeCompare(b.kind) || a.userId.localeCompare(b.userId));
}

/**
 * A user declaring another emergency (a new justification) within 24 hours of one before: break-glass used to
 * stay in, rather than for one emergency. Reported at the first record of each such later declaration.
 */
async function emergencyRenewals(db: SqlClient, fromInstant: string, to: string): Promise<Alert[]> {
  const from = new Date(fromInstant);
  const rows = await db.query(
    `SELECT sequence, hash, prev_hash, canonical FROM ledger_records r
     WHERE emergency AND ${NOT_SYSTEM} AND occurred_at >= $1 AND occurred_at < $2 ORDER BY sequence`,
    [new Date(from.getTime() - 24 * HOUR_MS), to],
  );
  const declarations = new Map<string, { userId: string; agency: string; justification: string; at: Date; sequence: number }>();
  for (const { sequence, record } of rows.map(toEntry)) {
    const key = `${record.principal.agency}\u0000${record.principal.userId}\u0000${record.justification ?? ''}`;
    if (!declarations.has(key)) {
      declarations.set(key, {
        userId: record.principal.userId,
        agency: record.principal.agency,
        justification: record.justification ?? '',
        at: new Date(record.occurredAt),
        sequence,
      });
    }
  }
  const found: Alert[] = [];
  const all = [...declarations.values()];
  for (const declaration of all) {
    if (declaration.at < from) continue;
    const earlier = all.filter(
      (other) => other.userId === declaration.userId && other.at < declaration.at && declaration.at.getTime() - other.at.getTime() < 24 * HOUR_MS,
    );
    if (earlier.length === 0) continue;
    const at = declaration.at.toISOString();
    found.push({
      kind: 'emergency-renewed',
      userId: declaration.userId,
      agency: declaration.agency,
      from: at,
      to: at,
      sequences: [declaration.sequence],
      gatewayIds: [],
      detail: `${declaration.userId} declared another emergency within 24 hours of ${earlier.length === 1 ? 'one' : `${earlier.length}`} before`,
    });
  }
  return found;
}

function single(kind: AlertKind, touch: Touch, gatewayIds: string[], detail: string): Alert {
  const at = touch.occurred_at.toISOString();
  return { kind, userId: touch.user_id, agency: touch.agency, from: at, to: at, sequences: [touch.sequence], gatewayIds, detail };
}

const londonDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' });

/** Out-of-hours use, one alert per user per London day: a night's work is one thing to review, not one per request. */
function outOfHours(touches: readonly Touch[]): Alert[] {
  const days = new Map<string, Alert>();
  for (const touch of touches) {
    const day = londonDay.format(touch.occurred_at);
    const key = `${touch.agency}\u0000${touch.user_id}\u0000${day}`;
    const alert = days.get(key);
    if (alert === undefined) {
      days.set(key, single('out-of-hours', touch, [], day));
    } else {
      alert.to = touch.occurred_at.toISOString();
      alert.sequences.push(touch.sequence);
    }
  }
  return [...days.values()].map((alert) => {
    const requests = alert.sequences.length;
    const detail = `${alert.userId} used the gateway outside 08:00-18:00 Monday to Friday (London time) on ${alert.detail}: ${requests} request${requests === 1 ? '' : 's'}`;
    return { ...alert, detail };
  });
}

/** More look-ups finding no one than this within an hour look like fishing for people. */
const REPEATED_LOOKUPS = 10;

/** Each burst of a user's look-ups that found no one, more than REPEATED_LOOKUPS within an hour, once with its span. */
function repeatedLookups(touches: readonly Touch[]): Alert[] {
  const found: Alert[] = [];
  let start = 0;
  let burst: Alert | undefined;
  for (let end = 0; end < touches.length; end++) {
    const touch = touches[end] as Touch;
    if (end > 0 && (touches[end - 1] as Touch).user_id !== touch.user_id) {
      if (burst) found.push(burst);
      burst = undefined;
      start = end;
    }
    while (touch.occurred_at.getTime() - (touches[start] as Touch).occurred_at.getTime() > HOUR_MS) start++;
    const inWindow = touches.slice(start, end + 1);
    if (inWindow.length > REPEATED_LOOKUPS) {
      burst ??= {
        kind: 'repeated-lookups',
        userId: touch.user_id,
        agency: touch.agency,
        from: (touches[start] as Touch).occurred_at.toISOString(),
        to: '',
        sequences: [],
        gatewayIds: [],
        detail: '',
      };
      burst.sequences = [...new Set([...burst.sequences, ...inWindow.map((t) => t.sequence)])].sort((a, b) => a - b);
      burst.to = touch.occurred_at.toISOString();
      burst.detail = `${touch.user_id} looked up ${burst.sequences.length} people who could not be found or are out of their scope (more than ${REPEATED_LOOKUPS} within an hour)`;
    } else if (burst) {
      found.push(burst);
      burst = undefined;
    }
  }
  if (burst) found.push(burst);
  return found;
}

/**
 * Slides a one-hour window over each user's touches (sorted by user, then time) and reports each
 * burst in which the user reached more than `threshold` distinct people, once, with its full span.
 */
function unusualVolume(touches: readonly Touch[], threshold: number): Alert[] {
  const found: Alert[] = [];
  let start = 0;
  const inWindow = new Map<string, number>();
  let burst: { userId: string; agency: string; from: Date; to: Date; sequences: Set<number>; people: Set<string>; peak: number } | undefined;
  const closeBurst = () => {
    if (burst === undefined) return;
    found.push({
      kind: 'unusual-volume',
      userId: burst.userId,
      agency: burst.agency,
      from: burst.from.toISOString(),
      to: burst.to.toISOString(),
      sequences: [...burst.sequences].sort((a, b) => a - b),
      gatewayIds: [...burst.people].sort(),
      detail: `${burst.userId} reached ${burst.peak} different people within an hour (more than ${threshold})`,
    });
    burst = undefined;
  };
  for (let end = 0; end < touches.length; end++) {
    const touch = touches[end] as Touch;
    if (end > 0 && (touches[end - 1] as Touch).user_id !== touch.user_id) {
      closeBurst();
      inWindow.clear();
      start = end;
    }
    const person = touch.gateway_id ?? '';
    inWindow.set(person, (inWindow.get(person) ?? 0) + 1);
    while (touch.occurred_at.getTime() - (touches[start] as Touch).occurred_at.getTime() > HOUR_MS) {
      const leaving = (touches[start] as Touch).gateway_id ?? '';
      const remaining = (inWindow.get(leaving) ?? 1) - 1;
      if (remaining === 0) inWindow.delete(leaving);
      else inWindow.set(leaving, remaining);
      start++;
    }
    if (inWindow.size > threshold) {
      // A new burst takes in its whole window; an open one only the touch that extends it.
      const first = burst === undefined ? start : end;
      burst ??= {
        userId: touch.user_id,
        agency: touch.agency,
        from: (touches[start] as Touch).occurred_at,
        to: touch.occurred_at,
        sequences: new Set(),
        people: new Set(),
        peak: 0,
      };
      for (let index = first; index <= end; index++) {
        const inBurst = touches[index] as Touch;
        burst.sequences.add(inBurst.sequence);
        burst.people.add(inBurst.gateway_id ?? '');
      }
      burst.to = touch.occurred_at;
      burst.peak = Math.max(burst.peak, inWindow.size);
    } else {
      closeBurst();
    }
  }
  closeBurst();
  return found;
}
