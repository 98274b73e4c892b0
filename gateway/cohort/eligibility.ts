/**
 * Cohort eligibility: the partnership's selection rules as data, applied to what probation and the police hold
 * about one person. Pure: rules and section objects in, the first matching rule and the facts that made it
 * match out. Each fact names the data item it comes from, so the caller can put it through the ISP.
 */
import { z } from 'zod';

export const OFFENCE_CATEGORIES = [
  'burglary',
  'robbery',
  'theft-from-person',
  'vehicle-theft',
  'shoplifting',
  'violence',
  'drugs',
  'criminal-damage',
  'domestic-abuse',
  'public-order',
  'weapons',
] as const;
export const OGRS_BANDS = ['low', 'medium', 'high', 'very-high'] as const;
export const SENTENCE_TYPES = ['community-order', 'suspended-sentence-order', 'licence', 'post-sentence-supervision'] as const;
export const ROSH_LEVELS = ['low', 'medium', 'high', 'very-high'] as const;
/** Eligibility proposes the two strands that have criteria; free-strand schemes take their own referrals. */
export const ELIGIBILITY_STRANDS = ['fixed', 'flex'] as const;

/** A non-empty list without repeats: a repeated value is a slip the author should hear about. */
const choiceOf = <const Values extends readonly [string, ...string[]]>(values: Values) =>
  z
    .array(z.enum(values))
    .min(1, 'must list at least one value')
    .refine((list) => new Set(list).size === list.length, 'lists a value twice');

export const eligibilityConditionsSchema = z
  .strictObject({
    /** The index offence of the sentence probation supervises. */
    indexOffenceCategories: choiceOf(OFFENCE_CATEGORIES).optional(),
    ogrsBands: choiceOf(OGRS_BANDS).optional(),
    /** The sentence or order under supervision. */
    sentenceTypes: choiceOf(SENTENCE_TYPES).optional(),
    /** OASys Risk of Serious Harm, overall level. */
    riskOfSeriousHarm: choiceOf(ROSH_LEVELS).optional(),
    /** Managed by the police as a prolific and priority offender. */
    prolificPriorityOffender: z.literal(true).optional(),
    /** At least this many arrests (of these categories, if given) in the months before the assessment date. */
    arrests: z
      .strictObject({
        atLeast: z.int().min(1).max(1_000),
        withinMonths: z.int().min(1).max(120),
        categories: choiceOf(OFFENCE_CATEGORIES).optional(),
      })
      .optional(),
  })
  .refine((conditions) => Object.values(conditions).some((value) => value !== undefined), {
    message: 'a rule needs at least one condition',
    // After a misspelt condition name, "no conditions" would only repeat that fault.
    when: (payload) => payload.issues.length === 0,
  });

export const eligibilityRuleSchema = z.strictObject({
  id: z.string().regex(/^[A-Z][A-Z0-9-]{1,39}$/, 'an id is 2-40 capital letters, digits and hyphens, e.g. FIXED-NC-HIGH'),
  strand: z.enum(ELIGIBILITY_STRANDS),
  description: z.string().trim().min(10, 'must say what the rule is for').max(300),
  conditions: eligibilityConditionsSchema,
});

export type EligibilityConditions = z.infer<typeof eligibilityConditionsSchema>;
export type EligibilityRule = z.infer<typeof eligibilityRuleSchema>;

/** The data items eligibility facts come from: what an ISP decision is asked about before a fact is used. */
export type EvidenceItem = 'probation.sentence' | 'probation.ogrs' | 'probation.riskOfSeriousHarm' | 'police.ppoStatus' | 'police.arrests';

// The section objects as the unified schema shapes them (SDL enum values), read into the rules' vocabulary.
const kebab = <const Values extends readonly [string, ...string[]]>(values: Values) =>
  z.string().transform((value, context) => {
    const lower = value.toLowerCase().replaceAll('_', '-');
    if ((values as readonly string[]).includes(lower)) return lower as Values[number];
    context.addIssue({ code: 'custom', message: `unknown value ${value}` });
    return z.NEVER;
  });

