/**
 * The cohort in the unified schema: `Person.iom`, the `cohort` connection, and the coordinator's mutations.
 * A mutation is planned against the register and applied, recorded in the ledger as an alteration before it is
 * committed; bad input, an unknown person or a ledger that cannot write changes nothing, and a change that fails
 * is recorded once, as failed, with its reason.
 */
import DataLoader from 'dataloader';
import type { DisclosureSet } from '../enforcement/index.js';
import { type Access, assertMayLookUpPeople, recordEnvelope, recordedIdentifiers } from '../enforcement/index.js';
import { gatewayError, recordRefused } from '../errors.js';
import type { IdentityIndex } from '../identity/index-of-people.js';
import type { LinkedPerson } from '../identity/link.js';
import { type DisclosureRecordInput, type Ledger, LedgerRecordError } from '../ledger/index.js';
import { partnershipDate } from '../partnership-date.js';
import type { SchemaExtension } from '../schema.js';
import { type MembershipReads, membershipReads } from './membership-reads.js';
import { type CohortChange, CohortError, type CohortFilter, type CohortRegister, type HistoryAction, type Membership, type PlannedChange } from './register.js';

interface CohortContext {
  index: IdentityIndex;
  access: Access;
  disclosures: DisclosureSet;
  requestId: string;
  /** The register rows the request's scope checks read (gateway/enforcement/person-view.ts). */
  memberships: MembershipReads;
}

/** A membership as the schema shows it, with the person it belongs to, for its history. */
type ShownMembership = ReturnType<typeof toGraphQL>;

const MEMBERSHIP = 'iom.membership';

const upper = (value: string) => value.toUpperCase().replaceAll('-', '_');
const lower = (value: string) => value.toLowerCase().replaceAll('_', '-');

const ACTION_NAMES: Record<HistoryAction, string> = {
  select: 'SELECTED',
  'change-service-level': 'SERVICE_LEVEL_CHANGED',
  'reassign-lead-professional': 'LEAD_PROFESSIONAL_REASSIGNED',
  deselect: 'DESELECTED',
  merge: 'MERGED',
};

function describe(change: CohortChange): string {
  const d = change.details;
  switch (change.action) {
    case 'select':
      return `Selected for the ${String(d.strand)} strand${d.scheme ? ` (${String(d.scheme)})` : ''} at ${String(d.serviceLevel)} service level.`;
    case 'change-service-level':
      return `Service level changed to ${String(d.serviceLevel)}.`;
    case 'reassign-lead-professional':
      return `Lead professional reassigned to ${String((d.leadProfessional as { name?: unknown } | undefined)?.name ?? 'someone else')}.`;
    case 'deselect':
      return `De-selected on ${String(d.deselectedOn)}. Exit plan: ${String(d.exitPlan)}`;
    case 'merge': {
      const replaced = d.replaced as { selectedOn?: unknown } | undefined;
      const moved = replaced
        ? `both were members: the membership selected on ${String(replaced.selectedOn)} ends here, its history kept above`
        : 'the membership moved here with its history';
      return `The identity index found ${String(d.mergedFrom)} to be this person; ${moved}.`;
    }
  }
}

function toGraphQL(m: Membership) {
  return {
    gatewayId: m.gatewayId,
    strand: upper(m.strand),
    scheme: m.scheme,
    serviceLevel: upper(m.serviceLevel),
    leadProfessional: m.leadProfessional,
    selectedOn: m.selectedOn,
    selectionReason: m.selectionReason,
    active: m.active,
    deselectedOn: m.deselectedOn,
    deselectionReason: m.deselectionReason,
    exitPlan: m.exitPlan,
  };
}

function historyToGraphQL(change: CohortChange) {
  return { at: change.at, action: ACTION_NAMES[change.action], description: describe(change), reason: String(change.details.reason ?? ''), by: change.actor };
}

const today = () => partnershipDate(new Date());

