/**
 * One request's standing under the ISP: who is asking, for which declared purpose, and what the compiled
 * policy decides for each person and data item. Decisions are kept for the request, shared by people alike in facts.
 */

import type { AgencyFact, SubjectFacts } from '../../adapters/kit/contract.js';
import type { Principal } from '../authentication/principal.js';
import { gatewayError } from '../errors.js';
import type { LinkedPerson } from '../identity/link.js';
import { partnershipDate } from '../partnership-date.js';
import type { CompiledPolicy, Decision } from '../policy/index.js';
import type { FactsOf, GatheredFacts } from './subjects.js';

/** The purpose the caller declared for this request (X-Purpose, X-Justification). */
export interface Declaration {
  purpose: string;
  justification: string | null;
  /** A break-glass emergency, declared with a justification and within its time limit. */
  emergency: boolean;
}

/**
 * The ISP's decision, or: the decision turns on a fact an agency could not give (consent, MAPPA), so the item is not
 * disclosed because that agency was unavailable, which is not the ISP withholding it.
 */
export type AccessDecision = Decision | { allowed: false; reason: `agency-unavailable:${string}`; agency: string; clauseId?: string };

export interface Access {
  readonly principal: Principal;
  readonly declaration: Declaration;
  readonly policy: CompiledPolicy;
  /** Audit-only roles (IG officers) see no person data at all. */
  readonly auditOnly: boolean;
  /**
   * Whether the declared purpose can grant this role any person data item at all. When it cannot (an audit or a
   * performance report), person look-ups are refused outright: even "this person exists" would be a disclosure.
   */
  readonly grantsPersonData: boolean;
  /** Whether some person could be given this item under this role and purpose today, whatever their facts. */
  mayEverReceive(dataItem: string): boolean;
  /** The instant this request's decisions are made at (review dates), so an explanation agrees with them. */
  readonly now: Date;
  /** Whether the person exists for this caller: out of scope looks exactly like unknown. */
  visible(person: LinkedPerson): Promise<boolean>;
  /** `visible`'s answer, if the person's register row is already read; undefined if it is not. */
  visibleNow(person: LinkedPerson): boolean | undefined;
  /** Whether the person is an active IOM cohort member, from the register alone: no agency is asked. */
  inActiveCohort(person: LinkedPerson): Promise<boolean>;
  /**
   * Whether a looked-up person (null: nobody has that identifier) is found for this caller. Unknown and out of
   * scope take the same path, one query of the register, so that not even timing tells them apart.
   */
  found(person: LinkedPerson | null): Promise<boolean>;
  decide(person: LinkedPerson, dataItem: string): Promise<AccessDecision>;
  /** Each item's decision, in order, reached together once the person's facts are in: one wait, not one per item. */
  decideAll(person: LinkedPerson, dataItems: readonly string[]): Promise<AccessDecision[]>;
  /** The decision `decide` would give, if it is already reached (for this person or one alike in facts): a field then resolves without waiting. */
  decided(person: LinkedPerson, dataItem: string): AccessDecision | undefined;
  /** `decideAll`'s answer, if every one of its decisions is already reached; undefined if any is not. */
  decidedAll(person: LinkedPerson, dataItems: readonly string[]): AccessDecision[] | undefined;
  factsOf: FactsOf;
}

/** The items a role and purpose could receive about someone, whatever the person: worked out once per day and pair. */
const grants = new WeakMap<CompiledPolicy, Map<string, ReadonlySet<string>>>();
function possibleItems(policy: CompiledPolicy, role: string, declaration: Declaration, now: Date): ReadonlySet<string> {
  const known = grants.get(policy) ?? new Map<string, ReadonlySet<string>>();
  grants.set(policy, known);
  // The day matters: a clause past its review date grants nothing.
  const key = `${role}|${declaration.purpose}|${declaration.emergency}|${partnershipDate(now)}`;
  let answer = known.get(key);
  if (answer === undefined) {
    const everyCondition = { inActiveCohort: true, consentRecorded: true, mappaCase: true };
    const { items } = policy.explain(role, declaration.purpose, everyCondition, now, declaration.emergency);
    answer = new Set(items.filter((item) => item.allowed).map((item) => item.dataItem));
    known.set(key, answer);
  }
  return answer;
}

/** Refuses any look-up of people when the caller's role and purpose can receive no person data at all. */
export function assertMayLookUpPeople(access: Access): void {
  const { role } = access.principal;
  if (access.auditOnly) throw gatewayError('FORBIDDEN', `${role} sees the disclosure ledger, not person data.`);
  if (!access.grantsPersonData) {
    throw gatewayError('FORBIDDEN', `The purpose ${access.declaration.purpose} gives ${role} no person data; declare the purpose you are working for.`);
  }
}

