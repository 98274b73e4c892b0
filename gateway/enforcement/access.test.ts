/**
 * A request's decisions are kept and shared by people alike in facts, but never lent across facts: two reads of one
 * person that differ (a record relinked mid-request, a feed loaded meanwhile) are each decided on their own facts.
 */
import { describe, expect, it } from 'vitest';
import type { LinkedPerson } from '../identity/link.js';
import { CATALOGUE } from '../policy/fixtures.js';
import { compilePolicy, loadPolicy } from '../policy/index.js';
import { createAccess } from './access.js';
import type { GatheredFacts } from './subjects.js';

const policy = compilePolicy(loadPolicy('policies/iom-partnership.yaml'), CATALOGUE);
// C-22 shares it with a housing officer only for an active member whose consent is recorded.
const ENGAGEMENT = 'drugs.treatmentEngagement';

const person = (id: string): LinkedPerson => ({ id, records: [], identifiers: {}, conflicts: [], keys: new Map() });

function accessFor(facts: Map<LinkedPerson, GatheredFacts>) {
  return createAccess({
    policy,
    principal: { userId: 'housing-officer-1', displayName: 'Housing Officer', agency: 'housing', role: 'housing-officer', clientApplication: 'test' },
    declaration: { purpose: 'iom-case-management', justification: null, emergency: false },
    factsOf: async (subject) => facts.get(subject) ?? { inActiveCohort: false, consentRecorded: false, mappaCase: false },
    activeMember: async () => true,
    now: new Date('2026-11-01T12:00:00Z'),
  });
}

describe('a request’s decisions', () => {
  it('decide each read of one person on its own facts, and share a decision only between people alike in facts', async () => {
    const withoutConsent = person('GW-000000000001');
    const sameIdWithConsent = person('GW-000000000001');
    const alikeWithoutConsent = person('GW-000000000002');
    const access = accessFor(
      new Map([
        [withoutConsent, { inActiveCohort: true, consentRecorded: false, mappaCase: false }],
        [sameIdWithConsent, { inActiveCohort: true, consentRecorded: true, mappaCase: false }],
        [alikeWithoutConsent, { inActiveCohort: true, consentRecorded: false, mappaCase: false }],
      ]),
    );

    expect(await access.decide(withoutConsent, ENGAGEMENT)).toMatchObject({ allowed: false, reason: 'condition-not-met:consent-recorded' });
    // Not lent the first read's refusal, though it has the same id.
    expect(access.decided(sameIdWithConsent, ENGAGEMENT)).toBeUndefined();
    expect(await access.decide(sameIdWithConsent, ENGAGEMENT)).toMatchObject({ allowed: true, clauseId: 'C-22' });
    // Nor is anyone without consent lent the second read's allowance.
    expect(await access.decide(alikeWithoutConsent, ENGAGEMENT)).toMatchObject({ allowed: false });
    expect(access.decided(withoutConsent, ENGAGEMENT)).toMatchObject({ allowed: false });
    expect(access.decided(sameIdWithConsent, ENGAGEMENT)).toMatchObject({ allowed: true });
  });

  it('are not reached for someone whose facts are not in, however alike they may turn out', async () => {
    const first = person('GW-000000000003');
    const later = person('GW-000000000004');
    const facts = { inActiveCohort: true, consentRecorded: true, mappaCase: false };
    const access = accessFor(
      new Map([
        [first, facts],
        [later, { ...facts }],
      ]),
    );
    await access.decide(first, ENGAGEMENT);
    expect(access.decided(later, ENGAGEMENT)).toBeUndefined();
    await access.decideAll(later, [ENGAGEMENT]);
    expect(access.decided(later, ENGAGEMENT)).toMatchObject({ allowed: true, clauseId: 'C-22' });
  });
});
