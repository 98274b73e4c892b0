/**
 * The probation record (nDelius and OASys): the sentence or licence, requirements, compliance, OGRS and
 * risk of serious harm, criminogenic needs, MAPPA. Written after the other agencies' facts, because each
 * part answers to them: OGRS to the offending history, a drug rehabilitation requirement to drug misuse and
 * treatment, the accommodation need to housing, MAPPA to violent offending and harm.
 */

import type { Context } from './context.js';
import { addMonths, isoDate, toDay } from './dates.js';
import { ACQUISITIVE_OFFENCES, VIOLENT_OFFENCES } from './offences.js';
import type { CurrentSentence, Offending } from './offending.js';
import type { Plan } from './plan.js';
import { assignStaff } from './staff.js';
import type { DrugsFacts, HousingFacts, NeedArea, OffenceCategory, PoliceFacts, ProbationFacts, RequirementType, RiskLevel } from './types.js';

export interface Circumstances {
  age: number;
  sex: 'male' | 'female';
  offending: Offending;
  police: PoliceFacts;
  housing: HousingFacts | null;
  drugs: DrugsFacts | null;
}

/** OGRS rises with the number of sanctions, and is higher for acquisitive offending and for the young. */
function ogrsScore(context: Context, plan: Plan, category: OffenceCategory, who: Circumstances): number {
  const acquisitive = ACQUISITIVE_OFFENCES.includes(category) ? (category === 'shoplifting' ? 8 : 18) : 0;
  const raw =
    12 +
    17 * Math.log2(1 + who.offending.sanctions) +
    acquisitive -
    0.7 * Math.max(0, who.age - 25) +
    (who.sex === 'male' ? 3 : 0) +
    context.random.normal(0, 6);
  return Math.max(plan.ogrsAtLeast ?? 0, Math.min(98, Math.max(2, Math.round(raw))));
}

/** The order or licence under supervision now; null while the person is still in custody. */
function sentenceFacts(today: number, sentence: CurrentSentence): ProbationFacts['sentence'] {
  const index = { indexOffence: sentence.offence, indexOffenceCategory: sentence.category };
  const { custody } = sentence;
  if (!custody) {
    const order = sentence.kind === 'community-order';
    const description = order
      ? `Community order, ${sentence.months} months`
      : `Suspended sentence order: ${sentence.suspendedMonths} months' imprisonment suspended for ${sentence.months} months`;
    const type = order ? 'community-order' : 'suspended-sentence-order';
    const endDate = isoDate(addMonths(sentence.sentencedOn, sentence.months));
    return { type, description, startDate: isoDate(sentence.sentencedOn), endDate, ...index };
  }
  if (custody.released === null) return null;
  const from = `${sentence.months} months' imprisonment, released from ${custody.establishment.name} on ${isoDate(custody.released)}`;
  if (custody.licenceExpiry > today) {
    return { type: 'licence', description: `Licence: ${from}`, startDate: isoDate(custody.released), endDate: isoDate(custody.licenceExpiry), ...index };
  }
  // A term under two years: twelve months' supervision from release in all, the licence then the top-up.
  return {
    type: 'post-sentence-supervision',
    description: `Post-sentence supervision: ${from}`,
    startDate: isoDate(custody.licenceExpiry),
    endDate: isoDate(addMonths(custody.released, 12)),
    ...index,
  };
}

function requirements(context: Context, plan: Plan, who: Circumstances, sentence: CurrentSentence): ProbationFacts['requirements'] {
  const { random, today } = context;
  if (sentence.custody) return [];
  const types = new Set<RequirementType>(
    random.sample(['unpaid-work', 'rehabilitation-activity', 'curfew', 'accredited-programme'] as const, random.int(1, 2)),
  );
  const misusesDrugs = plan.substances.some((s) => s !== 'alcohol');
  if (misusesDrugs && who.drugs?.treatment.engaged && random.chance(0.7)) types.add('drug-rehabilitation');
  if (plan.substances.includes('alcohol') && random.chance(0.5)) types.add('alcohol-treatment');
  if (who.police.warningMarkers.some((m) => m.type === 'mental-health') && random.chance(0.5)) types.add('mental-health-treatment');
  const startDate = isoDate(sentence.sentencedOn);
  const monthsIn = (today - sentence.sentencedOn) / 30;
  return [...types].map((type) => ({
    type,
    startDate,
    status: (type === 'unpaid-work' || type === 'curfew') && monthsIn > 6 && random.chance(0.4) ? 'completed' : random.chance(0.04) ? 'terminated' : 'active',
  }));
}

function compliance(context: Context, sentence: ProbationFacts['sentence']): ProbationFacts['compliance'] {
  const { random, today } = context;
  if (!sentence) return { status: 'compliant', breachCount: 0, lastBreachDate: null };
  const status = random.weighted<ProbationFacts['compliance']['status']>([
    ['compliant', 65],
    ['failure-to-comply', 25],
    ['in-breach', 10],
  ]);
  const breachCount = status === 'in-breach' ? random.int(1, 3) : random.chance(status === 'compliant' ? 0.15 : 0.35) ? 1 : 0;
  const start = toDay(sentence.startDate);
  const lastBreachDate = breachCount > 0 && start < today ? isoDate(random.int(start + 1, today)) : null;
  return { status, breachCount: lastBreachDate === null ? 0 : breachCount, lastBreachDate };
}

