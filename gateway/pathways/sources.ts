/**
 * Where pathway entries come from: each agency data item that speaks to one of the seven reducing-reoffending
 * pathways, and how its part of the agency's section becomes needs and interventions. One source is one data
 * item, so an entry can be shown exactly when the ISP shares its item.
 */
import { z } from 'zod';

export const PATHWAYS = [
  'ACCOMMODATION',
  'EDUCATION_TRAINING_EMPLOYMENT',
  'HEALTH',
  'DRUGS_ALCOHOL',
  'FINANCE_BENEFIT_DEBT',
  'CHILDREN_FAMILIES',
  'ATTITUDES_THINKING_BEHAVIOUR',
] as const;
export type Pathway = (typeof PATHWAYS)[number];

export type PathwayEntryKind = 'NEED' | 'INTERVENTION';

export interface PathwayEntry {
  pathway: Pathway;
  kind: PathwayEntryKind;
  agency: string;
  dataItem: string;
  description: string;
  status: string | null;
  /** ISO date. */
  since: string | null;
}

export interface PathwaySource {
  agency: string;
  dataItem: string;
  /** The entries this item's part of the agency's section gives (the section as the adapter mapped it). */
  entries(section: unknown): PathwayEntry[];
}

type Finding = Omit<PathwayEntry, 'agency' | 'dataItem'>;

/** Each source reads only its own fields of the section, checked as it reads them. */
function source<Part>(agency: string, dataItem: string, part: z.ZodType<Part>, read: (part: Part) => Finding[]): PathwaySource {
  return {
    agency,
    dataItem,
    entries(section) {
      const parsed = part.safeParse(section);
      if (!parsed.success)
        throw new Error(`The ${agency} section does not have the shape ${dataItem} pathway entries are read from: ${z.prettifyError(parsed.error)}`);
      return read(parsed.data).map((finding) => ({ ...finding, agency, dataItem }));
    },
  };
}

const date = z.iso.date();
const words = (value: string) => value.toLowerCase().replaceAll('_', ' ');

const NEED_AREAS = {
  ACCOMMODATION: ['ACCOMMODATION', 'accommodation'],
  EDUCATION_TRAINING_EMPLOYMENT: ['EDUCATION_TRAINING_EMPLOYMENT', 'education, training and employability'],
  FINANCE: ['FINANCE_BENEFIT_DEBT', 'financial management and income'],
  RELATIONSHIPS: ['CHILDREN_FAMILIES', 'relationships'],
  LIFESTYLE: ['ATTITUDES_THINKING_BEHAVIOUR', 'lifestyle and associates'],
  DRUG_MISUSE: ['DRUGS_ALCOHOL', 'drug misuse'],
  ALCOHOL_MISUSE: ['DRUGS_ALCOHOL', 'alcohol misuse'],
  THINKING_BEHAVIOUR: ['ATTITUDES_THINKING_BEHAVIOUR', 'thinking and behaviour'],
  ATTITUDES: ['ATTITUDES_THINKING_BEHAVIOUR', 'attitudes'],
  EMOTIONAL_WELLBEING: ['HEALTH', 'emotional well-being'],
} as const satisfies Record<string, readonly [Pathway, string]>;

// Unpaid work and curfews punish and restrict; they support no pathway, so they are not listed.
const REQUIREMENTS = {
  DRUG_REHABILITATION: ['DRUGS_ALCOHOL', 'Drug rehabilitation requirement'],
  ALCOHOL_TREATMENT: ['DRUGS_ALCOHOL', 'Alcohol treatment requirement'],
  MENTAL_HEALTH_TREATMENT: ['HEALTH', 'Mental health treatment requirement'],
  ACCREDITED_PROGRAMME: ['ATTITUDES_THINKING_BEHAVIOUR', 'Accredited programme requirement'],
  REHABILITATION_ACTIVITY: ['ATTITUDES_THINKING_BEHAVIOUR', 'Rehabilitation activity requirement'],
  UNPAID_WORK: null,
  CURFEW: null,
} as const satisfies Record<string, readonly [Pathway, string] | null>;

const REGISTRATIONS = {
  CHILD_CONCERNS: ['CHILDREN_FAMILIES', 'Probation registration: child concerns'],
  DOMESTIC_ABUSE_PERPETRATOR: ['CHILDREN_FAMILIES', 'Probation registration: domestic abuse perpetrator'],
  IOM: null,
  PPO: null,
  MAPPA: null,
} as const satisfies Record<string, readonly [Pathway, string] | null>;

const ACCOMMODATION = {
  TEMPORARY: ['NEED', 'In temporary accommodation'],
  ROUGH_SLEEPING: ['NEED', 'Sleeping rough'],
  NO_FIXED_ABODE: ['NEED', 'No fixed abode'],
  SUPPORTED: ['INTERVENTION', 'In supported housing'],
  SETTLED: null,
} as const satisfies Record<string, readonly [PathwayEntryKind, string] | null>;

const HEALTH_MARKERS = {
  MENTAL_HEALTH: 'Police warning marker: mental health condition',
  SELF_HARM: 'Police warning marker: self-harm or risk of suicide',
} as const;

/** Licence conditions by code: drug testing and appointments, and where to live. */
const LICENCE_CONDITIONS: readonly (readonly [prefix: string, Pathway])[] = [
  ['DRG-', 'DRUGS_ALCOHOL'],
  ['RES-', 'ACCOMMODATION'],
  ['STD-4', 'ACCOMMODATION'],
];

const keysOf = <T extends Record<string, unknown>>(table: T) => Object.keys(table) as [keyof T & string, ...(keyof T & string)[]];

