/**
 * The drug service's record (the Drug Interventions Programme and community treatment). Tests on arrest
 * happen only on arrest for a trigger offence, on the day of that arrest; a positive test requires an
 * assessment; consent to share is recorded for most, not all, of those in treatment.
 */

import type { Context } from './context.js';
import { isoDate, toDay } from './dates.js';
import { TRIGGER_OFFENCES } from './offences.js';
import type { Plan } from './plan.js';
import { assignStaff } from './staff.js';
import type { Arrest, DrugsFacts, Substance } from './types.js';

/** How far back the service's test records go. */
const TEST_HISTORY_DAYS = 10 * 365;

function testOnArrest(context: Context, arrest: Arrest, substances: readonly Substance[]): DrugsFacts['testsOnArrest'][number] {
  // The test looks for opiates and cocaine (crack shows as cocaine).
  const found: Substance[] = [];
  if (substances.includes('opiates')) found.push('opiates');
  if (substances.includes('cocaine') || substances.includes('crack')) found.push('cocaine');
  const positive = found.length > 0 && context.random.chance(0.9);
  return { testedOn: arrest.date, result: positive ? 'positive' : 'negative', substances: positive ? found : [] };
}

/** Residential rehabilitation only for people housing does not know: a resident's home is the service. */
function modality(context: Context, substances: readonly Substance[], residential: boolean): NonNullable<DrugsFacts['treatment']['modality']> {
  const treatment = substances.includes('opiates')
    ? context.random.weighted([
        ['opioid-substitution', 70],
        ['detox', 15],
        ['psychosocial', 10],
        ['residential', 5],
      ] as const)
    : context.random.weighted([
        ['psychosocial', 80],
        ['detox', 10],
        ['residential', 10],
      ] as const);
  return treatment === 'residential' && !residential ? 'psychosocial' : treatment;
}

/** Treatment Outcomes Profile reviews: at the start of treatment, then about every three months, use falling as treatment goes on. */
function outcomeReviews(context: Context, since: number, substances: readonly Substance[]): DrugsFacts['outcomeReviews'] {
  const { random, today } = context;
  const reviews: DrugsFacts['outcomeReviews'] = [];
  const start = {
    opiate: substances.includes('opiates') ? random.int(12, 28) : 0,
    crack: substances.includes('crack') || substances.includes('cocaine') ? random.int(6, 24) : 0,
    alcohol: substances.includes('alcohol') ? random.int(8, 28) : 0,
  };
  let injecting = substances.includes('opiates') && random.chance(0.3);
  for (let day = since, n = 0; day <= today; day += random.int(70, 100), n++) {
    const easing = Math.max(0.2, 1 - (n * random.int(5, 20)) / 100);
    const days = (from: number) => Math.min(28, Math.round(from * easing));
    reviews.push({ date: isoDate(day), opiateDays: days(start.opiate), crackDays: days(start.crack), alcoholDays: days(start.alcohol), injecting });
    if (injecting && random.chance(0.3)) injecting = false;
  }
  return reviews.slice(-6);
}

/**
 * The drug service's facts, and whether it holds the PNC ID (taken from a test on arrest); null if it never
 * met the person. `inCommunitySince` is the release day for someone out of prison, null for someone in custody
 * (community treatment waits for release), undefined for everyone else.
 */
export function buildDrugsFacts(
  context: Context,
  plan: Plan,
  arrests: readonly Arrest[],
  inCommunitySince: number | null | undefined,
): { facts: DrugsFacts; holdsPnc: boolean } | null {
  const { random, today, mint } = context;
  const triggers = arrests.filter((a) => TRIGGER_OFFENCES.includes(a.category) && today - toDay(a.date) <= TEST_HISTORY_DAYS);
  // The latest trigger arrest is always tested; earlier ones often were.
  const tested = triggers.filter((_, n) => n === triggers.length - 1 || random.chance(0.5));
  const testsOnArrest = tested.map((arrest) => testOnArrest(context, arrest, plan.substances));
  // Without a test on arrest, the service meets an offender only through a referral to treatment.
  if (testsOnArrest.length === 0 && (plan.substances.length === 0 || (plan.segment !== 'not-police' && !plan.inTreatment && !random.chance(0.3)))) {
    return null;
  }

  const lastPositive = testsOnArrest.filter((t) => t.result === 'positive').at(-1);
  let requiredAssessment: DrugsFacts['requiredAssessment'] = { required: false, attended: null, date: null };
  if (lastPositive) {
    const day = toDay(lastPositive.testedOn) + random.int(1, 10);
    requiredAssessment = { required: true, attended: day > today ? null : random.chance(0.75), date: isoDate(day) };
  }

  const engaged = plan.inTreatment ?? (inCommunitySince !== null && plan.substances.length > 0 && random.chance(plan.segment === 'not-police' ? 0.95 : 0.6));
  const earliest = Math.max(inCommunitySince ?? today - 720, today - 720);
  const since = random.int(Math.min(earliest, today - 1), today - 1);
  const treatment: DrugsFacts['treatment'] = engaged
    ? { engaged, since: isoDate(since), modality: modality(context, plan.substances, !plan.housing), keyworker: assignStaff(context, 'drugs') }
    : { engaged, since: null, modality: null, keyworker: null };

  const consented = engaged ? (plan.inTreatment ?? random.chance(0.85)) : lastPositive !== undefined && random.chance(0.25);
  const consent: DrugsFacts['consent'] = consented
    ? {
        recorded: true,
        recordedOn: engaged ? isoDate(since) : (lastPositive?.testedOn ?? null),
        scope: plan.inTreatment || random.chance(0.8) ? 'iom-partners' : 'probation-only',
      }
    : { recorded: false, recordedOn: null, scope: null };

  return {
    facts: {
      reference: mint.drugsReference(),
      testsOnArrest,
      requiredAssessment,
      treatment,
      outcomeReviews: engaged ? outcomeReviews(context, since, plan.substances) : [],
      consent,
    },
    holdsPnc: testsOnArrest.length > 0 && random.chance(0.93),
  };
}
