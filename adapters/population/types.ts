/**
 * The synthetic population every simulator serves: one set of people, each agency seeing its own part.
 * Entirely invented; generated deterministically from a seed (same seed, same people).
 * Dates are ISO strings (YYYY-MM-DD) relative to the population's reference date.
 */

export type AgencyName = 'police' | 'probation' | 'prison' | 'housing' | 'drugs';

export type OffenceCategory =
  | 'burglary'
  | 'robbery'
  | 'theft-from-person'
  | 'vehicle-theft'
  | 'shoplifting'
  | 'violence'
  | 'drugs'
  | 'criminal-damage'
  | 'domestic-abuse'
  | 'public-order'
  | 'weapons';

/** Neighbourhood-crime categories of the 2020 IOM strategy's fixed cohort. */
export const NEIGHBOURHOOD_CRIME: readonly OffenceCategory[] = ['burglary', 'robbery', 'theft-from-person', 'vehicle-theft'];

export interface StaffMember {
  name: string;
  team: string;
  phone: string;
  email: string;
}

export interface Arrest {
  id: string;
  date: string;
  offence: string;
  category: OffenceCategory;
  /** What the arrest led to. */
  outcome: 'charged' | 'released-under-investigation' | 'no-further-action' | 'cautioned';
}

export interface Charge {
  id: string;
  arrestId: string;
  date: string;
  offence: string;
  category: OffenceCategory;
  status: 'awaiting-trial' | 'convicted' | 'acquitted' | 'discontinued';
}

export interface CourtOutcome {
  id: string;
  chargeId: string;
  date: string;
  court: string;
  offence: string;
  category: OffenceCategory;
  verdict: 'guilty' | 'not-guilty';
  /** e.g. "Community order 12 months", "Imprisonment 18 months". */
  disposal: string;
}

export type WarningMarkerType = 'violence' | 'weapons' | 'drugs' | 'mental-health' | 'self-harm' | 'escaper' | 'contagion';

export interface PoliceFacts {
  arrests: Arrest[];
  charges: Charge[];
  courtOutcomes: CourtOutcome[];
  warningMarkers: { type: WarningMarkerType; addedOn: string }[];
  wanted: { since: string; offence: string } | null;
  missing: { since: string } | null;
  prolificPriorityOffender: boolean;
  offenderManager: StaffMember | null;
}

export type SentenceType = 'community-order' | 'suspended-sentence-order' | 'licence' | 'post-sentence-supervision';

export type RequirementType =
  | 'drug-rehabilitation'
  | 'alcohol-treatment'
  | 'unpaid-work'
  | 'curfew'
  | 'accredited-programme'
  | 'rehabilitation-activity'
  | 'mental-health-treatment';

export type RiskLevel = 'low' | 'medium' | 'high' | 'very-high';

export type NeedArea =
  | 'accommodation'
  | 'education-training-employment'
  | 'finance'
  | 'relationships'
  | 'lifestyle'
  | 'drug-misuse'
  | 'alcohol-misuse'
  | 'thinking-behaviour'
  | 'attitudes'
  | 'emotional-wellbeing';

export interface ProbationFacts {
  sentence: {
    type: SentenceType;
    description: string;
    startDate: string;
    endDate: string;
    indexOffence: string;
    indexOffenceCategory: OffenceCategory;
  } | null;
  requirements: { type: RequirementType; startDate: string; status: 'active' | 'completed' | 'terminated' }[];
  compliance: { status: 'compliant' | 'failure-to-comply' | 'in-breach'; breachCount: number; lastBreachDate: string | null };
  responsibleOfficer: StaffMember;
  /** OGRS 2-year reoffending probability, 0–99. */
  ogrsScore: number;
  ogrsAssessedOn: string;
  riskOfSeriousHarm: RiskLevel;
  criminogenicNeeds: { area: NeedArea; severity: 'some' | 'significant' }[];
  mappa: { category: 1 | 2 | 3; level: 1 | 2 | 3 } | null;
  /** nDelius registrations, e.g. IOM cohort membership and the strand. */
  registrations: { type: 'iom' | 'ppo' | 'mappa' | 'domestic-abuse-perpetrator' | 'child-concerns'; startDate: string; note: string }[];
}

export interface PrisonFacts {
  inCustody: boolean;
  establishment: { code: string; name: string } | null;
  receptionDate: string | null;
  conditionalReleaseDate: string | null;
  licenceExpiryDate: string | null;
  sentenceExpiryDate: string | null;
  actualReleaseDate: string | null;
  licenceConditions: { code: string; description: string }[];
  prisonOffenderManager: StaffMember | null;
}

export type AccommodationStatus = 'settled' | 'temporary' | 'supported' | 'rough-sleeping' | 'no-fixed-abode';

export interface HousingFacts {
  reference: string;
  accommodationStatus: AccommodationStatus;
  statusSince: string;
  address: { line1: string; town: string; postcode: string } | null;
  supportReferrals: { service: string; referredOn: string; status: 'open' | 'accepted' | 'declined' | 'closed' }[];
  staffSafetyFlags: { type: 'violence-to-staff' | 'threatening-behaviour' | 'dog-on-premises' | 'weapons'; addedOn: string; note: string }[];
  housingOfficer: StaffMember;
}

export type Substance = 'opiates' | 'cocaine' | 'crack' | 'cannabis' | 'alcohol' | 'benzodiazepines';

