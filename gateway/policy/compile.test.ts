import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePolicy, type DecisionRequest } from './compile.js';
import { CATALOGUE, TEST_ISP } from './fixtures.js';
import { loadPolicy, parsePolicy } from './loader.js';
import type { SubjectFacts } from './model.js';

const policy = compilePolicy(parsePolicy(TEST_ISP, 'testshire.yaml'), CATALOGUE);
const NOW = new Date('2026-12-01T12:00:00Z');
const NOBODY: SubjectFacts = { inActiveCohort: false, consentRecorded: false, mappaCase: false };
const MEMBER: SubjectFacts = { ...NOBODY, inActiveCohort: true };

const decide = (request: Partial<DecisionRequest> & Pick<DecisionRequest, 'role' | 'purpose' | 'dataItem'>) =>
  policy.decide({ subject: MEMBER, now: NOW, ...request });

describe('compilePolicy', () => {
  it('carries the ISP id and version', () => {
    expect(policy).toMatchObject({ id: 'testshire-isp', version: '1', title: 'Testshire IOM test protocol' });
  });

  it('answers which purposes a role may declare', () => {
    expect(policy.purposesFor('police-officer').map((purpose) => purpose.code)).toEqual(['case-management', 'mappa', 'emergency']);
    expect(policy.purposesFor('ig-officer').map((purpose) => purpose.code)).toEqual(['audit']);
    expect(policy.purposesFor('chief-executive')).toEqual([]);
    expect(policy.purpose('emergency')).toMatchObject({ requiresJustification: true, emergency: { maxMinutes: 30 } });
    expect(policy.purpose('gossip')).toBeUndefined();
    expect(policy.role('coordinator')).toMatchObject({ agency: 'iom', subjectScope: 'all-linked', auditOnly: false });
    expect(policy.role('chief-executive')).toBeUndefined();
  });

  it('refuses a data item the schema does not have', () => {
    const catalogue = { dataItems: new Set([...CATALOGUE.dataItems].filter((item) => item !== 'probation.mappa')) };
    expect(() => compilePolicy(parsePolicy(TEST_ISP, 'testshire.yaml'), catalogue)).toThrow(
      /testshire\.yaml:\d+:\d+ clauses\[3\]\.dataItems\[0\]: data item probation\.mappa is not in the schema's catalogue/,
    );
  });
});

