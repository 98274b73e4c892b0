/**
 * One ledger record: a request that disclosed, consulted or altered anything (DPA 2018 s.62 logging).
 * Validated on append; a record that fails is rejected whole and nothing is written.
 */
import { z } from 'zod';
import { canonicalIdentifier, IDENTIFIER_LABELS, type IdentifierKind } from '../../schema/identifiers.js';
import { canonicalJson } from './chain.js';
import { LedgerRecordError } from './errors.js';

export const RECORD_KINDS = ['disclosure', 'consultation', 'alteration', 'audit', 'aggregate', 'lookup'] as const;
export const RECORD_OUTCOMES = ['disclosed', 'nothing-disclosed', 'altered', 'refused', 'error'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];
export type RecordOutcome = (typeof RECORD_OUTCOMES)[number];

/** PostgreSQL text cannot hold NUL, and jsonb rejects lone surrogates: either would fail a whole batch. */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why `value` cannot be stored as text of at most `max` characters; null if it can. */
function textFault(value: string, max: number): string | null {
  if (value.length === 0) return 'must not be empty';
  if (value.length > max) return `must be at most ${max} characters`;
  return UNSTORABLE.test(value) ? 'must be well-formed text without NUL characters' : null;
}

// One check rather than zod's min, max and refine: a page's record holds thousands of these, and three checks cost
// twice what one does.
export const text = (max: number) =>
  z.string().check((ctx) => {
    const fault = textFault(ctx.value, max);
    if (fault !== null) ctx.issues.push({ code: 'custom', message: fault, input: ctx.value });
  });

/** Identifiers are stored canonical so that a search by any written form finds them. */
function identifier(kind: IdentifierKind) {
  return z.string().transform((value, ctx) => {
    const canonical = canonicalIdentifier(kind, value);
    if (canonical.ok) return canonical.value;
    ctx.addIssue({ code: 'custom', message: `${IDENTIFIER_LABELS[kind]} "${value}": ${canonical.reason}` });
    return z.NEVER;
  });
}

/** Stored in UTC with milliseconds, so the hashed text has one spelling for one instant. */
export const instant = z.iso.datetime({ offset: true }).transform((value) => new Date(value).toISOString());

// Every object's keys below are in code-unit order. zod builds a parsed object in its schema's key order, so a parsed
// record's JSON is already its canonical JSON (canonicalRecordText): a page's thousands of small objects are not
// sorted again. A test fails if a key is added out of order.

export const principalSchema = z.strictObject({
  agency: text(100),
  clientApplication: text(200).optional(),
  displayName: text(200),
  role: text(100),
  team: text(200).optional(),
  userId: text(200),
});

/** Each text field of a small object `T`, with its greatest length; `optional` ones may be absent. */
type TextFields<T> = Readonly<Record<keyof T & string, { max: number; optional?: true }>>;

/**
 * A list of small objects holding only text, checked where they are rather than copied field by field as zod's objects
 * are: a page's record holds thousands of them, and copying them was most of what parsing the record allocated (ADR
 * 0172). An item whose keys are not in code-unit order is written again in that order, so that the record's JSON stays
 * canonical.
 */
function textItems<T extends object>(fields: TextFields<T>, maxItems: number) {
  const keys: (keyof T & string)[] = Object.keys(fields).sort() as (keyof T & string)[];
  const known = new Set<string>(keys);
  return z
    .custom<T[]>((value) => Array.isArray(value), { message: 'must be a list' })
    .transform((list, ctx) => {
      if (list.length > maxItems) {
        ctx.addIssue({ code: 'custom', message: `must hold at most ${maxItems} items`, input: list });
        return z.NEVER;
      }
      let checked = list;
      // Every index, holes included (forEach would skip one, and its JSON would be null).
      for (let index = 0; index < list.length; index++) {
        const item: unknown = list[index];
        if (typeof item !== 'object' || item === null || Array.isArray(item)) {
          ctx.addIssue({ code: 'custom', message: 'must be an object', path: [index], input: item });
          continue;
        }
        const present = Object.keys(item);
        for (const key of present) {
          if (!known.has(key)) ctx.addIssue({ code: 'custom', message: `unknown key "${key}"`, path: [index], input: item });
        }
        let expected = 0;
        for (const key of keys) {
          const value = (item as Record<string, unknown>)[key];
          if (value === undefined && fields[key].optional) continue;
          if (present[expected] === key) expected += 1;
          const fault = typeof value === 'string' ? textFault(value, fields[key].max) : 'must be text';
          if (fault !== null) ctx.addIssue({ code: 'custom', message: fault, path: [index, key], input: value });
        }
        if (expected !== present.length) {
          if (checked === list) checked = [...list];
          checked[index] = Object.fromEntries(keys.flatMap((key) => (key in item ? [[key, (item as Record<string, unknown>)[key]]] : []))) as T;
        }
      }
      return checked;
    });
}

