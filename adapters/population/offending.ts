/**
 * A person's offending as the police record it (arrests, charges, court outcomes) and the current
 * sentence it led to. The sentence is chosen first and the history written around it, so the index
 * offence is always the latest conviction and a custodial sentence always has its court outcome.
 */

import type { Context } from './context.js';
import { addMonths, addYears, isoDate } from './dates.js';
import { OFFENCE_WORDING, POLICE_MIX, SUPERVISED_MIX } from './offences.js';
import type { Plan } from './plan.js';
import type { Arrest, Charge, CourtOutcome, OffenceCategory } from './types.js';

export interface Establishment {
  code: string;
  name: string;
}

const ESTABLISHMENTS: readonly (readonly [Establishment, number])[] = [
  [{ code: 'NBI', name: 'HMP Northby' }, 70],
  [{ code: 'SMI', name: 'HMP Saltmere' }, 20],
  [{ code: 'WXI', name: 'HMP Wexley Moor' }, 10],
];

const MAGISTRATES = ["Northby Magistrates' Court", "Saltmere Magistrates' Court"];
const CROWN_COURT = 'Northby Crown Court';

export interface CurrentSentence {
  kind: 'community-order' | 'suspended-sentence-order' | 'imprisonment';
  /** The order's length, a suspended sentence's operational period, or the prison term. */
  months: number;
  /** Suspended sentence orders: the prison term suspended. */
  suspendedMonths: number | null;
  category: OffenceCategory;
  offence: string;
  disposal: string;
  sentencedOn: number;
  /** Imprisonment only: the release dates (released is null while in custody). */
  custody: { establishment: Establishment; conditionalRelease: number; licenceExpiry: number; released: number | null } | null;
}

export interface Offending {
  arrests: Arrest[];
  charges: Charge[];
  courtOutcomes: CourtOutcome[];
  firstArrest: number;
  /** First conviction or caution; null when there is none. */
  firstSanction: number | null;
  /** Convictions and cautions: the history OGRS weighs. */
  sanctions: number;
  sentence: CurrentSentence | null;
}

/**
 * Picks a term whose date window is not empty, then a sentence date in that window. A random term almost
 * always fits; only the young need the list searched.
 */
function within(context: Context, terms: readonly number[], window: (months: number) => [number, number]): { months: number; day: number } {
  const { random } = context;
  const fits = (months: number) => {
    const [low, high] = window(months);
    return low <= high;
  };
  let months = random.pick(terms);
  if (!fits(months)) {
    const fitting = terms.filter(fits);
    if (fitting.length > 0) months = random.pick(fitting);
  }
  const [low, high] = window(months);
  return { months, day: random.int(Math.min(low, high), high) };
}

function chooseSentence(context: Context, plan: Plan, category: OffenceCategory, dateOfBirth: number): CurrentSentence | null {
  const { random, today } = context;
  // Nobody in the population was sentenced before turning 16.
  const earliest = addYears(dateOfBirth, 16);
  const offence = random.pick(OFFENCE_WORDING[category]);
  const imprisonment = (months: number, sentencedOn: number, released: boolean): CurrentSentence => {
    const conditionalRelease = addMonths(sentencedOn, months / 2);
    return {
      kind: 'imprisonment',
      months,
      suspendedMonths: null,
      category,
      offence,
      disposal: `Imprisonment ${months} months`,
      sentencedOn,
      custody: {
        establishment: random.weighted(ESTABLISHMENTS),
        conditionalRelease,
        licenceExpiry: addMonths(sentencedOn, months),
        released: released ? conditionalRelease : null,
      },
    };
  };
  switch (plan.segment) {
    case 'community': {
      if (random.chance(0.7)) {
        const { months, day } = within(context, [12, 12, 18, 24, 36], (m) => [Math.max(addMonths(today, -m) + 14, today - 700, earliest), today - 14]);
        return {
          kind: 'community-order',
          months,
          suspendedMonths: null,
          category,
          offence,
          disposal: `Community order ${months} months`,
          sentencedOn: day,
          custody: null,
        };
      }
      const { months, day } = within(context, [12, 18, 24], (m) => [Math.max(addMonths(today, -m) + 14, today - 700, earliest), today - 14]);
      const suspended = random.pick([3, 4, 6, 9, 12, 18]);
      const disposal = `Suspended sentence order ${suspended} months suspended for ${months} months`;
      return { kind: 'suspended-sentence-order', months, suspendedMonths: suspended, category, offence, disposal, sentencedOn: day, custody: null };
    }
    case 'in-custody': {
      // Conditional release still ahead.
      const terms = [6, 8, 10, 12, 12, 16, 18, 20, 24, 24, 30, 36, 48, 60, 72, 96];
      const { months, day } = within(context, terms, (m) => [Math.max(addMonths(today, -m / 2) + 7, earliest), today - 7]);
      return imprisonment(months, day, false);
    }
    case 'on-licence': {
      // Released at the conditional release date within the last two years; the licence still runs.
      const releasedFrom = plan.releasedFrom ?? today - 700;
      const terms = [8, 10, 12, 16, 18, 20, 24, 30, 36, 48, 60, 72];
      const { months, day } = within(context, terms, (m) => [
        Math.max(addMonths(today, -m) + 5, addMonths(releasedFrom, -m / 2) + 3, earliest),
        addMonths(today, -m / 2) - 5,
      ]);
      return imprisonment(months, day, true);
    }
    case 'post-sentence-supervision': {
      // Under two years: the licence has ended, the twelve months' supervision after release has not.
      const terms = [4, 6, 8, 10, 12, 16, 18, 20, 22];
      const { months, day } = within(context, terms, (m) => [Math.max(addMonths(today, -(m / 2 + 12)) + 5, earliest), addMonths(today, -m) - 5]);
      return imprisonment(months, day, true);
    }
    case 'police-only':
    case 'not-police':
      return null;
  }
}

