/**
 * Resolvers for the IG officers' GraphQL queries over the disclosure ledger (SDL: schema/audit.graphql).
 * Each one first checks that the caller is an IG officer declaring `audit`, and each answer is itself
 * recorded in the ledger as an audit of the people it shows, through the request's disclosure set.
 */
import { GraphQLScalarType, Kind } from 'graphql';
import { z } from 'zod';
import type { Access, DisclosureSet } from '../enforcement/index.js';
import { gatewayError } from '../errors.js';
import type { IdentityIndex } from '../identity/index-of-people.js';
import { type AlertKind, type Ledger, LedgerUnavailableError, RECORD_KINDS, RECORD_OUTCOMES, type TamperProblem } from '../ledger/index.js';
import type { SchemaExtension } from '../schema.js';
import { type Checked, checkAuditFilter, checkPersonReference, described, instantSchema } from './filter.js';
import { type AuditScope, auditRefusal, auditScopeOf } from './gate.js';
import { gatewayIdsOf, identifiersOf, indexedPerson, personCriterion } from './people.js';
import { scopedAlerts, scopedCriteria, scopedPerson, scopedSubjectAccess } from './scope.js';
import { alertView, integrityView, recordView, subjectAccessView } from './views.js';

/** A ledger record names at most this many people (gateway/ledger/record.ts); an answer about more cannot be recorded. */
const MAX_AUDITED_PEOPLE = 10_000;

interface AuditContext {
  access: Access;
  disclosures: DisclosureSet;
  index: IdentityIndex;
}

const DateTimeScalar = new GraphQLScalarType<string, string>({
  name: 'DateTime',
  serialize: (value) => String(value),
  parseValue: (value) => instantOf(value),
  parseLiteral: (ast) => instantOf(ast.kind === Kind.STRING ? ast.value : undefined),
});

function instantOf(value: unknown): string {
  const parsed = instantSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw gatewayError(
    'BAD_USER_INPUT',
    `A DateTime is an ISO 8601 instant with a time zone, e.g. 2026-03-04T10:15:00Z; got ${JSON.stringify(value) ?? 'nothing'}.`,
  );
}

/** GraphQL enum names for the ledger's values, e.g. NOTHING_DISCLOSED for nothing-disclosed. */
const enumOf = (values: readonly string[]) => Object.fromEntries(values.map((value) => [value.toUpperCase().replaceAll('-', '_'), value]));

const ALERT_KINDS: readonly AlertKind[] = ['emergency-access', 'emergency-renewed', 'outside-cohort', 'out-of-hours', 'unusual-volume', 'repeated-lookups'];
const TAMPER_PROBLEMS: readonly TamperProblem[] = ['altered', 'removed', 'inserted', 'reordered', 'bad-checkpoint'];
const ORDERS = ['oldest-first', 'newest-first'] as const;

const pageSchema = z.strictObject({
  first: z.number().int().min(1, '`first` must be between 1 and 100').max(100, '`first` must be between 1 and 100'),
  after: z
    .string()
    .regex(/^\d{1,15}$/, '`after` must be the endCursor of a previous page')
    .optional(),
  order: z.enum(ORDERS),
});

const alertArgsSchema = z
  .strictObject({
    from: z.string(),
    to: z.string(),
    unusualVolumeThreshold: z.number().int().min(1, '`unusualVolumeThreshold` must be at least 1'),
  })
  .refine((args) => args.from < args.to, { message: '`from` must be before `to`', path: ['from'] });

function valid<T>(result: Checked<T>): T {
  if (!result.ok) throw gatewayError(result.code, result.message);
  return result.value;
}

function parsed<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (!result.success) throw gatewayError('BAD_USER_INPUT', `${described(result.error)}.`);
  return result.data;
}

function admit(context: AuditContext): AuditScope {
  const { principal, declaration, policy } = context.access;
  const refusal = auditRefusal(principal.role, declaration.purpose, policy);
  if (refusal) throw gatewayError(refusal.code, refusal.message, { http: { status: refusal.status } });
  return auditScopeOf(principal, policy);
}

type AuditedPerson = Parameters<DisclosureSet['audit']>[0] extends Iterable<infer P> ? P : never;

/** Notes the people an answer shows, so that the request is recorded as an audit of them. */
function audited(context: AuditContext, shown: Iterable<string | AuditedPerson>): void {
  const people = new Map<string, AuditedPerson>();
  for (const person of shown) {
    const { gatewayId, identifiers } = typeof person === 'string' ? { gatewayId: person, identifiers: undefined } : person;
    people.set(gatewayId, { gatewayId, identifiers: { ...identifiers, ...people.get(gatewayId)?.identifiers } });
  }
  if (people.size > MAX_AUDITED_PEOPLE) {
    throw gatewayError(
      'BAD_USER_INPUT',
      `This answer concerns ${people.size} people, more than one ledger record can name (${MAX_AUDITED_PEOPLE}); narrow the filter or the time range.`,
    );
  }
  context.disclosures.audit(people.values());
}

