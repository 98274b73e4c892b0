/**
 * The prison record, written only from a custodial sentence: release dates follow the term,
 * licence conditions exist once the person is out.
 */

import type { Context } from './context.js';
import { isoDate } from './dates.js';
import { ACQUISITIVE_OFFENCES, VIOLENT_OFFENCES } from './offences.js';
import type { CurrentSentence } from './offending.js';
import type { Plan } from './plan.js';
import { assignStaff } from './staff.js';
import type { PrisonFacts } from './types.js';

const STANDARD_CONDITIONS: PrisonFacts['licenceConditions'] = [
  { code: 'STD-1', description: 'Be of good behaviour and not behave in a way that undermines the purpose of the licence period' },
  { code: 'STD-2', description: 'Not commit any offence' },
  { code: 'STD-3', description: 'Keep in touch with the supervising officer as instructed' },
  { code: 'STD-4', description: 'Reside permanently at an address approved by the supervising officer' },
];

function licenceConditions(context: Context, plan: Plan, sentence: CurrentSentence): PrisonFacts['licenceConditions'] {
  const { random } = context;
  const conditions = [...STANDARD_CONDITIONS];
  if (plan.substances.length > 0) {
    conditions.push({ code: 'DRG-1', description: 'Attend drug testing as required by the supervising officer' });
    conditions.push({ code: 'DRG-2', description: 'Attend all appointments with the Northby Recovery Service' });
  }
  if (ACQUISITIVE_OFFENCES.includes(sentence.category) && random.chance(0.5)) {
    conditions.push({ code: 'EXC-1', description: 'Not enter the exclusion zone around Northby town centre without approval' });
  }
  if (VIOLENT_OFFENCES.includes(sentence.category) && random.chance(0.7)) {
    conditions.push({ code: 'NCT-1', description: 'Not contact or associate with the victim without prior approval' });
  }
  if (random.chance(0.3)) {
    conditions.push({ code: 'CUR-1', description: 'Comply with an electronically monitored curfew, 19:00 to 07:00' });
  }
  return conditions;
}

export function buildPrisonFacts(context: Context, plan: Plan, sentence: CurrentSentence, custody: NonNullable<CurrentSentence['custody']>): PrisonFacts {
  const inCustody = custody.released === null;
  return {
    inCustody,
    establishment: inCustody ? { ...custody.establishment } : null,
    receptionDate: isoDate(sentence.sentencedOn),
    conditionalReleaseDate: isoDate(custody.conditionalRelease),
    licenceExpiryDate: isoDate(custody.licenceExpiry),
    // A standard determinate sentence expires with its licence.
    sentenceExpiryDate: isoDate(custody.licenceExpiry),
    actualReleaseDate: custody.released === null ? null : isoDate(custody.released),
    licenceConditions: inCustody ? [] : licenceConditions(context, plan, sentence),
    // Responsibility passes to the community offender manager on release.
    prisonOffenderManager: inCustody ? assignStaff(context, 'prison') : null,
  };
}