interface OffenceEvent {
  arrestedOn: number;
  category: OffenceCategory;
  offence: string;
  outcome: Arrest['outcome'];
  charge: { on: number; status: Charge['status'] } | null;
  court: { on: number; court: string; verdict: CourtOutcome['verdict']; disposal: string } | null;
}

type PriorDisposals = 'police-only' | 'supervised' | 'custodial';

function priorDisposal(context: Context, allowed: PriorDisposals): string {
  const { random } = context;
  const kind = random.weighted([
    ['fine', allowed === 'police-only' ? 55 : 25],
    ['discharge', allowed === 'police-only' ? 45 : 18],
    ['community', allowed === 'police-only' ? 0 : 37],
    ['suspended', allowed === 'police-only' ? 0 : 10],
    ['prison', allowed === 'custodial' ? 15 : 0],
  ] as const);
  switch (kind) {
    case 'fine':
      return `Fine £${random.int(4, 60) * 10}`;
    case 'discharge':
      return `Conditional discharge ${random.pick([6, 12, 24])} months`;
    case 'community':
      return `Community order ${random.pick([12, 18, 24])} months`;
    case 'suspended':
      return `Suspended sentence order ${random.pick([3, 4, 6])} months suspended for ${random.pick([12, 18, 24])} months`;
    case 'prison':
      return `Imprisonment ${random.pick([2, 4, 6, 8, 12])} months`;
  }
}

/** An arrest before the current sentence, or the whole history of someone never supervised. */
function priorEvent(context: Context, arrestedOn: number, category: OffenceCategory, allowed: PriorDisposals): OffenceEvent {
  const { random, today } = context;
  const offence = random.pick(OFFENCE_WORDING[category]);
  const recent = today - arrestedOn < 365;
  const outcome = random.weighted<Arrest['outcome']>([
    ['charged', 55],
    ['cautioned', 15],
    ['no-further-action', recent ? 15 : 30],
    ['released-under-investigation', recent ? 15 : 0],
  ]);
  if (outcome !== 'charged') return { arrestedOn, category, offence, outcome, charge: null, court: null };
  const chargedOn = Math.min(today, arrestedOn + (random.chance(0.8) ? 0 : random.int(1, 40)));
  const courtOn = chargedOn + random.int(14, 150);
  if (courtOn > today) return { arrestedOn, category, offence, outcome, charge: { on: chargedOn, status: 'awaiting-trial' }, court: null };
  const status = random.weighted<Charge['status']>([
    ['convicted', 85],
    ['acquitted', 7],
    ['discontinued', 8],
  ]);
  const court = random.pick(MAGISTRATES);
  return {
    arrestedOn,
    category,
    offence,
    outcome,
    charge: { on: chargedOn, status },
    court:
      status === 'convicted'
        ? { on: courtOn, court, verdict: 'guilty', disposal: priorDisposal(context, allowed) }
        : status === 'acquitted'
          ? { on: courtOn, court, verdict: 'not-guilty', disposal: 'Acquitted' }
          : null,
  };
}

/** An arrest while serving the current sentence: never yet a conviction, or the sentence would have changed. */
function laterEvent(context: Context, arrestedOn: number, category: OffenceCategory, charged: boolean): OffenceEvent {
  const { random } = context;
  const offence = random.pick(OFFENCE_WORDING[category]);
  const outcome: Arrest['outcome'] = charged
    ? 'charged'
    : random.weighted<Arrest['outcome']>([
        ['released-under-investigation', 35],
        ['no-further-action', 35],
        ['charged', 30],
      ]);
  const charge = outcome === 'charged' ? { on: arrestedOn, status: 'awaiting-trial' as const } : null;
  return { arrestedOn, category, offence, outcome, charge, court: null };
}

function priorCount(context: Context, plan: Plan): number {
  const { random } = context;
  const users = plan.substances.length > 0 ? random.geometric(0.3) : 0;
  switch (plan.segment) {
    case 'police-only':
      return Math.min(30, random.geometric(0.35) + users);
    case 'community':
      return Math.min(40, 2 + random.geometric(0.15) + users);
    default:
      return Math.min(40, 4 + random.geometric(0.12) + users);
  }
}