const probationEvidenceSchema = z.object({
  sentence: z
    .object({
      type: kebab(SENTENCE_TYPES),
      indexOffence: z.object({ description: z.string(), category: kebab(OFFENCE_CATEGORIES) }),
    })
    .nullable(),
  ogrs: z.object({ score: z.number(), band: kebab(OGRS_BANDS) }),
  riskOfSeriousHarm: kebab(ROSH_LEVELS),
});

const policeEvidenceSchema = z.object({
  arrests: z.array(z.object({ arrestedOn: z.iso.date(), offenceCategory: kebab(OFFENCE_CATEGORIES) })),
  prolificPriorityOffender: z.boolean(),
});

export type ProbationEvidence = z.infer<typeof probationEvidenceSchema>;
export type PoliceEvidence = z.infer<typeof policeEvidenceSchema>;

/** What the rules look at about one person; null where the agency does not know them. */
export interface Evidence {
  probation: ProbationEvidence | null;
  police: PoliceEvidence | null;
}

/** Reads a person's probation and police sections (as the adapters give them; null or absent if unknown). */
export function readEvidence(sections: { probation?: unknown; police?: unknown }): Evidence {
  return {
    probation: sections.probation == null ? null : probationEvidenceSchema.parse(sections.probation),
    police: sections.police == null ? null : policeEvidenceSchema.parse(sections.police),
  };
}

export interface EligibilityFact {
  dataItem: EvidenceItem;
  /** The fact in words, e.g. "OGRS 82 (high)". */
  reason: string;
}

export interface EligibilityMatch {
  rule: EligibilityRule;
  facts: EligibilityFact[];
}

export interface AssessmentOptions {
  /** The day arrest windows end on, YYYY-MM-DD. */
  asOf: string;
  /** Whether a data item may be used for this person (the ISP); a rule needing one that may not is skipped. */
  usable?: (dataItem: EvidenceItem) => boolean;
}

const SENTENCE_WORDS: Record<(typeof SENTENCE_TYPES)[number], string> = {
  'community-order': 'On a community order',
  'suspended-sentence-order': 'On a suspended sentence order',
  licence: 'On licence',
  'post-sentence-supervision': 'On post-sentence supervision',
};

const words = (value: string) => value.replaceAll('-', ' ');

/** `asOf` less `months` calendar months, the day clamped to the month's end (31 March less one month: 28 or 29 February). */
export function monthsBefore(asOf: string, months: number): string {
  const [year, month, day] = asOf.split('-').map(Number) as [number, number, number];
  const index = year * 12 + (month - 1) - months;
  const targetYear = Math.floor(index / 12);
  const targetMonth = index - targetYear * 12;
  const lastDay = new Date(Date.UTC(targetYear, targetMonth + 1, 0)).getUTCDate();
  return new Date(Date.UTC(targetYear, targetMonth, Math.min(day, lastDay))).toISOString().slice(0, 10);
}

/** Which data items a rule's conditions read. */
export function dataItemsOf(rule: EligibilityRule): EvidenceItem[] {
  const c = rule.conditions;
  const items: EvidenceItem[] = [];
  if (c.indexOffenceCategories || c.sentenceTypes) items.push('probation.sentence');
  if (c.ogrsBands) items.push('probation.ogrs');
  if (c.riskOfSeriousHarm) items.push('probation.riskOfSeriousHarm');
  if (c.prolificPriorityOffender) items.push('police.ppoStatus');
  if (c.arrests) items.push('police.arrests');
  return items;
}

const readsPolice = (rule: EligibilityRule) => dataItemsOf(rule).some((item) => item.startsWith('police.'));