export interface DrugsFacts {
  reference: string;
  testsOnArrest: { testedOn: string; result: 'positive' | 'negative'; substances: Substance[] }[];
  requiredAssessment: { required: boolean; attended: boolean | null; date: string | null };
  treatment: {
    engaged: boolean;
    since: string | null;
    modality: 'opioid-substitution' | 'psychosocial' | 'detox' | 'residential' | null;
    keyworker: StaffMember | null;
  };
  /** Treatment Outcomes Profile reviews: days used in the last 28. */
  outcomeReviews: { date: string; opiateDays: number; crackDays: number; alcoholDays: number; injecting: boolean }[];
  consent: { recorded: boolean; recordedOn: string | null; scope: 'iom-partners' | 'probation-only' | null };
}

export interface CohortFacts {
  strand: 'fixed' | 'flex' | 'free';
  /** For the free strand: the local scheme, e.g. "serious violence", "WISDOM". */
  scheme: string | null;
  serviceLevel: 'high' | 'medium' | 'low';
  selectedOn: string;
  reason: string;
}

export interface SyntheticPerson {
  /** Position in the population; stable for a given seed. */
  index: number;
  givenName: string;
  familyName: string;
  dateOfBirth: string;
  sex: 'male' | 'female';
  /** Partnership identifiers; absent where the person has none. */
  identifiers: { pnc: string | null; cro: string | null; nomsNumber: string | null; crn: string | null };
  /** Facts per agency; null where the agency does not know the person. */
  police: PoliceFacts | null;
  probation: ProbationFacts | null;
  prison: PrisonFacts | null;
  housing: HousingFacts | null;
  drugs: DrugsFacts | null;
  /** How an agency spells the name, where it differs (a deliberate wrinkle). */
  spellings: Partial<Record<AgencyName, { givenName: string; familyName: string }>>;
  /** Identifiers an agency does not hold although the person has them (a deliberate wrinkle). */
  missingAt: Partial<Record<AgencyName, ('pnc' | 'cro' | 'nomsNumber' | 'crn')[]>>;
  /** Identifiers an agency recorded wrongly (a deliberate wrinkle): in that agency's view they replace the person's. */
  conflicting?: Partial<Record<AgencyName, Partial<Record<'pnc' | 'cro' | 'nomsNumber' | 'crn', string>>>>;
  /** Meets the IOM cohort criteria and is selected (until the cohort register exists). */
  cohort: CohortFacts | null;
}

/** The identifiers the population mints from a person's index, each readable back to it (mint.ts). */
export type MintedKind = 'pnc' | 'cro' | 'crn' | 'nomsNumber' | 'housingReference' | 'drugsReference';

/**
 * The population, person by person: `person(index)` is computed from the seed and the index alone, so a million people
 * can be served, streamed or looked up without holding them.
 */
export interface Population extends Iterable<SyntheticPerson> {
  seed: number;
  /** The day the population describes; all dates are relative to it. */
  referenceDate: string;
  size: number;
  /** The person at a position from 0 to size − 1; the same index always gives an equal person. */
  person(index: number): SyntheticPerson;
  /** The position of the person an identifier was minted for, or undefined where no one in the population could hold it. Check the person's own. */
  indexOf(kind: MintedKind, value: string): number | undefined;
  /** Everyone at once, built on first use and kept: for tests and small populations (refused above MATERIALISED_AT_MOST). */
  readonly people: readonly SyntheticPerson[];
}

/** The largest population `people` builds in memory; streaming code uses `person` and iteration instead. */
export const MATERIALISED_AT_MOST = 100_000;

/**
 * The partnership identifiers each agency's system records at all. Police, probation and prison take them
 * from their own systems; housing and the drug service record what they were given, which `missingAt` narrows.
 */
export const IDENTIFIERS_RECORDED: Readonly<Record<AgencyName, readonly ('pnc' | 'cro' | 'nomsNumber' | 'crn')[]>> = {
  police: ['pnc', 'cro'],
  probation: ['pnc', 'cro', 'nomsNumber', 'crn'],
  prison: ['pnc', 'cro', 'nomsNumber'],
  housing: ['pnc', 'cro', 'nomsNumber', 'crn'],
  drugs: ['pnc', 'cro', 'nomsNumber', 'crn'],
};

const isBuiltIn = (agency: string): agency is AgencyName => Object.hasOwn(IDENTIFIERS_RECORDED, agency);

/**
 * The name and identifiers an agency records for a person, with the wrinkles applied. `recorded`: the identifiers
 * the agency's system records at all (known here for the agencies the shared generator writes).
 */
export function asSeenBy(
  person: SyntheticPerson,
  agency: string,
  recorded: readonly ('pnc' | 'cro' | 'nomsNumber' | 'crn')[] = isBuiltIn(agency) ? IDENTIFIERS_RECORDED[agency] : [],
) {
  const own = isBuiltIn(agency) ? agency : undefined;
  const name = (own && person.spellings[own]) ?? { givenName: person.givenName, familyName: person.familyName };
  const missing = new Set((own && person.missingAt[own]) ?? []);
  const keep = (kind: 'pnc' | 'cro' | 'nomsNumber' | 'crn') =>
    missing.has(kind) || !recorded.includes(kind) ? null : ((own && person.conflicting?.[own]?.[kind]) ?? person.identifiers[kind]);
  return {
    givenName: name.givenName,
    familyName: name.familyName,
    dateOfBirth: person.dateOfBirth,
    pnc: keep('pnc'),
    cro: keep('cro'),
    nomsNumber: keep('nomsNumber'),
    crn: keep('crn'),
  };
}
