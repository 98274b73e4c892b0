/**
 * Compiles a loaded ISP into lookup tables once, at start-up: a decision looks up the role, purpose and data item it
 * was given, then checks the few candidate clauses' conditions, never a scan of the clauses.
 */

import { partnershipDate } from '../partnership-date.js';
import type { LoadedPolicy } from './loader.js';
import type { Condition, LawfulBasis, Purpose, Role, SubjectFacts } from './model.js';
import { PolicyError, type PolicyFault } from './policy-error.js';

/** The data items the schema classifies its fields by (`@dataItem`); the gateway's `classifySchema` yields one. */
export interface DataItemCatalogue {
  readonly dataItems: ReadonlySet<string>;
}

export interface DecisionRequest {
  role: string;
  purpose: string;
  dataItem: string;
  subject: SubjectFacts;
  now: Date;
  /** A break-glass emergency is declared, with its justification, and has not run past its time limit. */
  emergency?: boolean;
}

export type DenialReason = 'no-clause' | `condition-not-met:${Condition}` | 'clause-expired' | 'audit-only';

export type Decision = { allowed: true; clauseId: string; lawfulBasis: Readonly<LawfulBasis> } | { allowed: false; reason: DenialReason; clauseId?: string };

/** One catalogue data item and what the ISP decides about it; never a value. */
export type ItemDecision = { dataItem: string } & Decision;

export interface Explanation {
  ispId: string;
  ispVersion: string;
  role: string;
  purpose: string;
  items: ItemDecision[];
}

export interface CompiledPolicy {
  readonly id: string;
  readonly version: string;
  readonly title: string;
  /** The purposes `role` may declare, in ISP order; none for a role the ISP does not know. */
  purposesFor(role: string): readonly Readonly<Purpose>[];
  purpose(code: string): Readonly<Purpose> | undefined;
  role(name: string): Readonly<Role> | undefined;
  /**
   * Whether the person exists at all for this role and purpose. Out of scope means "not found", never "forbidden",
   * so that scope cannot be probed. Active-cohort roles see only active cohort members, except in an emergency.
   */
  inScope(role: string, purpose: string, subject: Pick<SubjectFacts, 'inActiveCohort'>): boolean;
  decide(request: DecisionRequest): Decision;
  /** Every catalogue data item with its decision, for "what may I see, and why?" */
  explain(role: string, purpose: string, subject: SubjectFacts, now: Date, emergency?: boolean): Explanation;
}

/** A clause as it applies to one role, purpose and data item. */
interface Grant {
  clauseId: string;
  /** The clause's conditions plus, for an active-cohort role outside an emergency, in-active-cohort. */
  conditions: readonly Condition[];
  /** ISO date; compared as text with today's date in the partnership's time zone. */
  reviewDate: string;
  /** What this clause decides where it applies: made once, shared by every decision it allows. */
  allows: Readonly<Extract<Decision, { allowed: true }>>;
}

const CONDITION_MET: Record<Condition, (subject: SubjectFacts, emergency: boolean) => boolean> = {
  'in-active-cohort': (subject) => subject.inActiveCohort,
  'consent-recorded': (subject) => subject.consentRecorded,
  'mappa-case': (subject) => subject.mappaCase,
  emergency: (_subject, emergency) => emergency,
};

export function compilePolicy(policy: LoadedPolicy, catalogue: DataItemCatalogue): CompiledPolicy {
  const faults: PolicyFault[] = [];
  const known = (path: readonly PropertyKey[], item: string) => {
    if (!catalogue.dataItems.has(item)) faults.push(policy.source.fault(path, `data item ${item} is not in the schema's catalogue`));
  };
  policy.clauses.forEach((clause, c) => {
    clause.dataItems.forEach((item, i) => {
      known(['clauses', c, 'dataItems', i], item);
    });
  });
  policy.specialCategoryDataItems.forEach((item, i) => {
    known(['specialCategoryDataItems', i], item);
  });
  if (faults.length > 0) throw new PolicyError(faults);

  const roles = new Map(policy.roles.map((role) => [role.name, role]));
  const purposes = new Map(policy.purposes.map((purpose) => [purpose.code, purpose]));
  const isEmergency = (code: string) => purposes.get(code)?.emergency !== undefined;
  const purposesOfRole = new Map(policy.roles.map((role) => [role.name, policy.purposes.filter((purpose) => role.purposes.includes(purpose.code))]));

  // Role, then purpose, then data item: a decision looks up three names it was given, building no key.
  const grants = new Map<string, Map<string, Map<string, Grant[]>>>();
  for (const clause of policy.clauses) {
    const allows = Object.freeze({ allowed: true as const, clauseId: clause.id, lawfulBasis: clause.lawfulBasis });
    for (const roleName of clause.roles) {
      const scopedToCohort = roles.get(roleName)?.subjectScope === 'active-cohort';
      for (const purpose of clause.purposes) {
        const conditions =
          scopedToCohort && !isEmergency(purpose) && !clause.conditions.includes('in-active-cohort')
            ? [...clause.conditions, 'in-active-cohort' as const]
            : clause.conditions;
        const ofRole = grants.get(roleName) ?? new Map<string, Map<string, Grant[]>>();
        grants.set(roleName, ofRole);
        const ofPurpose = ofRole.get(purpose) ?? new Map<string, Grant[]>();
        ofRole.set(purpose, ofPurpose);
        for (const dataItem of clause.dataItems) {
          const candidates = ofPurpose.get(dataItem) ?? [];
          candidates.push({ clauseId: clause.id, conditions, reviewDate: clause.reviewDate, allows });
          ofPurpose.set(dataItem, candidates);
        }
      }
    }
  }
  const dataItems = [...catalogue.dataItems].sort();

  const decide = ({ role, purpose, dataItem, subject, now, emergency = false }: DecisionRequest): Decision => {
    if (roles.get(role)?.auditOnly) return { allowed: false, reason: 'audit-only' };
    const candidates = grants.get(role)?.get(purpose)?.get(dataItem);
    if (!candidates) return { allowed: false, reason: 'no-clause' };
    const today = partnershipDate(now);
    let unmet: Decision | undefined;
    let expired: Decision | undefined;
    for (const grant of candidates) {
      if (grant.reviewDate < today) {
        expired ??= { allowed: false, reason: 'clause-expired', clauseId: grant.clauseId };
        continue;
      }
      const failing = grant.conditions.find((condition) => !CONDITION_MET[condition](subject, emergency));
      if (failing === undefined) return grant.allows;
      unmet ??= { allowed: false, reason: `condition-not-met:${failing}`, clauseId: grant.clauseId };
    }
    // A live clause whose condition fails says more about what would change the answer than an expired one.
    return unmet ?? expired ?? { allowed: false, reason: 'no-clause' };
  };

  return {
    id: policy.id,
    version: policy.version,
    title: policy.title,
    purposesFor: (role) => purposesOfRole.get(role) ?? [],
    purpose: (code) => purposes.get(code),
    role: (name) => roles.get(name),
    inScope(roleName, purpose, subject) {
      const role = roles.get(roleName);
      if (!role || role.auditOnly || !role.purposes.includes(purpose)) return false;
      return role.subjectScope === 'all-linked' || isEmergency(purpose) || subject.inActiveCohort;
    },
    decide,
    explain: (role, purpose, subject, now, emergency = false) => ({
      ispId: policy.id,
      ispVersion: policy.version,
      role,
      purpose,
      items: dataItems.map((dataItem) => ({ dataItem, ...decide({ role, purpose, dataItem, subject, now, emergency }) })),
    }),
  };
}
