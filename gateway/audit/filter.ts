/**
 * The IG officer's criteria, as GraphQL arguments or export query parameters, checked once here and
 * turned into the ledger's filter. Identifiers are matched in canonical form, so any written form finds them.
 */
import { z } from 'zod';
import { canonicalIdentifier, IDENTIFIER_KINDS, IDENTIFIER_LABELS, type IdentifierKind } from '../../schema/identifiers.js';
import { type LedgerFilter, RECORD_KINDS, RECORD_OUTCOMES } from '../ledger/index.js';

/** An ISO 8601 instant with an offset, normalised to UTC with milliseconds as the ledger stores it. */
export const instantSchema = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 instant with a time zone, e.g. 2026-03-04T10:15:00Z' })
  .transform((value) => new Date(value).toISOString());

/** One person, by gateway id or by a partnership identifier (canonical). */
export type PersonReference = { kind: 'personId'; value: string } | { kind: IdentifierKind; value: string };

export interface AuditFilter {
  person: PersonReference | undefined;
  ledger: LedgerFilter;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; code: 'BAD_USER_INPUT' | 'BAD_IDENTIFIER'; message: string };

const criterion = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');

const personFields = {
  personId: criterion.optional(),
  pnc: z.string().optional(),
  cro: z.string().optional(),
  nomsNumber: z.string().optional(),
  crn: z.string().optional(),
};

const filterSchema = z
  .strictObject({
    ...personFields,
    userId: criterion.optional(),
    agency: criterion.optional(),
    role: criterion.optional(),
    purpose: criterion.optional(),
    clause: criterion.optional(),
    kind: z.enum(RECORD_KINDS).optional(),
    outcome: z.enum(RECORD_OUTCOMES).optional(),
    from: instantSchema.optional(),
    to: instantSchema.optional(),
  })
  .refine((filter) => filter.from === undefined || filter.to === undefined || filter.from < filter.to, {
    message: '`from` must be before `to`',
    path: ['from'],
  });

export type AuditFilterInput = z.input<typeof filterSchema>;

const PERSON_KEYS = ['personId', ...IDENTIFIER_KINDS] as const;

export function described(error: z.ZodError): string {
  return error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message)).join('; ');
}

/** GraphQL passes explicit nulls for omitted input fields; they mean "no criterion". */
function present(input: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== null && value !== undefined));
}

/**
 * At most one of personId, pnc, cro, nomsNumber and crn (exactly one when `required`), with an identifier
 * checked and made canonical.
 */
type PersonInput = Readonly<Partial<Record<(typeof PERSON_KEYS)[number], string | null>>>;

export function checkPersonReference(input: PersonInput, required: true): Checked<PersonReference>;
export function checkPersonReference(input: PersonInput, required: false): Checked<PersonReference | undefined>;
export function checkPersonReference(input: PersonInput, required: boolean): Checked<PersonReference | undefined> {
  const given = PERSON_KEYS.filter((key) => input[key] !== undefined && input[key] !== null);
  if (given.length > 1 || (required && given.length === 0)) {
    return {
      ok: false,
      code: 'BAD_USER_INPUT',
      message: `Give ${required ? 'exactly' : 'at most'} one of personId, pnc, cro, nomsNumber or crn (got ${given.length}).`,
    };
  }
  const [key] = given;
  if (key === undefined) return { ok: true, value: undefined };
  const value = (input[key] as string).trim();
  if (key === 'personId') {
    return value === '' ? { ok: false, code: 'BAD_USER_INPUT', message: 'personId must not be empty.' } : { ok: true, value: { kind: key, value } };
  }
  const canonical = canonicalIdentifier(key, value);
  if (!canonical.ok) return { ok: false, code: 'BAD_IDENTIFIER', message: `${IDENTIFIER_LABELS[key]} "${value}" is not valid: ${canonical.reason}.` };
  return { ok: true, value: { kind: key, value: canonical.value } };
}

export function checkAuditFilter(input: Readonly<Record<string, unknown>>): Checked<AuditFilter> {
  const parsed = filterSchema.safeParse(present(input));
  if (!parsed.success) return { ok: false, code: 'BAD_USER_INPUT', message: `The filter is not valid: ${described(parsed.error)}.` };
  const { personId, pnc, cro, nomsNumber, crn, userId, agency, role, purpose, clause, kind, outcome, from, to } = parsed.data;
  const person = checkPersonReference({ personId, pnc, cro, nomsNumber, crn }, false);
  if (!person.ok) return person;
  const reference = person.value;
  const ledger: LedgerFilter = {
    gatewayId: reference?.kind === 'personId' ? reference.value : undefined,
    identifier: reference !== undefined && reference.kind !== 'personId' ? { kind: reference.kind, value: reference.value } : undefined,
    userId,
    agency,
    role,
    purpose,
    clauseId: clause,
    kind,
    outcome,
    from,
    to,
  };
  return { ok: true, value: { person: reference, ledger } };
}