describe('decide', () => {
  it('allows a granted item, naming the clause and its lawful basis', () => {
    expect(decide({ role: 'police-officer', purpose: 'case-management', dataItem: 'police.arrests' })).toEqual({
      allowed: true,
      clauseId: 'C-02',
      lawfulBasis: { statute: 'Crime and Disorder Act 1998', section: 's.115', dpa2018Part3: 's.35(2)(b)' },
    });
  });

  it('denies what no clause grants, including to unknown roles and purposes', () => {
    expect(decide({ role: 'housing-officer', purpose: 'case-management', dataItem: 'police.arrests' })).toEqual({ allowed: false, reason: 'no-clause' });
    expect(decide({ role: 'police-officer', purpose: 'gossip', dataItem: 'identity.name' })).toEqual({ allowed: false, reason: 'no-clause' });
    expect(decide({ role: 'chief-executive', purpose: 'case-management', dataItem: 'identity.name' })).toEqual({ allowed: false, reason: 'no-clause' });
    expect(decide({ role: 'housing-officer', purpose: 'mappa', dataItem: 'probation.mappa', subject: { ...MEMBER, mappaCase: true } })).toEqual({
      allowed: false,
      reason: 'no-clause',
    });
  });

  it('denies everything to an audit-only role', () => {
    expect(decide({ role: 'ig-officer', purpose: 'audit', dataItem: 'identity.name' })).toEqual({ allowed: false, reason: 'audit-only' });
    expect(decide({ role: 'ig-officer', purpose: 'case-management', dataItem: 'identity.name' })).toEqual({ allowed: false, reason: 'audit-only' });
  });

  it('needs recorded consent for drug treatment data', () => {
    const request = { role: 'housing-officer', purpose: 'case-management', dataItem: 'drugs.treatmentEngagement' };
    expect(decide(request)).toEqual({ allowed: false, reason: 'condition-not-met:consent-recorded', clauseId: 'C-03' });
    expect(decide({ ...request, subject: { ...MEMBER, consentRecorded: true } })).toMatchObject({ allowed: true, clauseId: 'C-03' });
  });

  it('needs a MAPPA case for MAPPA data', () => {
    const request = { role: 'police-officer', purpose: 'mappa', dataItem: 'probation.mappa' };
    expect(decide(request)).toEqual({ allowed: false, reason: 'condition-not-met:mappa-case', clauseId: 'C-04' });
    expect(decide({ ...request, subject: { ...MEMBER, mappaCase: true } })).toMatchObject({ allowed: true, clauseId: 'C-04' });
  });

  it('gives active-cohort roles nothing about people outside the cohort, and all-linked roles what needs no cohort', () => {
    expect(decide({ role: 'police-officer', purpose: 'case-management', dataItem: 'identity.name', subject: NOBODY })).toEqual({
      allowed: false,
      reason: 'condition-not-met:in-active-cohort',
      clauseId: 'C-01',
    });
    expect(decide({ role: 'coordinator', purpose: 'case-management', dataItem: 'identity.name', subject: NOBODY })).toMatchObject({
      allowed: true,
      clauseId: 'C-01',
    });
    expect(decide({ role: 'coordinator', purpose: 'case-management', dataItem: 'police.arrests', subject: NOBODY })).toEqual({
      allowed: false,
      reason: 'condition-not-met:in-active-cohort',
      clauseId: 'C-02',
    });
  });

  it('grants break-glass items only while an emergency is declared, whoever the person is', () => {
    const request = { role: 'housing-officer', purpose: 'emergency', dataItem: 'housing.staffSafetyFlags', subject: NOBODY };
    expect(decide(request)).toEqual({ allowed: false, reason: 'condition-not-met:emergency', clauseId: 'C-05' });
    expect(decide({ ...request, emergency: true })).toMatchObject({ allowed: true, clauseId: 'C-05' });
    expect(decide({ ...request, emergency: true, dataItem: 'housing.address' })).toEqual({ allowed: false, reason: 'no-clause' });
  });

  it('lets a clause lapse after its review date, in the partnership’s time zone', () => {
    const request = { role: 'police-officer', purpose: 'case-management', dataItem: 'identity.name' };
    expect(decide({ ...request, now: new Date('2027-09-30T22:30:00Z') })).toMatchObject({ allowed: true, clauseId: 'C-01' });
    // 23:30 UTC on 30 September is 00:30 on 1 October in British Summer Time.
    expect(decide({ ...request, now: new Date('2027-09-30T23:30:00Z') })).toEqual({ allowed: false, reason: 'clause-expired', clauseId: 'C-01' });
    expect(decide({ role: 'housing-officer', purpose: 'case-management', dataItem: 'housing.address' })).toEqual({
      allowed: false,
      reason: 'clause-expired',
      clauseId: 'C-06',
    });
  });

  it('prefers a live clause to a lapsed one, both when granting and when saying what is missing', () => {
    const request = { role: 'coordinator', purpose: 'case-management', dataItem: 'housing.address' };
    expect(decide(request)).toMatchObject({ allowed: true, clauseId: 'C-07' });
    expect(decide({ ...request, subject: NOBODY })).toEqual({ allowed: false, reason: 'condition-not-met:in-active-cohort', clauseId: 'C-07' });
  });
});

describe('inScope', () => {
  it('hides people outside the cohort from active-cohort roles except in an emergency', () => {
    expect(policy.inScope('police-officer', 'case-management', MEMBER)).toBe(true);
    expect(policy.inScope('police-officer', 'case-management', NOBODY)).toBe(false);
    expect(policy.inScope('police-officer', 'emergency', NOBODY)).toBe(true);
    expect(policy.inScope('coordinator', 'case-management', NOBODY)).toBe(true);
  });

  it('shows nobody to an audit-only role, to an unknown role, or for a purpose the role may not use', () => {
    expect(policy.inScope('ig-officer', 'audit', MEMBER)).toBe(false);
    expect(policy.inScope('chief-executive', 'case-management', MEMBER)).toBe(false);
    expect(policy.inScope('coordinator', 'emergency', MEMBER)).toBe(false);
  });
});

