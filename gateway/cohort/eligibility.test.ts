/**
 * The eligibility rules on crafted people: section objects shaped exactly as the probation and police adapters
 * give them, run through the partnership's default rules file and through rules written for one case.
 */
import { describe, expect, it } from 'vitest';
import type { PoliceRecord } from '../../adapters/police/adapter.js';
import type { ProbationOffenceCategory, ProbationRecord } from '../../adapters/probation/adapter.js';
import { type EligibilityRule, type Evidence, firstMatchingRule, matchRule, monthsBefore, needsPolice, readEvidence } from './eligibility.js';
import { loadEligibilityRules } from './eligibility-file.js';

const AS_OF = '2026-11-01';
const { rules } = loadEligibilityRules();

type Band = ProbationRecord['ogrs']['band'];
const SCORES: Record<Band, number> = { LOW: 30, MEDIUM: 60, HIGH: 80, VERY_HIGH: 93 };

function probationRecord(options: {
  category?: ProbationOffenceCategory;
  sentenceType?: NonNullable<ProbationRecord['sentence']>['type'];
  band?: Band;
  rosh?: ProbationRecord['riskOfSeriousHarm'];
  noSentence?: boolean;
}): ProbationRecord {
  const band = options.band ?? 'LOW';
  return {
    sentence: options.noSentence
      ? null
      : {
          type: options.sentenceType ?? 'COMMUNITY_ORDER',
          description: 'Community order 12 months',
          startDate: '2026-03-01',
          endDate: '2027-03-01',
          indexOffence: { description: 'Synthetic index offence', category: options.category ?? 'VIOLENCE' },
        },
    requirements: [],
    compliance: { status: 'COMPLIANT', breachCount: 0, lastBreachDate: null },
    responsibleOfficer: { name: 'Alex Example', team: 'North', phone: null, email: null },
    riskOfSeriousHarm: options.rosh ?? 'LOW',
    ogrs: { score: SCORES[band], band, assessedOn: '2026-04-01' },
    criminogenicNeeds: [],
    mappa: null,
    registrations: [],
  };
}

function policeRecord(options: { ppo?: boolean; arrests?: [string, PoliceRecord['arrests'][number]['offenceCategory']][] }): PoliceRecord {
  return {
    arrests: (options.arrests ?? []).map(([arrestedOn, offenceCategory], i) => ({
      reference: `26/00XX/${i}`,
      arrestedOn,
      offence: 'Synthetic offence',
      offenceCategory,
      outcome: 'CHARGED',
    })),
    charges: [],
    courtOutcomes: [],
    warningMarkers: [],
    wantedMissing: { wanted: false, wantedSince: null, wantedFor: null, missing: false, missingSince: null },
    prolificPriorityOffender: options.ppo ?? false,
    offenderManager: null,
  };
}

const evidence = (probation: ProbationRecord | null, police: PoliceRecord | null = null): Evidence => readEvidence({ probation, police });
const ruleFor = (probation: ProbationRecord | null, police: PoliceRecord | null = null) =>
  firstMatchingRule(rules, evidence(probation, police), { asOf: AS_OF });

