/**
 * The IOM cohort under the 2020 Neighbourhood Crime strategy: fixed (neighbourhood-crime offenders at high
 * risk of reoffending, on a community order or licence), flex (local professional judgement, with a reason)
 * and free (other local schemes). About 15% of the population is selected, each person by chance; a fifth of those who
 * meet the fixed criteria are deliberately left out, so eligibility checks have someone to find.
 */

import type { Context } from './context.js';
import { isoDate, toDay } from './dates.js';
import { ACQUISITIVE_OFFENCES, CATEGORY_LABEL } from './offences.js';
import { assignStaff } from './staff.js';
import { type CohortFacts, NEIGHBOURHOOD_CRIME, type ProbationFacts, type SyntheticPerson } from './types.js';

/** OGRS bands as the partnership reads them: 0–49 low, 50–74 medium, 75–89 high, 90+ very high. */
function ogrsBand(score: number): 'low' | 'medium' | 'high' | 'very high' {
  return score >= 90 ? 'very high' : score >= 75 ? 'high' : score >= 50 ? 'medium' : 'low';
}

/**
 * The fixed cohort's criteria: a neighbourhood-crime index offence with OGRS high or very high (burglary and
 * robbery from medium), on a community order or licence.
 */
export function meetsFixedCriteria(person: SyntheticPerson): boolean {
  const sentence = person.probation?.sentence;
  if (!person.probation || !sentence) return false;
  if (sentence.type !== 'community-order' && sentence.type !== 'licence') return false;
  const category = sentence.indexOffenceCategory;
  if (!NEIGHBOURHOOD_CRIME.includes(category)) return false;
  const score = person.probation.ogrsScore;
  return score >= 75 || ((category === 'burglary' || category === 'robbery') && score >= 50);
}

type Supervised = SyntheticPerson & { probation: ProbationFacts & { sentence: NonNullable<ProbationFacts['sentence']> } };

const isSupervised = (person: SyntheticPerson): person is Supervised => person.probation?.sentence != null;

const FLEX_CONCERNS = [
  'released without settled accommodation',
  'associates with a known burglary group',
  'relapsed into crack use',
  'offending accelerating over the last six months',
];

function fixedReason(person: Supervised): string {
  const { sentence, ogrsScore } = person.probation;
  const on = sentence.type === 'licence' ? 'on licence' : 'on a community order';
  return `Neighbourhood crime: ${CATEGORY_LABEL[sentence.indexOffenceCategory]} index offence, OGRS ${ogrsScore} (${ogrsBand(ogrsScore)}), ${on}`;
}

function flexReason(context: Context, person: Supervised): string {
  const { sentence, ogrsScore } = person.probation;
  const arrests = person.police?.arrests.length ?? 0;
  if (sentence.indexOffenceCategory === 'shoplifting' && arrests >= 6) {
    return `Local judgement: shoplifting, ${arrests} arrests, escalating and likely to move into neighbourhood crime`;
  }
  if (ogrsScore >= 75) {
    return `Local judgement: ${CATEGORY_LABEL[sentence.indexOffenceCategory]} with OGRS ${ogrsScore} (${ogrsBand(ogrsScore)}) under ${sentence.type.replace(/-/g, ' ')}`;
  }
  return `Local judgement: OGRS ${ogrsScore} (${ogrsBand(ogrsScore)}) but judged at greater risk: ${context.random.pick(FLEX_CONCERNS)}`;
}

function freeScheme(context: Context, person: Supervised): string {
  switch (person.probation.sentence.indexOffenceCategory) {
    case 'domestic-abuse':
      return context.random.chance(0.3) ? 'WISDOM' : 'domestic abuse';
    case 'drugs':
      return 'organised crime';
    default:
      return 'serious violence';
  }
}

function chooseServiceLevel(context: Context, person: Supervised): CohortFacts['serviceLevel'] {
  const intense = person.probation.ogrsScore >= 90 || person.probation.riskOfSeriousHarm === 'very-high';
  return context.random.weighted<CohortFacts['serviceLevel']>(
    intense
      ? [
          ['high', 45],
          ['medium', 40],
          ['low', 15],
        ]
      : [
          ['high', 14],
          ['medium', 34],
          ['low', 52],
        ],
  );
}

function select(
  context: Context,
  person: Supervised,
  strand: CohortFacts['strand'],
  scheme: string | null,
  reason: string,
  level?: CohortFacts['serviceLevel'],
): void {
  const { random, today } = context;
  const start = toDay(person.probation.sentence.startDate);
  const selectedOn = isoDate(random.int(Math.min(Math.max(start, today - 720), today - 1), today - 1));
  const serviceLevel = level ?? chooseServiceLevel(context, person);
  person.cohort = { strand, scheme, serviceLevel, selectedOn, reason };
  const registrations = [...person.probation.registrations, { type: 'iom' as const, startDate: selectedOn, note: strand }];
  if (person.police) {
    person.police.offenderManager = assignStaff(context, 'police');
    // The most prolific at the top of the pyramid are also the partnership's PPOs.
    if (strand === 'fixed' && serviceLevel === 'high' && person.probation.ogrsScore >= 85) {
      person.police.prolificPriorityOffender = true;
      registrations.push({ type: 'ppo', startDate: selectedOn, note: 'Prolific and other priority offender' });
    }
  }
  person.probation.registrations = registrations.sort((a, b) => a.startDate.localeCompare(b.startDate));
}

/**
 * Shares of each pool selected, per person and by chance, so the cohort is decided without reading anyone else: about
 * 15% of the population in all, four in five of those who meet the fixed criteria, and the rest from local judgement
 * (flex) and local schemes (free) in the proportions the partnership's first whole-population selection had.
 */
const SELECTED = { fixed: 0.8, flex: 0.24, free: 0.225 } as const;

const FREE_SCHEME_OFFENCES: readonly string[] = ['violence', 'domestic-abuse', 'weapons', 'drugs', 'robbery'];

/**
 * Decides the person's cohort membership in place. `always`: a wrinkle that must be a member whatever the dice say;
 * `fixed-high` (the README's example) is selected to the fixed strand at a high service level, `member` to the strand
 * they qualify for (flex, by local judgement, where they meet no criteria).
 */
export function chooseCohort(context: Context, person: SyntheticPerson, always?: 'fixed-high' | 'member'): void {
  const { random } = context;
  if (!isSupervised(person)) return;
  if (meetsFixedCriteria(person)) {
    // Those who meet the fixed criteria but are not selected stay out of the cohort altogether.
    if (always !== undefined || random.chance(SELECTED.fixed)) {
      select(context, person, 'fixed', null, fixedReason(person), always === 'fixed-high' ? 'high' : undefined);
    }
    return;
  }
  if (always !== undefined) {
    select(context, person, 'flex', null, flexReason(context, person));
    return;
  }
  const { indexOffenceCategory } = person.probation.sentence;
  if (ACQUISITIVE_OFFENCES.includes(indexOffenceCategory) && person.probation.ogrsScore >= 35 && random.chance(SELECTED.flex)) {
    select(context, person, 'flex', null, flexReason(context, person));
    return;
  }
  if (FREE_SCHEME_OFFENCES.includes(indexOffenceCategory) && person.probation.riskOfSeriousHarm !== 'low' && random.chance(SELECTED.free)) {
    const scheme = freeScheme(context, person);
    const reason = `Selected under the local ${scheme} scheme: ${CATEGORY_LABEL[indexOffenceCategory]} index offence, risk of serious harm ${person.probation.riskOfSeriousHarm}`;
    select(context, person, 'free', scheme, reason);
  }
}