describe('explain', () => {
  it('lists every catalogue item once with its decision, clause and lawful basis, and no values', () => {
    const explanation = policy.explain('housing-officer', 'case-management', { ...MEMBER, consentRecorded: true }, NOW);
    expect(explanation).toMatchObject({ ispId: 'testshire-isp', ispVersion: '1', role: 'housing-officer', purpose: 'case-management' });
    expect(explanation.items.map((item) => item.dataItem)).toEqual([...CATALOGUE.dataItems].sort());
    const allowed = explanation.items.filter((item) => item.allowed);
    expect(allowed.map((item) => [item.dataItem, item.clauseId])).toEqual([
      ['drugs.treatmentEngagement', 'C-03'],
      ['identity.name', 'C-01'],
    ]);
    expect(explanation.items.find((item) => item.dataItem === 'housing.address')).toEqual({
      dataItem: 'housing.address',
      allowed: false,
      reason: 'clause-expired',
      clauseId: 'C-06',
    });
    for (const item of explanation.items) {
      expect(Object.keys(item).sort()).toEqual(
        item.allowed ? ['allowed', 'clauseId', 'dataItem', 'lawfulBasis'] : expect.arrayContaining(['allowed', 'dataItem', 'reason']),
      );
    }
  });

  it('explains an emergency only when one is declared', () => {
    const granted = (emergency?: boolean) =>
      policy
        .explain('police-officer', 'emergency', NOBODY, NOW, emergency)
        .items.filter((item) => item.allowed)
        .map((item) => item.dataItem);
    expect(granted()).toEqual([]);
    expect(granted(true)).toEqual(['housing.staffSafetyFlags', 'identity.name']);
  });
});

describe('the partnership ISP', () => {
  const loaded = loadPolicy('policies/iom-partnership.yaml');
  const isp = compilePolicy(loaded, CATALOGUE);
  const roles = loaded.roles.map((role) => role.name);
  const purposes = loaded.purposes.map((purpose) => purpose.code);
  const facts = fc.record({ inActiveCohort: fc.boolean(), consentRecorded: fc.boolean(), mappaCase: fc.boolean() });
  // Any day, and the last and first minutes around each review date, where an off-by-one would hide.
  const edges = loaded.clauses.flatMap((clause) => [new Date(`${clause.reviewDate}T22:59:00Z`), new Date(`${clause.reviewDate}T23:01:00Z`)]);
  const day = fc.oneof(
    fc.date({ min: new Date('2025-01-01T00:00:00Z'), max: new Date('2028-12-31T00:00:00Z'), noInvalidDate: true }),
    fc.constantFrom(...edges),
  );
  const londonDay = (date: Date) => date.toLocaleDateString('en-CA', { timeZone: 'Europe/London' });

  it('decides exactly as reading the clauses one by one would, and never inside what scope hides', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...roles),
        fc.constantFrom(...purposes),
        fc.constantFrom(...CATALOGUE.dataItems),
        facts,
        day,
        fc.boolean(),
        (role, purpose, dataItem, subject, now, emergency) => {
          const decision = isp.decide({ role, purpose, dataItem, subject, now, emergency });
          const declared = loaded.roles.find((candidate) => candidate.name === role);
          const inScope = declared?.subjectScope === 'all-linked' || isp.purpose(purpose)?.emergency !== undefined || subject.inActiveCohort;
          const met = { 'in-active-cohort': subject.inActiveCohort, 'consent-recorded': subject.consentRecorded, 'mappa-case': subject.mappaCase, emergency };
          const granting = loaded.clauses.filter(
            (clause) =>
              clause.roles.includes(role) &&
              clause.purposes.includes(purpose) &&
              clause.dataItems.includes(dataItem) &&
              clause.reviewDate >= londonDay(now) &&
              clause.conditions.every((condition) => met[condition]) &&
              inScope,
          );
          expect(decision.allowed).toBe(granting.length > 0);
          if (decision.allowed) {
            expect(decision.clauseId).toBe(granting[0]?.id);
            expect(isp.inScope(role, purpose, subject)).toBe(true);
          }
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('shows housing officers no conviction detail and nobody but drug workers and probation drug treatment detail', () => {
    const everything: SubjectFacts = { inActiveCohort: true, consentRecorded: true, mappaCase: true };
    const seen = (role: string) =>
      new Set(
        purposes.flatMap((purpose) =>
          isp
            .explain(role, purpose, everything, NOW, true)
            .items.filter((item) => item.allowed)
            .map((item) => item.dataItem),
        ),
      );
    const housing = seen('housing-officer');
    for (const item of ['police.arrests', 'police.charges', 'police.courtOutcomes', 'probation.sentence', 'probation.ogrs']) {
      expect(housing.has(item)).toBe(false);
    }
    for (const role of roles) {
      expect(seen(role).has('drugs.treatmentDetail')).toBe(role === 'drug-worker' || role === 'probation-practitioner');
    }
    expect(seen('ig-officer').size).toBe(0);
  });
});
