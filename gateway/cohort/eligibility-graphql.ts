/**
 * `Query.cohortCandidates`: the eligibility rules applied to everyone probation knows who is not an active
 * cohort member. Probation records come in a few batches through the request's section loaders, police records
 * only for the people whose answer they could change. A rule is applied only to facts the ISP lets the caller
 * receive about that person, and each reason returned is noted as a disclosure of its data item.
 */
import type { GraphQLError, GraphQLResolveInfo } from 'graphql';
import type { Access, SectionLoaders } from '../enforcement/index.js';
import { type Disclosing, type DisclosureSet, responsePath, sectionKey } from '../enforcement/index.js';
import { gatewayError } from '../errors.js';
import type { IdentityIndex } from '../identity/index-of-people.js';
import type { LinkedPerson } from '../identity/link.js';
import type { SchemaExtension } from '../schema.js';
import {
  dataItemsOf,
  type EligibilityFact,
  type EligibilityRule,
  type EvidenceItem,
  firstMatchingRule,
  needsPolice,
  type ProbationEvidence,
  readEvidence,
} from './eligibility.js';
import type { EligibilityRules } from './eligibility-file.js';
import type { CohortRegister } from './register.js';

interface CandidateContext {
  index: IdentityIndex;
  sections: SectionLoaders;
  access: Access;
  disclosures: DisclosureSet;
}

interface Candidate {
  person: LinkedPerson;
  rule: EligibilityRule;
  facts: (EligibilityFact & { clauseId: string })[];
}

const MAX_PAGE = 100;

function requireCohortManager(access: Access): void {
  if (!access.policy.role(access.principal.role)?.managesCohort) {
    throw gatewayError('FORBIDDEN', `${access.principal.role} may not screen candidates for the cohort; the IOM coordinator does.`);
  }
  if (access.declaration.purpose !== 'iom-case-management') {
    throw gatewayError('FORBIDDEN', 'Cohort candidates are screened for the purpose iom-case-management.');
  }
}

/** Records for these keys from one agency; any failure stops the whole proposal rather than silently shortening it. */
async function recordsOf(context: CandidateContext, agency: string, keys: readonly string[]): Promise<unknown[]> {
  const loader = context.sections.get(agency);
  if (!loader) throw gatewayError('AGENCY_UNAVAILABLE', `Cohort candidates need ${agency} records, and ${agency} is not connected.`, { agency });
  const records = await loader.loadMany(keys);
  const failure = records.find((record): record is Error => record instanceof Error);
  if (failure) {
    const reason = (failure as Partial<GraphQLError>).extensions?.reason ?? 'unreachable';
    throw gatewayError(
      'AGENCY_UNAVAILABLE',
      `Cohort candidates need ${agency} records, and ${agency} could not answer (${String(reason)}); try again shortly.`,
      {
        agency,
        reason,
      },
    );
  }
  return records;
}

const factsOf = (candidate: Candidate): Disclosing[] => candidate.facts.map(({ dataItem, clauseId }) => ({ subject: candidate.person, dataItem, clauseId }));

function recordFacts(context: CandidateContext, candidate: Candidate, path: string): void {
  for (const fact of factsOf(candidate)) context.disclosures.allow({ ...fact, path });
}

/** People read from the identity index per query while proposing candidates. */
const PEOPLE_PAGE = 1_000;

