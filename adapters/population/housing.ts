/**
 * The housing options record. Accommodation is least settled just after release; staff-safety flags
 * follow the behaviour the police have warning markers for; the CRN is held only when probation referred.
 */

import type { Context } from './context.js';
import { isoDate } from './dates.js';
import { inventAddress } from './names.js';
import type { Plan, Segment } from './plan.js';
import { assignStaff } from './staff.js';
import type { AccommodationStatus, HousingFacts, PoliceFacts } from './types.js';

const STATUS_MIX: Record<Segment, readonly (readonly [AccommodationStatus, number])[]> = {
  'on-licence': [
    ['settled', 25],
    ['temporary', 35],
    ['supported', 20],
    ['no-fixed-abode', 12],
    ['rough-sleeping', 8],
  ],
  'post-sentence-supervision': [
    ['settled', 35],
    ['temporary', 30],
    ['supported', 20],
    ['no-fixed-abode', 10],
    ['rough-sleeping', 5],
  ],
  // For someone in custody: the accommodation to return to, or none.
  'in-custody': [
    ['settled', 40],
    ['temporary', 10],
    ['supported', 10],
    ['no-fixed-abode', 40],
  ],
  community: [
    ['settled', 50],
    ['temporary', 20],
    ['supported', 15],
    ['no-fixed-abode', 8],
    ['rough-sleeping', 7],
  ],
  'police-only': [
    ['settled', 30],
    ['temporary', 25],
    ['supported', 15],
    ['no-fixed-abode', 12],
    ['rough-sleeping', 18],
  ],
  'not-police': [
    ['settled', 30],
    ['temporary', 25],
    ['supported', 15],
    ['no-fixed-abode', 12],
    ['rough-sleeping', 18],
  ],
};

const SERVICES: Record<AccommodationStatus, readonly string[]> = {
  settled: ['Tenancy sustainment', 'Floating support'],
  temporary: ['Supported housing panel', 'Tenancy sustainment', 'Debt and benefits advice'],
  supported: ['Floating support', 'Move-on panel'],
  'no-fixed-abode': ['Supported housing panel', 'Debt and benefits advice', 'Housing First'],
  'rough-sleeping': ['Rough sleeper outreach', 'Housing First'],
};

const FLAG_NOTES: Record<HousingFacts['staffSafetyFlags'][number]['type'], string> = {
  'violence-to-staff': 'Assaulted a member of staff at the housing options desk; see in pairs',
  'threatening-behaviour': 'Verbal threats to staff; meet in the interview room by the exit',
  weapons: 'Reported to carry a knife; do not visit alone',
  'dog-on-premises': 'Large dog at the property; ask for it to be secured before visits',
};

function staffSafetyFlags(context: Context, markers: PoliceFacts['warningMarkers'], hasAddress: boolean, since: number): HousingFacts['staffSafetyFlags'] {
  const { random, today } = context;
  const types = new Set(markers.map((m) => m.type));
  const flags: HousingFacts['staffSafetyFlags'] = [];
  const flag = (type: HousingFacts['staffSafetyFlags'][number]['type']) =>
    flags.push({ type, addedOn: isoDate(random.int(Math.min(since, today - 10), today)), note: FLAG_NOTES[type] });
  if (types.has('violence') && random.chance(0.55)) flag(random.chance(0.4) ? 'violence-to-staff' : 'threatening-behaviour');
  else if (random.chance(0.03)) flag('threatening-behaviour');
  if (types.has('weapons') && random.chance(0.5)) flag('weapons');
  if (hasAddress && random.chance(0.05)) flag('dog-on-premises');
  return flags.sort((a, b) => a.addedOn.localeCompare(b.addedOn));
}

/** The housing facts, and whether housing holds the CRN (given with a probation referral). */
export function buildHousingFacts(
  context: Context,
  plan: Plan,
  markers: PoliceFacts['warningMarkers'],
  released: number | null,
): { facts: HousingFacts; holdsCrn: boolean } {
  const { random, today, mint } = context;
  const accommodationStatus = plan.accommodation ?? random.weighted(STATUS_MIX[plan.segment]);
  // After release, the status dates from release at the earliest.
  const since = released !== null && released < today ? random.int(released, today - 1) : today - random.int(7, 900);
  const address = accommodationStatus === 'rough-sleeping' || accommodationStatus === 'no-fixed-abode' ? null : inventAddress(random);
  const supportReferrals = random.sample(SERVICES[accommodationStatus], random.int(0, 2)).map((service) => ({
    service,
    referredOn: isoDate(random.int(since - 30, today)),
    status: random.weighted([
      ['open', 35],
      ['accepted', 35],
      ['declined', 10],
      ['closed', 20],
    ] as const),
  }));
  supportReferrals.sort((a, b) => a.referredOn.localeCompare(b.referredOn));
  return {
    facts: {
      reference: mint.housingReference(),
      accommodationStatus,
      statusSince: isoDate(since),
      address,
      supportReferrals,
      staffSafetyFlags: staffSafetyFlags(context, markers, address !== null, since),
      housingOfficer: assignStaff(context, 'housing'),
    },
    holdsCrn: plan.probation && random.chance(0.97),
  };
}