export function buildOffending(context: Context, index: number, plan: Plan & { category: OffenceCategory }, dateOfBirth: number): Offending {
  const { random, today } = context;
  const sentence = chooseSentence(context, plan, plan.category, dateOfBirth);
  const mix = plan.segment === 'police-only' ? POLICE_MIX : SUPERVISED_MIX;
  const otherCategory = (): OffenceCategory => (random.chance(0.55) ? plan.category : random.weighted(mix));
  const allowed: PriorDisposals = plan.segment === 'police-only' ? 'police-only' : plan.segment === 'community' ? 'supervised' : 'custodial';

  const events: OffenceEvent[] = [];
  let indexArrest: number | null = null;
  if (sentence) {
    indexArrest = sentence.sentencedOn - random.int(20, 150);
    const court = sentence.kind === 'imprisonment' && (sentence.months >= 24 || sentence.category === 'robbery') ? CROWN_COURT : random.pick(MAGISTRATES);
    events.push({
      arrestedOn: indexArrest,
      category: sentence.category,
      offence: sentence.offence,
      outcome: 'charged',
      charge: { on: indexArrest + random.int(0, 2), status: 'convicted' },
      court: { on: sentence.sentencedOn, court, verdict: 'guilty', disposal: sentence.disposal },
    });
  }

  // Earlier arrests end well before the index arrest, so their cases closed before it.
  const historyEnds = indexArrest === null ? today - 1 : indexArrest - 200;
  const ageAtFirst = 12 + Math.floor(random.next() ** 1.5 * 22);
  let firstArrest = addYears(dateOfBirth, ageAtFirst) + random.int(0, 300);
  if (indexArrest === null && firstArrest > historyEnds) firstArrest = today - random.int(30, 1000);
  if (firstArrest <= historyEnds) {
    // The first arrest is for what the offending centres on; the rest vary.
    const days = [firstArrest, ...Array.from({ length: priorCount(context, plan) }, () => random.int(firstArrest, historyEnds))].sort((a, b) => a - b);
    const categories = days.map((_, n) => (n === 0 ? plan.category : otherCategory()));
    if (plan.violent && !categories.includes('violence')) categories[categories.length - 1] = 'violence';
    days.forEach((day, n) => {
      events.push(priorEvent(context, day, categories[n] as OffenceCategory, allowed));
    });
  } else {
    firstArrest = indexArrest ?? firstArrest;
  }

  if (sentence) {
    const supervisedFrom = sentence.custody ? sentence.custody.released : sentence.sentencedOn;
    if (supervisedFrom !== null) {
      if (plan.recentCharge) {
        events.push(laterEvent(context, Math.max(supervisedFrom + 1, today - random.int(5, 40)), plan.recentCharge, true));
      } else if (random.chance(0.2) && supervisedFrom + 1 < today) {
        events.push(laterEvent(context, random.int(supervisedFrom + 1, today - 1), otherCategory(), false));
      }
    }
  }

  events.sort((a, b) => a.arrestedOn - b.arrestedOn);
  return record(index, events, firstArrest, sentence);
}

function record(index: number, events: OffenceEvent[], firstArrest: number, sentence: CurrentSentence | null): Offending {
  const arrests: Arrest[] = [];
  const charges: Charge[] = [];
  const courtOutcomes: CourtOutcome[] = [];
  let firstSanction: number | null = null;
  let sanctions = 0;
  const key = String(index).padStart(6, '0');
  events.forEach((event, n) => {
    const serial = `${key}-${String(n + 1).padStart(2, '0')}`;
    arrests.push({ id: `ARR-${serial}`, date: isoDate(event.arrestedOn), offence: event.offence, category: event.category, outcome: event.outcome });
    if (event.charge) {
      charges.push({
        id: `CHG-${serial}`,
        arrestId: `ARR-${serial}`,
        date: isoDate(event.charge.on),
        offence: event.offence,
        category: event.category,
        status: event.charge.status,
      });
    }
    if (event.court) {
      courtOutcomes.push({
        id: `CRT-${serial}`,
        chargeId: `CHG-${serial}`,
        date: isoDate(event.court.on),
        court: event.court.court,
        offence: event.offence,
        category: event.category,
        verdict: event.court.verdict,
        disposal: event.court.disposal,
      });
    }
    const sanctionedOn = event.outcome === 'cautioned' ? event.arrestedOn : event.court?.verdict === 'guilty' ? event.court.on : null;
    if (sanctionedOn !== null) {
      sanctions += 1;
      firstSanction = firstSanction === null ? sanctionedOn : Math.min(firstSanction, sanctionedOn);
    }
  });
  return { arrests, charges, courtOutcomes, firstArrest, firstSanction, sanctions, sentence };
}