async function fromLedger<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof LedgerUnavailableError) {
      throw gatewayError('LEDGER_UNAVAILABLE', 'The disclosure ledger cannot be read just now. Try again shortly.', { http: { status: 503 } });
    }
    throw error;
  }
}

interface DisclosuresArgs {
  filter?: Record<string, unknown> | null;
  first: number;
  after?: string | null;
  order: string;
}

type PersonArgs = Partial<Record<'personId' | 'pnc' | 'cro' | 'nomsNumber' | 'crn', string | null>>;

interface AlertArgs {
  from: string;
  to: string;
  unusualVolumeThreshold: number;
}

export function auditExtension(ledger: Ledger): SchemaExtension {
  return {
    resolvers: {
      DateTime: DateTimeScalar,
      DisclosureKind: enumOf(RECORD_KINDS),
      DisclosureOutcome: enumOf(RECORD_OUTCOMES),
      DisclosureAlertKind: enumOf(ALERT_KINDS),
      LedgerTamperProblem: enumOf(TAMPER_PROBLEMS),
      LedgerOrder: enumOf(ORDERS),
      Query: {
        disclosures: async (_root: unknown, args: DisclosuresArgs, context: AuditContext) => {
          const scope = admit(context);
          const filter = valid(checkAuditFilter(args.filter ?? {}));
          const page = parsed(pageSchema, { first: args.first, after: args.after ?? undefined, order: args.order });
          const criteria = scopedCriteria(
            filter.person === undefined ? filter.ledger : { ...filter.ledger, ...(await personCriterion(filter.person, context.index)) },
            scope,
          );
          const found = await fromLedger(() => ledger.query(criteria, { limit: page.first, after: page.after, order: page.order }));
          // An empty page about a person still tells the officer something about that person.
          const named = filter.person === undefined ? undefined : await indexedPerson(filter.person, context.index);
          audited(context, [
            ...(filter.person?.kind === 'personId' ? [filter.person.value] : []),
            ...(named && filter.person ? [{ gatewayId: named.id, identifiers: identifiersOf(filter.person) }] : []),
            ...found.entries.flatMap((entry) => entry.record.subjects.map(({ gatewayId, identifiers }) => ({ gatewayId, identifiers }))),
          ]);
          const edges = found.entries.map((entry) => ({ cursor: String(entry.sequence), node: recordView(entry) }));
          return { edges, pageInfo: { hasNextPage: found.nextCursor !== null, endCursor: edges.at(-1)?.cursor ?? null } };
        },

        subjectAccessReport: async (_root: unknown, args: PersonArgs, context: AuditContext) => {
          const scope = admit(context);
          const reference = valid(checkPersonReference(args, true));
          const ids = await fromLedger(() => gatewayIdsOf(reference, ledger, context.index));
          const person = scopedPerson(await indexedPerson(reference, context.index), scope);
          const reports = (await fromLedger(() => Promise.all(ids.map((id) => ledger.subjectAccess(id))))).map((report) => ({
            gatewayId: report.gatewayId,
            entries: scopedSubjectAccess(report.entries, scope),
          }));
          // Outside the officer's scope an id is not shown unless the officer's share of the ledger names it (as the console does).
          const personIds = reports
            .filter((report) => scope.kind === 'partnership' || report.gatewayId === person?.id || report.entries.length > 0)
            .map((report) => report.gatewayId);
          audited(
            context,
            personIds.map((gatewayId) => ({ gatewayId, identifiers: identifiersOf(reference) })),
          );
          const entries = reports
            .flatMap((report) => report.entries.map((entry) => subjectAccessView(report.gatewayId, entry)))
            .sort((a, b) => a.sequence - b.sequence || a.personId.localeCompare(b.personId));
          return { personIds, entries };
        },

        disclosureAlerts: async (_root: unknown, args: AlertArgs, context: AuditContext) => {
          const scope = admit(context);
          const { from, to, unusualVolumeThreshold } = parsed(alertArgsSchema, args);
          const alerts = scopedAlerts(await fromLedger(() => ledger.alerts(from, to, { unusualVolumeThreshold })), scope);
          audited(
            context,
            alerts.flatMap((alert) => alert.gatewayIds),
          );
          return alerts.map(alertView);
        },

        ledgerIntegrity: async (_root: unknown, args: { full?: boolean | null }, context: AuditContext) => {
          admit(context);
          // The gateway's own witness file: checkpoints a database superuser cannot take back.
          const report = await fromLedger(async () => ledger.verify({ witness: await ledger.witnessed(), incremental: args.full !== true }));
          audited(context, []);
          return integrityView(report, new Date());
        },
      },
    },
  };
}
