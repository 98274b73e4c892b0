/**
 * The youth offending team's part of the synthetic population, written from each person's shared facts alone (see
 * population/slice.ts): everyone the police charged before their 18th birthday was made subject to a youth court
 * order, so the YOT knows them. The population describes adults, so these are young adults and older people now in
 * the adult system; an order still running at 18 was transferred to probation where probation knows the person.
 */
import { addMonths, addYears, isoDate, toDay } from '../population/dates.js';
import { heldIdentifiers, inventStaff, type PopulationSlice, randomFor } from '../population/slice.js';
import type { StaffMember, SyntheticPerson } from '../population/types.js';

export type YouthOrderType = 'referral-order' | 'youth-rehabilitation-order' | 'detention-and-training-order';
export type SafeguardingCategory = 'criminal-exploitation' | 'sexual-exploitation' | 'looked-after-child' | 'missing-episodes' | 'domestic-abuse-at-home';
export type WellbeingCategory = 'mental-health' | 'substance-misuse' | 'self-harm' | 'speech-language-communication' | 'education-exclusion';
export type Level = 'low' | 'medium' | 'high' | 'very-high';

export interface YouthFacts {
  reference: string;
  caseWorker: StaffMember;
  orders: {
    type: YouthOrderType;
    startDate: string;
    endDate: string;
    ageAtStart: number;
    offence: string;
    status: 'active' | 'completed' | 'breached' | 'revoked';
  }[];
  assetPlus: { assessedOn: string; riskOfSeriousHarm: Level; likelihoodOfReoffending: Exclude<Level, 'very-high'> } | null;
  safeguardingConcerns: { category: SafeguardingCategory; recordedOn: string; note: string }[];
  wellbeingConcerns: { category: WellbeingCategory; recordedOn: string; note: string }[];
  transition: {
    eighteenthBirthday: string;
    status: 'not-due' | 'planned' | 'transferred' | 'not-required';
    probationCrn: string | null;
    transferredOn: string | null;
  };
}

/** How long each order runs, in months: a referral order 3 to 12, a YRO up to 36, a DTO 4 to 24 (half in custody). */
const ORDER_MONTHS: Record<YouthOrderType, readonly [number, number]> = {
  'referral-order': [3, 12],
  'youth-rehabilitation-order': [6, 24],
  'detention-and-training-order': [4, 24],
};

const SAFEGUARDING_NOTES: Record<SafeguardingCategory, string> = {
  'criminal-exploitation': 'Found carrying drugs for an older group (county lines); NRM referral made',
  'sexual-exploitation': 'Strategy meeting held under child protection procedures',
  'looked-after-child': 'Accommodated by the local authority under s.20 Children Act 1989',
  'missing-episodes': 'Repeated missing episodes from the family home; return interviews completed',
  'domestic-abuse-at-home': 'Domestic abuse between the parents; MARAC referral by the police',
};

const WELLBEING_NOTES: Record<WellbeingCategory, string> = {
  'mental-health': 'Referred to CAMHS for low mood and anxiety',
  'substance-misuse': 'Daily cannabis use; seen by the young people’s substance misuse worker',
  'self-harm': 'History of cutting; safety plan agreed with the school nurse',
  'speech-language-communication': 'Speech and language screening found expressive language difficulties',
  'education-exclusion': 'Permanently excluded from secondary school; attending a pupil referral unit',
};

/** The charges laid before the person's 18th birthday, oldest first: each led to a youth court order. */
function chargesAsAChild(person: SyntheticPerson, adulthood: number): { day: number; offence: string }[] {
  return (person.police?.arrests ?? [])
    .filter((arrest) => arrest.outcome === 'charged' && toDay(arrest.date) < adulthood)
    .map((arrest) => ({ day: toDay(arrest.date), offence: arrest.offence }))
    .sort((a, b) => a.day - b.day);
}

export const youthPopulation: PopulationSlice<YouthFacts> = {
  factsFor(person, frame) {
    const born = toDay(person.dateOfBirth);
    const adulthood = addYears(born, 18);
    const charges = chargesAsAChild(person, adulthood);
    if (charges.length === 0) return null;
    const random = randomFor('youth', person, frame);
    const today = toDay(frame.referenceDate);
    const orders = charges.map(({ day, offence }, i) => {
      const startDay = Math.min(day + random.int(21, 90), adulthood - 1);
      const ageAtStart = Math.min(17, Math.max(10, Math.floor((startDay - born) / 365.25)));
      // Later orders are more serious: a first order is usually a referral order.
      const type: YouthOrderType =
        i === 0 && random.chance(0.75)
          ? 'referral-order'
          : random.weighted([
              ['youth-rehabilitation-order', 70],
              ['detention-and-training-order', 30],
            ] as const);
      const [least, most] = ORDER_MONTHS[type];
      const endDay = addMonths(startDay, random.int(least, most));
      const status =
        endDay > today
          ? 'active'
          : random.weighted([
              ['completed', 80],
              ['breached', 12],
              ['revoked', 8],
            ] as const);
      return { type, startDate: isoDate(startDay), endDate: isoDate(endDay), ageAtStart, offence, status } as const;
    });
    const last = orders[orders.length - 1];
    const lastEnd = last ? toDay(last.endDate) : born;
    const runsTo18 = lastEnd >= adulthood;
    const crn = person.identifiers.crn;
    const transition: YouthFacts['transition'] = {
      eighteenthBirthday: isoDate(adulthood),
      status: adulthood > today ? (runsTo18 ? 'planned' : 'not-due') : runsTo18 && crn !== null ? 'transferred' : 'not-required',
      probationCrn: runsTo18 && crn !== null && adulthood <= today ? crn : null,
      transferredOn: runsTo18 && crn !== null && adulthood <= today ? isoDate(adulthood) : null,
    };
    const serious = orders.some((order) => order.type === 'detention-and-training-order');
    const assessedOn = last ? toDay(last.startDate) - random.int(7, 28) : null;
    const concerns = <C extends string>(notes: Record<C, string>, chance: number) =>
      (Object.keys(notes) as C[])
        .filter(() => random.chance(chance))
        .map((category) => ({ category, recordedOn: isoDate(random.int(addYears(born, 10), adulthood - 1)), note: notes[category] }))
        .sort((a, b) => a.recordedOn.localeCompare(b.recordedOn));
    return {
      reference: `YOT-${String(person.index).padStart(7, '0')}`,
      caseWorker: inventStaff(random, 'yot', 'Northshire Youth Justice Service'),
      orders,
      assetPlus:
        assessedOn === null || random.chance(0.1)
          ? null
          : {
              assessedOn: isoDate(Math.max(assessedOn, addYears(born, 10))),
              riskOfSeriousHarm: random.weighted([
                ['low', serious ? 15 : 45],
                ['medium', 40],
                ['high', serious ? 35 : 12],
                ['very-high', serious ? 10 : 3],
              ] as const),
              likelihoodOfReoffending: random.weighted([
                ['low', 25],
                ['medium', 45],
                ['high', orders.length > 1 ? 50 : 20],
              ] as const),
            },
      safeguardingConcerns: concerns(SAFEGUARDING_NOTES, 0.2),
      wellbeingConcerns: concerns(WELLBEING_NOTES, 0.3),
      transition,
    };
  },
  keyOf: (_person, facts) => facts.reference,
  // The PNC ID comes with the police's charge; the CRN with the transfer to probation.
  identifiersOf: (person, facts) => ({
    ...heldIdentifiers(person, 'youth', ['pnc']),
    ...(facts.transition.probationCrn ? { crn: facts.transition.probationCrn } : {}),
  }),
};