export function cohortExtension(options: { register: CohortRegister; ledger: Ledger }): SchemaExtension {
  const { register, ledger } = options;
  // Person.iom reads the rows the request's scope checks read (one query for both), and a membership's history
  // only when it is asked for; after a change in this request, both are read again.
  // Kept by the view's reads, not the context: a subscription's context takes a view renewed for each event.
  const reread = new WeakMap<MembershipReads, { memberships: MembershipReads; histories: DataLoader<string, CohortChange[]> }>();
  const readsFor = (context: CohortContext) => {
    let reads = reread.get(context.memberships);
    if (!reads) {
      reads = { memberships: context.memberships, histories: historyLoader() };
      reread.set(context.memberships, reads);
    }
    return reads;
  };
  const historyLoader = () =>
    new DataLoader<string, CohortChange[]>(async (ids) => {
      const histories = await register.history(ids);
      return ids.map((id) => histories.get(id) ?? []);
    });

  const requireManager = (access: Access) => {
    if (!access.policy.role(access.principal.role)?.managesCohort) {
      throw gatewayError('FORBIDDEN', `${access.principal.role} may not change the cohort register; the IOM coordinator does.`);
    }
    if (access.declaration.purpose !== 'iom-case-management') {
      throw gatewayError('FORBIDDEN', 'Changes to the cohort register are made for the purpose iom-case-management.');
    }
  };

  type Outcome = { outcome: 'altered' } | { outcome: 'error'; failure: { code: string; reason: string } };

  const alterationRecord = (context: CohortContext, person: LinkedPerson, planned: PlannedChange, result: Outcome): DisclosureRecordInput => {
    const { principal, declaration, policy } = context.access;
    const { action, gatewayId: _id, ...details } = planned.change;
    return {
      ...recordEnvelope({ principal, purpose: declaration.purpose, justification: declaration.justification, policy }),
      kind: 'alteration',
      subjects: [{ gatewayId: person.id, identifiers: recordedIdentifiers(person), disclosed: [], withheld: [] }],
      documentHash: 'cohort-register',
      operationName: `cohort:${action}`,
      requestId: context.requestId,
      outcome: result.outcome,
      alteration: {
        register: 'iom-cohort',
        action,
        details: JSON.parse(JSON.stringify(details)) as Record<string, unknown>,
        ...(result.outcome === 'error' ? { failure: result.failure } : {}),
      },
    };
  };

  const failureOf = (error: unknown) =>
    error instanceof CohortError
      ? { code: error.code, reason: error.message }
      : { code: 'DATABASE_FAILED', reason: 'The cohort register’s database failed while making the change.' };

  /**
   * One record per change, true to what happened: `altered`, written before the change is committed (nothing
   * changes if it cannot be written), or `error` with the reason when the change failed and was not made.
   */
  const change = async (context: CohortContext, personId: string, action: (person: LinkedPerson) => Record<string, unknown>) => {
    requireManager(context.access);
    const person = await context.index.byId(personId);
    if (!person || !(await context.access.visible(person))) {
      throw gatewayError('BAD_USER_INPUT', `No person with id ${personId}: find them with person() or people() first.`);
    }
    let planned: PlannedChange;
    try {
      planned = await register.plan({ gatewayId: person.id, ...action(person) });
    } catch (error) {
      if (error instanceof CohortError) throw gatewayError(error.code, error.message);
      throw error;
    }
    const ledgerState: { failure?: unknown } = {};
    const record = async () => {
      try {
        await ledger.append(alterationRecord(context, person, planned, { outcome: 'altered' }));
      } catch (error) {
        ledgerState.failure = error;
        throw error;
      }
    };
    try {
      await register.apply(planned, { actor: context.access.principal.userId, requestId: context.requestId, at: new Date() }, record);
    } catch (error) {
      if (ledgerState.failure instanceof LedgerRecordError) throw recordRefused('the change was not made', context.requestId);
      if (ledgerState.failure !== undefined)
        throw gatewayError('LEDGER_UNAVAILABLE', 'The ledger could not record this change, so it was not made. Try again shortly.');
      // Not made: recorded once, as failed, with the reason. (Recorded as altered and then not committed, only a
      // database failing between the two can do: the second record corrects the first.)
      await ledger.append(alterationRecord(context, person, planned, { outcome: 'error', failure: failureOf(error) })).catch(() => undefined);
      if (error instanceof CohortError) throw gatewayError(error.code, error.message);
      throw error;
    }
    reread.set(context.memberships, { memberships: membershipReads(register), histories: historyLoader() });
    return person;
  };

  return {
    resolvers: {
      Person: {
        // At once where the row is already read (a listed page's people).
        iom: (person: LinkedPerson, _args: unknown, context: CohortContext) => {
          const { memberships } = readsFor(context);
          const shown = (found: Membership | null) => (found ? toGraphQL(found) : null);
          const found = memberships.readNow(person.id);
          return found === undefined ? memberships.load(person.id).then(shown) : shown(found);
        },
      },
      CohortMembership: {
        history: async (membership: ShownMembership, _args: unknown, context: CohortContext) =>
          (await readsFor(context).histories.load(membership.gatewayId)).map(historyToGraphQL),
      },
      Query: {
        cohort: async (
          _root: unknown,
          args: { strand?: string | null; serviceLevel?: string | null; leadProfessional?: string | null; first: number; after?: string | null },
          context: CohortContext,
        ) => {
          assertMayLookUpPeople(context.access);
          if (args.first < 1 || args.first > 100) throw gatewayError('BAD_USER_INPUT', '`first` must be between 1 and 100.');
          // Being listed (and filtered by strand, service level, lead professional) is membership data itself.
          const { access } = context;
          const listing = access.policy.decide({
            role: access.principal.role,
            purpose: access.declaration.purpose,
            dataItem: MEMBERSHIP,
            subject: { inActiveCohort: true, consentRecorded: false, mappaCase: false },
            now: access.now,
            emergency: access.declaration.emergency,
          });
          if (!listing.allowed) {
            throw gatewayError(
              'FORBIDDEN',
              `Listing the cohort shares ${MEMBERSHIP}, which the ISP does not give ${access.principal.role} for ${access.declaration.purpose}.`,
            );
          }
          const filter: CohortFilter = {
            ...(args.strand ? { strand: lower(args.strand) as Membership['strand'] } : {}),
            ...(args.serviceLevel ? { serviceLevel: lower(args.serviceLevel) as Membership['serviceLevel'] } : {}),
            ...(args.leadProfessional ? { leadProfessional: args.leadProfessional } : {}),
          };
          const page = await register.list(filter, { first: args.first, after: args.after });
          // The scope checks of the listed people and their Person.iom read these rows, not the register again.
          for (const member of page.members) context.memberships.prime(member.gatewayId, member);
          const nodes = await context.index.byIds(page.members.map((m) => m.gatewayId));
          const edges = page.members.map((m, i) => ({ cursor: m.gatewayId, node: nodes[i] ?? null }));
          // Being listed is membership data: each edge discloses it, and so does the end cursor, which names the last member.
          const listed = (node: LinkedPerson) => [{ subject: node, dataItem: MEMBERSHIP, clauseId: listing.clauseId }];
          for (const edge of edges) if (edge.node) context.disclosures.mark(edge, listed(edge.node));
          const pageInfo = { endCursor: page.endCursor, hasNextPage: page.hasNextPage };
          const last = edges.at(-1)?.node;
          if (last) context.disclosures.mark(pageInfo, listed(last), 'endCursor');
          // Counted only when asked for (the default resolver calls a function).
          return { totalCount: () => register.count(filter), edges, pageInfo };
        },
      },
      Mutation: {
        selectForCohort: (
          _root: unknown,
          { input }: { input: Record<string, unknown> & { personId: string; strand: string; serviceLevel: string } },
          context: CohortContext,
        ) =>
          change(context, input.personId, () => ({
            action: 'select',
            strand: lower(input.strand),
            scheme: input.scheme ?? null,
            serviceLevel: lower(input.serviceLevel),
            leadProfessional: input.leadProfessional,
            selectedOn: input.selectedOn ?? today(),
            reason: input.reason,
          })),
        changeServiceLevel: (_root: unknown, { input }: { input: { personId: string; serviceLevel: string; reason: string } }, context: CohortContext) =>
          change(context, input.personId, () => ({ action: 'change-service-level', serviceLevel: lower(input.serviceLevel), reason: input.reason })),
        reassignLeadProfessional: (
          _root: unknown,
          { input }: { input: { personId: string; leadProfessional: unknown; reason: string } },
          context: CohortContext,
        ) => change(context, input.personId, () => ({ action: 'reassign-lead-professional', leadProfessional: input.leadProfessional, reason: input.reason })),
        deselectFromCohort: (
          _root: unknown,
          { input }: { input: { personId: string; deselectedOn?: string | null; reason: string; exitPlan: string } },
          context: CohortContext,
        ) =>
          change(context, input.personId, () => ({
            action: 'deselect',
            deselectedOn: input.deselectedOn ?? today(),
            reason: input.reason,
            exitPlan: input.exitPlan,
          })),
      },
    },
  };
}