export function createAccess(options: {
  policy: CompiledPolicy;
  principal: Principal;
  declaration: Declaration;
  factsOf: FactsOf;
  /** Active cohort membership alone, from the register: scope must not wait on agencies (timing would tell). */
  activeMember: (gatewayId: string) => Promise<boolean>;
  /** `activeMember`'s answer where the register row is already read; undefined where it is not (the default). */
  activeMemberNow?: (gatewayId: string) => boolean | undefined;
  now: Date;
}): Access {
  const { policy, principal, declaration, factsOf, activeMember, activeMemberNow = () => undefined, now } = options;
  const role = principal.role;
  // Within a request a decision turns only on the item and the person's facts: people alike in them share one map of
  // decisions (a cohort page decides each item for a handful of kinds of person, not fifty people). Kept by the person
  // object, as factsOf keeps their facts: two reads of one id may differ in facts, and each then has its own.
  const byFacts = new Map<string, Map<string, AccessDecision>>();
  const reached = new Map<LinkedPerson, Map<string, AccessDecision>>();
  const decisionsOf = (person: LinkedPerson, subject: GatheredFacts): Map<string, AccessDecision> => {
    let decisions = reached.get(person);
    if (decisions === undefined) {
      const key = factsKey(subject);
      decisions = byFacts.get(key);
      if (decisions === undefined) {
        decisions = new Map();
        byFacts.set(key, decisions);
      }
      reached.set(person, decisions);
    }
    return decisions;
  };
  const decideNow = (person: LinkedPerson, dataItem: string, subject: GatheredFacts): AccessDecision => {
    const decisions = decisionsOf(person, subject);
    let decision = decisions.get(dataItem);
    if (decision === undefined) {
      decision = decideWithUnknowns(subject, (facts) =>
        policy.decide({ role, purpose: declaration.purpose, dataItem, subject: facts, now, emergency: declaration.emergency }),
      );
      decisions.set(dataItem, decision);
    }
    return decision;
  };
  const possible = possibleItems(policy, role, declaration, now);
  return {
    principal,
    declaration,
    policy,
    factsOf,
    now,
    auditOnly: policy.role(role)?.auditOnly ?? true,
    grantsPersonData: possible.size > 0,
    mayEverReceive: (dataItem) => possible.has(dataItem),
    inActiveCohort: (person) => activeMember(person.id),
    async visible(person) {
      return policy.inScope(role, declaration.purpose, { inActiveCohort: await activeMember(person.id) });
    },
    visibleNow(person) {
      const inActiveCohort = activeMemberNow(person.id);
      return inActiveCohort === undefined ? undefined : policy.inScope(role, declaration.purpose, { inActiveCohort });
    },
    async found(person) {
      // No gateway id has this form, so the register answers "not a member" for it, in the usual time.
      const inActiveCohort = await activeMember(person?.id ?? 'GW-NOBODY');
      return person !== null && policy.inScope(role, declaration.purpose, { inActiveCohort });
    },
    decide(person, dataItem) {
      const decision = reached.get(person)?.get(dataItem);
      return decision === undefined ? factsOf(person).then((subject) => decideNow(person, dataItem, subject)) : Promise.resolve(decision);
    },
    decideAll(person, dataItems) {
      return factsOf(person).then((subject) => dataItems.map((dataItem) => decideNow(person, dataItem, subject)));
    },
    decided(person, dataItem) {
      return reached.get(person)?.get(dataItem);
    },
    decidedAll(person, dataItems) {
      const decisions = reached.get(person);
      if (decisions === undefined) return undefined;
      const all: AccessDecision[] = [];
      for (const dataItem of dataItems) {
        const decision = decisions.get(dataItem);
        if (decision === undefined) return undefined;
        all.push(decision);
      }
      return all;
    },
  };
}

/** Every fact a decision can turn on, as a record: a fact added to SubjectFacts fails to compile here until it is in the key. */
const FACT_KEYS: Record<keyof SubjectFacts, (subject: GatheredFacts) => string> = {
  inActiveCohort: (subject) => String(subject.inActiveCohort),
  consentRecorded: (subject) => `${subject.consentRecorded}/${subject.unreadable?.consentRecorded ?? ''}`,
  mappaCase: (subject) => `${subject.mappaCase}/${subject.unreadable?.mappaCase ?? ''}`,
};
const factKeys = Object.values(FACT_KEYS);

/** Everything about a person a decision can turn on: each fact, with the agency that could not give it, if one could not. */
function factsKey(subject: GatheredFacts): string {
  return factKeys.map((keyOf) => keyOf(subject)).join('|');
}

const FACT_OF_CONDITION: Readonly<Record<string, AgencyFact>> = { 'consent-recorded': 'consentRecorded', 'mappa-case': 'mappaCase' };

/**
 * The ISP's decision, unless it withholds only because a fact an agency could not give counts as false: then, were
 * those facts true, would it allow? If so the item waits on that agency (AGENCY_UNAVAILABLE), not on the ISP.
 */
function decideWithUnknowns(subject: GatheredFacts, decide: (facts: GatheredFacts) => Decision): AccessDecision {
  const decision = decide(subject);
  const unreadable = subject.unreadable ?? {};
  if (decision.allowed || Object.keys(unreadable).length === 0) return decision;
  let assumed: GatheredFacts = subject;
  let agency: string | undefined;
  for (let next: Decision = decision; !next.allowed; next = decide(assumed)) {
    const fact = next.reason.startsWith('condition-not-met:') ? FACT_OF_CONDITION[next.reason.slice('condition-not-met:'.length)] : undefined;
    const holder = fact === undefined || assumed[fact] ? undefined : unreadable[fact];
    // Withheld whatever the unknown facts are: the ISP's own answer stands.
    if (fact === undefined || holder === undefined) return decision;
    agency ??= holder;
    assumed = { ...assumed, [fact]: true };
  }
  return { allowed: false, reason: `agency-unavailable:${agency}`, agency: agency as string, ...(decision.clauseId ? { clauseId: decision.clauseId } : {}) };
}