export const PATHWAY_SOURCES: readonly PathwaySource[] = [
  source(
    'probation',
    'probation.criminogenicNeeds',
    z.object({ criminogenicNeeds: z.array(z.object({ area: z.enum(keysOf(NEED_AREAS)), severity: z.enum(['SOME', 'SIGNIFICANT']) })) }),
    ({ criminogenicNeeds }) =>
      criminogenicNeeds.map(({ area, severity }) => {
        const [pathway, label] = NEED_AREAS[area];
        return { pathway, kind: 'NEED', description: `OASys criminogenic need: ${label}`, status: `${words(severity)} need`, since: null };
      }),
  ),
  source(
    'probation',
    'probation.requirements',
    z.object({ requirements: z.array(z.object({ type: z.enum(keysOf(REQUIREMENTS)), startDate: date, status: z.string() })) }),
    ({ requirements }) =>
      requirements.flatMap(({ type, startDate, status }) => {
        const mapped = REQUIREMENTS[type];
        return mapped ? [{ pathway: mapped[0], kind: 'INTERVENTION', description: mapped[1], status: words(status), since: startDate }] : [];
      }),
  ),
  source(
    'probation',
    'probation.registrations',
    z.object({ registrations: z.array(z.object({ type: z.enum(keysOf(REGISTRATIONS)), startDate: date })) }),
    ({ registrations }) =>
      registrations.flatMap(({ type, startDate }) => {
        const mapped = REGISTRATIONS[type];
        return mapped ? [{ pathway: mapped[0], kind: 'NEED', description: mapped[1], status: null, since: startDate }] : [];
      }),
  ),
  source(
    'housing',
    'housing.accommodationStatus',
    z.object({ accommodationStatus: z.enum(keysOf(ACCOMMODATION)), accommodationStatusSince: date }),
    ({ accommodationStatus, accommodationStatusSince }) => {
      const mapped = ACCOMMODATION[accommodationStatus];
      return mapped ? [{ pathway: 'ACCOMMODATION', kind: mapped[0], description: mapped[1], status: null, since: accommodationStatusSince }] : [];
    },
  ),
  source(
    'housing',
    'housing.supportReferrals',
    z.object({ supportReferrals: z.array(z.object({ service: z.string(), referredOn: date, status: z.string() })) }),
    ({ supportReferrals }) =>
      supportReferrals.map(({ service, referredOn, status }) => ({
        pathway: /debt|benefit|money/i.test(service) ? 'FINANCE_BENEFIT_DEBT' : 'ACCOMMODATION',
        kind: 'INTERVENTION',
        description: `Referred to ${service}`,
        status: words(status),
        since: referredOn,
      })),
  ),
  source(
    'drugs',
    'drugs.treatmentEngagement',
    z.object({ treatmentEngagement: z.object({ engaged: z.boolean(), since: date.nullable() }) }),
    ({ treatmentEngagement }) =>
      treatmentEngagement.engaged
        ? [
            {
              pathway: 'DRUGS_ALCOHOL',
              kind: 'INTERVENTION',
              description: 'Engaged in structured drug and alcohol treatment',
              status: 'engaged',
              since: treatmentEngagement.since,
            },
          ]
        : [],
  ),
  source(
    'drugs',
    'drugs.testOnArrest',
    z.object({ testsOnArrest: z.array(z.object({ testedOn: date, result: z.enum(['POSITIVE', 'NEGATIVE']), substances: z.array(z.string()) })) }),
    ({ testsOnArrest }) => {
      // The latest positive test is the current need; the drugs section itself holds the history.
      const [latest] = testsOnArrest.filter((test) => test.result === 'POSITIVE').sort((a, b) => b.testedOn.localeCompare(a.testedOn));
      return latest
        ? [
            {
              pathway: 'DRUGS_ALCOHOL',
              kind: 'NEED',
              description: `Tested positive on arrest: ${latest.substances.map(words).join(', ')}`,
              status: null,
              since: latest.testedOn,
            },
          ]
        : [];
    },
  ),
  source(
    'prison',
    'prison.licenceConditions',
    z.object({ licenceConditions: z.array(z.object({ code: z.string(), description: z.string() })) }),
    ({ licenceConditions }) =>
      licenceConditions.flatMap(({ code, description }) => {
        const pathway = LICENCE_CONDITIONS.find(([prefix]) => code.startsWith(prefix))?.[1];
        return pathway ? [{ pathway, kind: 'INTERVENTION', description: `Licence condition: ${description}`, status: null, since: null }] : [];
      }),
  ),
  source('police', 'police.warningMarkers', z.object({ warningMarkers: z.array(z.object({ type: z.string(), addedOn: date })) }), ({ warningMarkers }) =>
    warningMarkers.flatMap(({ type, addedOn }) => {
      const description = type === 'MENTAL_HEALTH' || type === 'SELF_HARM' ? HEALTH_MARKERS[type] : null;
      return description ? [{ pathway: 'HEALTH', kind: 'NEED', description, status: null, since: addedOn }] : [];
    }),
  ),
];

/** The seven pathways in their usual order; needs before interventions; the most recent first, undated last. */
export function byPathway(a: PathwayEntry, b: PathwayEntry): number {
  return (
    PATHWAYS.indexOf(a.pathway) - PATHWAYS.indexOf(b.pathway) ||
    (a.kind === b.kind ? 0 : a.kind === 'NEED' ? -1 : 1) ||
    (b.since ?? '').localeCompare(a.since ?? '') ||
    a.description.localeCompare(b.description)
  );
}