describe('the fixed strand', () => {
  it.each([
    ['BURGLARY', 'HIGH', 'COMMUNITY_ORDER'],
    ['ROBBERY', 'VERY_HIGH', 'LICENCE'],
    ['THEFT_FROM_PERSON', 'HIGH', 'LICENCE'],
    ['VEHICLE_THEFT', 'VERY_HIGH', 'COMMUNITY_ORDER'],
  ] as const)('proposes %s at OGRS %s on %s under FIXED-NC-HIGH-OGRS', (category, band, sentenceType) => {
    const match = ruleFor(probationRecord({ category, band, sentenceType }));
    expect(match?.rule.id).toBe('FIXED-NC-HIGH-OGRS');
    expect(match?.rule.strand).toBe('fixed');
  });

  it.each([['BURGLARY'], ['ROBBERY']] as const)('proposes %s at medium OGRS under the medium rule', (category) => {
    expect(ruleFor(probationRecord({ category, band: 'MEDIUM', sentenceType: 'LICENCE' }))?.rule.id).toBe('FIXED-BURGLARY-ROBBERY-MEDIUM-OGRS');
  });

  it('does not propose theft from the person or vehicle theft at medium OGRS', () => {
    expect(ruleFor(probationRecord({ category: 'THEFT_FROM_PERSON', band: 'MEDIUM' }))).toBeNull();
    expect(ruleFor(probationRecord({ category: 'VEHICLE_THEFT', band: 'MEDIUM' }))).toBeNull();
  });

  it('needs a community order or licence', () => {
    expect(ruleFor(probationRecord({ category: 'BURGLARY', band: 'VERY_HIGH', sentenceType: 'SUSPENDED_SENTENCE_ORDER' }))).toBeNull();
    expect(ruleFor(probationRecord({ category: 'BURGLARY', band: 'VERY_HIGH', sentenceType: 'POST_SENTENCE_SUPERVISION' }))).toBeNull();
    expect(ruleFor(probationRecord({ band: 'VERY_HIGH', noSentence: true }))).toBeNull();
  });

  it('gives the facts that made the rule match, each with its data item', () => {
    const match = ruleFor(probationRecord({ category: 'BURGLARY', band: 'HIGH', sentenceType: 'LICENCE' }));
    expect(match?.facts).toEqual([
      { dataItem: 'probation.sentence', reason: 'Index offence burglary: Synthetic index offence' },
      { dataItem: 'probation.sentence', reason: 'On licence' },
      { dataItem: 'probation.ogrs', reason: 'OGRS 80 (high)' },
    ]);
  });

  it('prefers a fixed rule to a flex rule the person also meets', () => {
    const match = ruleFor(probationRecord({ category: 'BURGLARY', band: 'HIGH', rosh: 'VERY_HIGH' }), policeRecord({ ppo: true }));
    expect(match?.rule.id).toBe('FIXED-NC-HIGH-OGRS');
  });
});

describe('the flex strand', () => {
  it('proposes a PPO under supervision, whatever the offence and OGRS', () => {
    const match = ruleFor(probationRecord({ category: 'DRUGS', band: 'LOW', sentenceType: 'SUSPENDED_SENTENCE_ORDER' }), policeRecord({ ppo: true }));
    expect(match?.rule.id).toBe('FLEX-PPO');
    expect(match?.facts).toContainEqual({ dataItem: 'police.ppoStatus', reason: 'Managed by the police as a prolific and priority offender' });
  });

  it('does not propose a PPO with nothing under supervision', () => {
    expect(ruleFor(probationRecord({ noSentence: true }), policeRecord({ ppo: true }))).toBeNull();
  });

  it('proposes a shoplifter with three arrests in the last twelve months, not one with three over a longer time', () => {
    const shoplifter = probationRecord({ category: 'SHOPLIFTING', band: 'MEDIUM' });
    const recent = policeRecord({
      arrests: [
        ['2026-10-30', 'SHOPLIFTING'],
        ['2026-06-01', 'SHOPLIFTING'],
        ['2025-11-02', 'VIOLENCE'],
      ],
    });
    const match = ruleFor(shoplifter, recent);
    expect(match?.rule.id).toBe('FLEX-SHOPLIFTING-ESCALATING');
    expect(match?.facts).toContainEqual({ dataItem: 'police.arrests', reason: '3 arrests in the 12 months to 2026-11-01' });
    const older = policeRecord({
      arrests: [
        ['2026-10-30', 'SHOPLIFTING'],
        ['2026-06-01', 'SHOPLIFTING'],
        ['2025-11-01', 'SHOPLIFTING'],
      ],
    });
    expect(ruleFor(shoplifter, older)).toBeNull();
    // Arrests after the assessment date are not yet known to it.
    const future = policeRecord({
      arrests: [
        ['2026-10-30', 'SHOPLIFTING'],
        ['2026-06-01', 'SHOPLIFTING'],
        ['2026-11-02', 'SHOPLIFTING'],
      ],
    });
    expect(ruleFor(shoplifter, future)).toBeNull();
  });

  it('proposes lower OGRS with a high risk of serious harm for acquisitive offending only', () => {
    expect(ruleFor(probationRecord({ category: 'THEFT_FROM_PERSON', band: 'MEDIUM', rosh: 'HIGH' }))?.rule.id).toBe('FLEX-LOWER-OGRS-HIGH-HARM');
    expect(ruleFor(probationRecord({ category: 'SHOPLIFTING', band: 'LOW', rosh: 'VERY_HIGH', sentenceType: 'LICENCE' }))?.rule.id).toBe(
      'FLEX-LOWER-OGRS-HIGH-HARM',
    );
    expect(ruleFor(probationRecord({ category: 'VIOLENCE', band: 'MEDIUM', rosh: 'VERY_HIGH' }))).toBeNull();
    expect(ruleFor(probationRecord({ category: 'THEFT_FROM_PERSON', band: 'MEDIUM', rosh: 'MEDIUM' }))).toBeNull();
  });
});