/** The probation conditions of a rule, or null when they fail: the facts they contribute (offence, sentence, OGRS, RoSH). */
function probationFacts(conditions: EligibilityConditions, probation: ProbationEvidence | null): EligibilityFact[] | null {
  const facts: EligibilityFact[] = [];
  const { indexOffenceCategories, sentenceTypes, ogrsBands, riskOfSeriousHarm } = conditions;
  if (indexOffenceCategories || sentenceTypes) {
    const sentence = probation?.sentence;
    if (!sentence) return null;
    if (indexOffenceCategories) {
      if (!indexOffenceCategories.includes(sentence.indexOffence.category)) return null;
      facts.push({ dataItem: 'probation.sentence', reason: `Index offence ${words(sentence.indexOffence.category)}: ${sentence.indexOffence.description}` });
    }
    if (sentenceTypes) {
      if (!sentenceTypes.includes(sentence.type)) return null;
      facts.push({ dataItem: 'probation.sentence', reason: SENTENCE_WORDS[sentence.type] });
    }
  }
  if (ogrsBands) {
    if (!probation || !ogrsBands.includes(probation.ogrs.band)) return null;
    facts.push({ dataItem: 'probation.ogrs', reason: `OGRS ${probation.ogrs.score} (${words(probation.ogrs.band)})` });
  }
  if (riskOfSeriousHarm) {
    if (!probation || !riskOfSeriousHarm.includes(probation.riskOfSeriousHarm)) return null;
    facts.push({ dataItem: 'probation.riskOfSeriousHarm', reason: `Risk of serious harm ${words(probation.riskOfSeriousHarm)}` });
  }
  return facts;
}

function policeFacts(conditions: EligibilityConditions, police: PoliceEvidence | null, asOf: string): EligibilityFact[] | null {
  const facts: EligibilityFact[] = [];
  if (conditions.prolificPriorityOffender) {
    if (!police?.prolificPriorityOffender) return null;
    facts.push({ dataItem: 'police.ppoStatus', reason: 'Managed by the police as a prolific and priority offender' });
  }
  if (conditions.arrests) {
    const { atLeast, withinMonths, categories } = conditions.arrests;
    if (!police) return null;
    const from = monthsBefore(asOf, withinMonths);
    const counted = police.arrests.filter(
      (arrest) => arrest.arrestedOn > from && arrest.arrestedOn <= asOf && (!categories || categories.includes(arrest.offenceCategory)),
    ).length;
    if (counted < atLeast) return null;
    const kinds = categories ? `${categories.map(words).join(' or ')} ` : '';
    facts.push({ dataItem: 'police.arrests', reason: `${counted} ${kinds}arrests in the ${withinMonths} months to ${asOf}` });
  }
  return facts;
}

/** The rule's facts for this person, or null if the rule does not match. */
export function matchRule(rule: EligibilityRule, evidence: Evidence, asOf: string): EligibilityFact[] | null {
  const fromProbation = probationFacts(rule.conditions, evidence.probation);
  if (!fromProbation) return null;
  const fromPolice = policeFacts(rule.conditions, evidence.police, asOf);
  return fromPolice && [...fromProbation, ...fromPolice];
}

/** The first rule, in the order given, that matches on facts the caller may use. */
export function firstMatchingRule(rules: readonly EligibilityRule[], evidence: Evidence, options: AssessmentOptions): EligibilityMatch | null {
  const usable = options.usable ?? (() => true);
  for (const rule of rules) {
    if (!dataItemsOf(rule).every(usable)) continue;
    const facts = matchRule(rule, evidence, options.asOf);
    if (facts) return { rule, facts };
  }
  return null;
}

/**
 * Whether the police record could change the answer: some rule reading it has its probation conditions met.
 * Lets a caller fetch police records only for the people where they matter.
 */
export function needsPolice(rules: readonly EligibilityRule[], probation: ProbationEvidence | null): boolean {
  return rules.some((rule) => readsPolice(rule) && probationFacts(rule.conditions, probation) !== null);
}