export interface DisclosedItem {
  clauseId: string;
  dataItem: string;
  path: string;
}

export interface WithheldItem {
  clauseId?: string;
  dataItem: string;
  path: string;
  reason: string;
}

const disclosedItems = textItems<DisclosedItem>({ clauseId: { max: 200 }, dataItem: { max: 200 }, path: { max: 1000 } }, 20_000);
const withheldItems = textItems<WithheldItem>(
  { clauseId: { max: 200, optional: true }, dataItem: { max: 200 }, path: { max: 1000 }, reason: { max: 1000 } },
  20_000,
);

export const subjectSchema = z.strictObject({
  disclosed: disclosedItems,
  gatewayId: text(200),
  identifiers: z.strictObject({
    crn: identifier('crn').optional(),
    cro: identifier('cro').optional(),
    localReferences: z
      .array(z.strictObject({ agency: text(100), reference: text(200) }))
      .max(100)
      .optional(),
    nomsNumber: identifier('nomsNumber').optional(),
    pnc: identifier('pnc').optional(),
  }),
  inActiveCohort: z.boolean().optional(),
  withheld: withheldItems,
});

export const disclosureRecordSchema = z
  .strictObject({
    /** For kind `alteration`: which register changed, how, and the values written; or, with outcome `error`, why it was not. */
    alteration: z
      .strictObject({
        action: text(100),
        details: z.record(z.string(), z.unknown()),
        failure: z.strictObject({ code: text(100), reason: text(1000) }).optional(),
        register: text(100),
      })
      .optional(),
    documentHash: text(200),
    /** The registered (trusted) document run, `sha256:<hex>`, when the request named one by id. */
    documentId: text(200).optional(),
    emergency: z.boolean().optional(),
    ispVersion: text(100),
    justification: text(4000).optional(),
    kind: z.enum(RECORD_KINDS),
    /** Look-ups of one person by identifier that found no one the caller may see: kind `lookup` when nothing else happened. */
    lookups: z
      .array(z.strictObject({ argument: text(40), field: text(100), value: text(200) }))
      .max(100)
      .optional(),
    occurredAt: instant,
    operationName: text(200).optional(),
    outcome: z.enum(RECORD_OUTCOMES),
    principal: principalSchema,
    purpose: text(200),
    requestId: text(200),
    subjects: z.array(subjectSchema).max(10_000),
  })
  .refine((record) => record.emergency !== true || record.justification !== undefined, {
    message: 'an emergency access must carry its justification',
    path: ['justification'],
  })
  .refine((record) => (record.kind === 'alteration') === (record.alteration !== undefined), {
    message: 'an alteration record, and only one, carries what was altered',
    path: ['alteration'],
  })
  .refine((record) => record.alteration?.failure === undefined || record.outcome === 'error', {
    message: 'only a change that was not made says why it failed',
    path: ['alteration', 'failure'],
  })
  .refine((record) => record.outcome !== 'altered' || record.kind === 'alteration', {
    message: 'only an alteration record has outcome "altered"',
    path: ['outcome'],
  })
  .refine((record) => record.outcome === 'disclosed' || record.subjects.every((subject) => subject.disclosed.length === 0), {
    message: 'a record that lists disclosed items must have outcome "disclosed"',
    path: ['outcome'],
  });

/** What the gateway passes to `append`. */
export type DisclosureRecordInput = z.input<typeof disclosureRecordSchema>;
/** A record as stored and read back: identifiers canonical, occurredAt in UTC. */
export type DisclosureRecord = z.output<typeof disclosureRecordSchema>;
export type Principal = DisclosureRecord['principal'];
export type Subject = DisclosureRecord['subjects'][number];

export function parseRecord(input: unknown): DisclosureRecord {
  const result = disclosureRecordSchema.safeParse(input);
  if (!result.success) throw new LedgerRecordError(z.prettifyError(result.error));
  return result.data;
}

/**
 * A parsed record's canonical JSON (chain.ts): its own JSON, the schema's keys being in order; an alteration's details
 * are free-form, so such a record is sorted as any value is.
 */
export function canonicalRecordText(record: DisclosureRecord): string {
  return record.alteration === undefined ? JSON.stringify(record) : canonicalJson(record);
}

/** Every clause a record cites, disclosed or withheld, sorted and distinct. */
export function clauseIds(record: DisclosureRecord): string[] {
  const ids = new Set<string>();
  for (const subject of record.subjects) {
    for (const item of subject.disclosed) ids.add(item.clauseId);
    for (const item of subject.withheld) if (item.clauseId !== undefined) ids.add(item.clauseId);
  }
  return [...ids].sort();
}