export function eligibilityExtension(options: { rules: EligibilityRules; register: CohortRegister }): SchemaExtension {
  const { register } = options;
  const { rules } = options.rules;
  const evidenceItems = [...new Set(rules.flatMap(dataItemsOf))];

  /** The candidates among one page of the people probation holds. */
  const assess = async (context: CandidateContext, known: readonly LinkedPerson[], asOf: string): Promise<Candidate[]> => {
    const { access } = context;
    const memberships = await register.memberships(known.map((person) => person.id));
    const open = known.filter((person) => memberships.get(person.id)?.active !== true);

    const probationRecords = await recordsOf(
      context,
      'probation',
      open.map((person) => sectionKey(person, 'probation') as string),
    );
    const probation = new Map<LinkedPerson, ProbationEvidence | null>(
      open.map((person, i) => [person, readEvidence({ probation: probationRecords[i] }).probation]),
    );

    const askPolice = open.filter((person) => sectionKey(person, 'police') !== undefined && needsPolice(rules, probation.get(person) ?? null));
    const policeRecords = await recordsOf(
      context,
      'police',
      askPolice.map((person) => sectionKey(person, 'police') as string),
    );
    const police = new Map(askPolice.map((person, i) => [person, readEvidence({ police: policeRecords[i] }).police]));

    const assessed = await Promise.all(
      open.map(async (person): Promise<Candidate | null> => {
        const evidence = { probation: probation.get(person) ?? null, police: police.get(person) ?? null };
        // Asking the ISP costs subject facts (a drugs record): ask only about people some rule matches.
        if (!firstMatchingRule(rules, evidence, { asOf })) return null;
        if (!(await access.visible(person))) return null;
        const decisions = new Map(await Promise.all(evidenceItems.map(async (item) => [item, await access.decide(person, item)] as const)));
        const clauseOf = (item: EvidenceItem) => {
          const decision = decisions.get(item);
          return decision?.allowed ? decision.clauseId : null;
        };
        const match = firstMatchingRule(rules, evidence, { asOf, usable: (item) => clauseOf(item) !== null });
        return match && { person, rule: match.rule, facts: match.facts.map((fact) => ({ ...fact, clauseId: clauseOf(fact.dataItem) as string })) };
      }),
    );
    const candidates = assessed
      .filter((candidate): candidate is Candidate => candidate !== null)
      .map((candidate) => ({ ...candidate, person: context.index.keep(candidate.person) }));
    // The request's loaders would otherwise keep every record screened; only candidates' are read again.
    const named = new Set(candidates.map((candidate) => candidate.person.id));
    const forget = (agency: string, screened: readonly LinkedPerson[]) => {
      for (const person of screened) {
        const key = sectionKey(person, agency);
        if (!named.has(person.id) && key !== undefined) context.sections.get(agency)?.clear(key);
      }
    };
    forget('probation', open);
    forget('police', askPolice);
    return candidates;
  };

  /**
   * Every candidate the caller may be shown, ordered by gateway id. Probation's people are screened a page at a
   * time and only candidates are kept, so a request holds one page of people and their records, not everyone.
   */
  const propose = async (context: CandidateContext): Promise<Candidate[]> => {
    const asOf = context.access.now.toISOString().slice(0, 10);
    const candidates: Candidate[] = [];
    for (let after: string | null = null; ; ) {
      const page = await context.index.peopleHeldBy('probation', after, PEOPLE_PAGE);
      candidates.push(...(await assess(context, page, asOf)));
      const last = page.at(-1);
      if (page.length < PEOPLE_PAGE || last === undefined) break;
      after = last.id;
    }
    return candidates.sort((a, b) => (a.person.id < b.person.id ? -1 : 1)); // code-point order, as the cursor compares
  };

  return {
    resolvers: {
      Query: {
        cohortCandidates: async (_root: unknown, args: { strand?: string | null; first: number; after?: string | null }, context: CandidateContext) => {
          requireCohortManager(context.access);
          if (args.first < 1 || args.first > MAX_PAGE) throw gatewayError('BAD_USER_INPUT', `\`first\` must be between 1 and ${MAX_PAGE}.`);
          const strand = args.strand?.toLowerCase();
          const all = (await propose(context)).filter((candidate) => !strand || candidate.rule.strand === strand);
          const after = args.after;
          const start = after ? all.findIndex((candidate) => candidate.person.id > after) : 0;
          const page = start === -1 ? [] : all.slice(start, start + args.first);
          // Being proposed says the rule's facts held, whatever fields are asked for: each edge discloses them, and so
          // does the end cursor, which names the last candidate.
          const edges = page.map((candidate) => ({ cursor: candidate.person.id, node: candidate }));
          for (const edge of edges) {
            context.disclosures.consult(edge.node.person);
            context.disclosures.mark(edge, factsOf(edge.node));
          }
          const pageInfo = { endCursor: page.at(-1)?.person.id ?? null, hasNextPage: start !== -1 && start + args.first < all.length };
          const last = page.at(-1);
          if (last) context.disclosures.mark(pageInfo, factsOf(last), 'endCursor');
          return { totalCount: all.length, edges, pageInfo };
        },
      },
      CohortCandidate: {
        // The strand and the rule say which facts held as surely as the reasons do: each records them.
        strand: (candidate: Candidate, _args: unknown, context: CandidateContext, info: GraphQLResolveInfo) => {
          recordFacts(context, candidate, responsePath(info.path));
          return candidate.rule.strand.toUpperCase();
        },
        rule: (candidate: Candidate, _args: unknown, context: CandidateContext, info: GraphQLResolveInfo) => {
          recordFacts(context, candidate, responsePath(info.path));
          return { id: candidate.rule.id, description: candidate.rule.description };
        },
        reasons: (candidate: Candidate, _args: unknown, context: CandidateContext, info: GraphQLResolveInfo) => {
          const path = responsePath(info.path);
          candidate.facts.forEach((fact, i) => {
            recordFacts(context, { ...candidate, facts: [fact] }, `${path}.${i}`);
          });
          return candidate.facts.map((fact) => fact.reason);
        },
      },
    },
  };
}