describe('rules as data', () => {
  const rule = (conditions: EligibilityRule['conditions']): EligibilityRule => ({
    id: 'TEST-RULE',
    strand: 'flex',
    description: 'A rule for one test',
    conditions,
  });

  it('counts only arrests of the categories a rule names', () => {
    const burglaryArrests = rule({ arrests: { atLeast: 2, withinMonths: 6, categories: ['burglary'] } });
    const police = policeRecord({
      arrests: [
        ['2026-09-01', 'BURGLARY'],
        ['2026-08-01', 'VIOLENCE'],
        ['2026-07-01', 'BURGLARY'],
      ],
    });
    expect(matchRule(burglaryArrests, evidence(null, police), AS_OF)).toEqual([
      { dataItem: 'police.arrests', reason: '2 burglary arrests in the 6 months to 2026-11-01' },
    ]);
    const onlyOne = policeRecord({
      arrests: [
        ['2026-09-01', 'BURGLARY'],
        ['2026-08-01', 'VIOLENCE'],
        ['2026-04-01', 'BURGLARY'],
      ],
    });
    expect(matchRule(burglaryArrests, evidence(null, onlyOne), AS_OF)).toBeNull();
  });

  it('fails a condition on a record the person does not have', () => {
    expect(matchRule(rule({ ogrsBands: ['low'] }), evidence(null, policeRecord({})), AS_OF)).toBeNull();
    expect(matchRule(rule({ prolificPriorityOffender: true }), evidence(probationRecord({}), null), AS_OF)).toBeNull();
    expect(matchRule(rule({ riskOfSeriousHarm: ['low'] }), evidence(probationRecord({}), null), AS_OF)).toEqual([
      { dataItem: 'probation.riskOfSeriousHarm', reason: 'Risk of serious harm low' },
    ]);
  });

  it('skips a rule whose facts the caller may not use, and falls through to the next', () => {
    const ordered = [rule({ prolificPriorityOffender: true }), { ...rule({ ogrsBands: ['low'] }), id: 'OGRS-ONLY' }];
    const person = evidence(probationRecord({ band: 'LOW' }), policeRecord({ ppo: true }));
    expect(firstMatchingRule(ordered, person, { asOf: AS_OF })?.rule.id).toBe('TEST-RULE');
    expect(firstMatchingRule(ordered, person, { asOf: AS_OF, usable: (item) => item !== 'police.ppoStatus' })?.rule.id).toBe('OGRS-ONLY');
    expect(firstMatchingRule(ordered, person, { asOf: AS_OF, usable: () => false })).toBeNull();
  });

  it('asks for the police record only where a rule reading it could still match', () => {
    expect(needsPolice(rules, evidence(probationRecord({ category: 'SHOPLIFTING' })).probation)).toBe(true);
    expect(needsPolice(rules, evidence(probationRecord({ category: 'VIOLENCE', sentenceType: 'LICENCE' })).probation)).toBe(true);
    expect(needsPolice(rules, evidence(probationRecord({ category: 'VIOLENCE', noSentence: true })).probation)).toBe(false);
    expect(
      needsPolice(
        rules.filter((r) => r.strand === 'fixed'),
        evidence(probationRecord({ category: 'SHOPLIFTING' })).probation,
      ),
    ).toBe(false);
  });

  it('refuses a section that is not shaped like the adapter’s', () => {
    expect(() => readEvidence({ probation: { ...probationRecord({}), ogrs: { score: 'high' } } })).toThrow();
    expect(() => readEvidence({ police: { ...policeRecord({}), arrests: [{ arrestedOn: '2026-01-01', offenceCategory: 'ARSON' }] } })).toThrow();
  });
});

describe('monthsBefore', () => {
  it.each([
    ['2026-11-01', 12, '2025-11-01'],
    ['2026-03-31', 1, '2026-02-28'],
    ['2024-03-31', 1, '2024-02-29'],
    ['2026-01-15', 3, '2025-10-15'],
    ['2026-12-31', 120, '2016-12-31'],
  ] as const)('%s less %i months is %s', (asOf, months, expected) => {
    expect(monthsBefore(asOf, months)).toBe(expected);
  });
});