function riskOfSeriousHarm(context: Context, category: OffenceCategory, who: Circumstances): RiskLevel {
  const violent = VIOLENT_OFFENCES.includes(category) || who.police.warningMarkers.some((m) => m.type === 'violence');
  return violent
    ? context.random.weighted<RiskLevel>([
        ['low', 10],
        ['medium', 50],
        ['high', 34],
        ['very-high', 6],
      ])
    : context.random.weighted<RiskLevel>([
        ['low', 55],
        ['medium', 42],
        ['high', 3],
      ]);
}

function criminogenicNeeds(context: Context, plan: Plan, who: Circumstances): ProbationFacts['criminogenicNeeds'] {
  const { random } = context;
  const needs: ProbationFacts['criminogenicNeeds'] = [];
  const need = (area: NeedArea, likelihood: number, significant = 0.4) => {
    if (random.chance(likelihood)) needs.push({ area, severity: random.chance(significant) ? 'significant' : 'some' });
  };
  const unsettled = who.housing !== null && who.housing.accommodationStatus !== 'settled';
  need('accommodation', unsettled ? 1 : who.housing ? 0.1 : 0.25, unsettled ? 0.8 : 0.2);
  need('education-training-employment', 0.55);
  need('finance', 0.45);
  need('relationships', 0.35);
  need('lifestyle', 0.5);
  const misusesDrugs = plan.substances.some((s) => s !== 'alcohol');
  const heavy = plan.substances.includes('opiates') || plan.substances.includes('crack');
  need('drug-misuse', misusesDrugs ? 1 : 0, heavy ? 0.9 : 0.3);
  need('alcohol-misuse', plan.substances.includes('alcohol') ? 1 : 0.15);
  need('thinking-behaviour', 0.7);
  need('attitudes', 0.35);
  need('emotional-wellbeing', who.police.warningMarkers.some((m) => m.type === 'mental-health') ? 0.9 : 0.3);
  return needs;
}

/** MAPPA: a small share of violent offenders judged to pose high harm. Category 2 needs twelve months' custody or more. */
function mappa(context: Context, category: OffenceCategory, rosh: RiskLevel, sentence: CurrentSentence | null): ProbationFacts['mappa'] {
  const { random } = context;
  if (!VIOLENT_OFFENCES.includes(category) || (rosh !== 'high' && rosh !== 'very-high') || !random.chance(0.35)) return null;
  const category2 = sentence !== null && sentence.custody !== null && sentence.months >= 12;
  return {
    category: category2 ? 2 : 3,
    level: random.weighted<1 | 2 | 3>([
      [1, 70],
      [2, 25],
      [3, 5],
    ]),
  };
}

export function buildProbationFacts(context: Context, plan: Plan & { category: OffenceCategory }, who: Circumstances): ProbationFacts {
  const { random, today } = context;
  const current = who.offending.sentence;
  const sentence = current ? sentenceFacts(today, current) : null;
  const ogrs = ogrsScore(context, plan, plan.category, who);
  const rosh = riskOfSeriousHarm(context, plan.category, who);
  const mappaFacts = mappa(context, plan.category, rosh, current);
  const supervisedFrom = sentence ? toDay(sentence.startDate) : today - 180;

  const registrations: ProbationFacts['registrations'] = [];
  if (mappaFacts) {
    registrations.push({
      type: 'mappa',
      startDate: isoDate(Math.min(supervisedFrom, today)),
      note: `Category ${mappaFacts.category}, level ${mappaFacts.level}`,
    });
  }
  const domesticAbuse = who.offending.arrests.find((a) => a.category === 'domestic-abuse');
  if (domesticAbuse && random.chance(plan.category === 'domestic-abuse' ? 0.9 : 0.5)) {
    registrations.push({ type: 'domestic-abuse-perpetrator', startDate: domesticAbuse.date, note: 'Domestic abuse perpetrator' });
  }
  if (random.chance(0.05)) {
    registrations.push({
      type: 'child-concerns',
      startDate: isoDate(today - random.int(30, 900)),
      note: 'Child protection plan in place for a child in the household',
    });
  }
  registrations.sort((a, b) => a.startDate.localeCompare(b.startDate));

  return {
    sentence,
    requirements: current ? requirements(context, plan, who, current) : [],
    compliance: compliance(context, sentence),
    responsibleOfficer: assignStaff(context, 'probation'),
    ogrsScore: ogrs,
    ogrsAssessedOn: isoDate(random.int(Math.max(supervisedFrom - 30, today - 400), today - 1)),
    riskOfSeriousHarm: rosh,
    criminogenicNeeds: criminogenicNeeds(context, plan, who),
    mappa: mappaFacts,
    registrations,
  };
}
