/**
 * A person's outline before any record is written: where they stand with the justice system, which
 * agencies know them, what their offending centres on, whether they misuse drugs. Every agency's facts
 * are then written from this one outline, which is what keeps the agencies consistent with each other.
 */
import { DRUG_MISUSE_LIKELIHOOD, POLICE_MIX, SUPERVISED_MIX, TRIGGER_OFFENCES } from './offences.js';
import type { Random } from './random.js';
import type { AccommodationStatus, OffenceCategory, Substance } from './types.js';

export type Segment =
  | 'in-custody'
  | 'on-licence'
  | 'post-sentence-supervision'
  | 'community'
  | 'police-only'
  /** Known to housing or the drug service but never arrested. */
  | 'not-police';

export interface Plan {
  segment: Segment;
  probation: boolean;
  housing: boolean;
  drugs: boolean;
  /** What the offending centres on; the current sentence's index offence. Null for people never arrested. */
  category: OffenceCategory | null;
  /** Substances misused; empty for people who do not misuse drugs. */
  substances: Substance[];
  // Controls the fixed wrinkles use; absent for everyone else.
  /** On licence: released on or after this day. */
  releasedFrom?: number;
  /** The history includes violence, and the police hold a violence marker. */
  violent?: boolean;
  /** A new arrest in the last few weeks, charged and awaiting trial. */
  recentCharge?: OffenceCategory;
  /** Engaged in drug treatment, consent to share recorded. */
  inTreatment?: boolean;
  accommodation?: AccommodationStatus;
  ogrsAtLeast?: number;
}

const SUBSTANCE_PROFILES: readonly (readonly [Substance[], number])[] = [
  [['opiates', 'crack'], 30],
  [['opiates'], 10],
  [['crack'], 10],
  [['cocaine'], 12],
  [['cocaine', 'alcohol'], 8],
  [['cannabis'], 15],
  [['cannabis', 'alcohol'], 7],
  [['opiates', 'benzodiazepines'], 5],
];

function chooseSubstances(random: Random): Substance[] {
  return [...random.weighted(SUBSTANCE_PROFILES)];
}

/** Shares tuned so that, across the population, police know ~90%, probation ~55%, prison ~25%, housing ~35%, drugs ~30%. */
const SEGMENTS: readonly (readonly [Segment, number])[] = [
  ['not-police', 10],
  ['in-custody', 12],
  ['on-licence', 10],
  ['post-sentence-supervision', 3],
  ['community', 36],
  ['police-only', 29],
];

/** Housing mostly meets people through probation referrals, and most often just after release. */
function housingLikelihood(segment: Segment, probation: boolean): number {
  switch (segment) {
    case 'on-licence':
      return 0.72;
    case 'post-sentence-supervision':
      return 0.65;
    case 'in-custody':
      return probation ? 0.5 : 0.05;
    case 'community':
      return 0.56;
    case 'police-only':
      return 0.04;
    case 'not-police':
      return 0;
  }
}

export function choosePlan(random: Random): Plan {
  const segment = random.weighted(SEGMENTS);
  if (segment === 'not-police') {
    const known = random.weighted([
      ['drugs', 85],
      ['housing', 10],
      ['both', 5],
    ] as const);
    const drugs = known !== 'housing';
    return { segment, probation: false, housing: known !== 'drugs', drugs, category: null, substances: drugs ? chooseSubstances(random) : [] };
  }
  const supervised = segment !== 'police-only';
  const category = random.weighted(supervised ? SUPERVISED_MIX : POLICE_MIX);
  const substances = random.chance(DRUG_MISUSE_LIKELIHOOD[category]) ? chooseSubstances(random) : [];
  const probation = segment === 'in-custody' ? random.chance(0.5) : supervised;
  const housing = random.chance(housingLikelihood(segment, probation));
  // The drug service meets users through tests on arrest and referrals; others only through a negative test.
  const drugs = substances.length > 0 ? random.chance(segment === 'police-only' ? 0.5 : 0.65) : TRIGGER_OFFENCES.includes(category) && random.chance(0.04);
  return { segment, probation, housing, drugs, category, substances };
}
