/**
 * The police record beyond the offending history: warning markers that follow from what a person was
 * arrested for, and wanted or missing status. Offender managers and PPO status come with cohort selection.
 */

import type { Context } from './context.js';
import { isoDate } from './dates.js';
import { VIOLENT_OFFENCES } from './offences.js';
import type { Offending } from './offending.js';
import type { Plan } from './plan.js';
import type { OffenceCategory, PoliceFacts, WarningMarkerType } from './types.js';

export function buildPoliceFacts(context: Context, plan: Plan, offending: Offending): PoliceFacts {
  const { random, today } = context;
  const { arrests } = offending;
  const firstArrestFor = (categories: readonly OffenceCategory[]) => arrests.find((a) => categories.includes(a.category))?.date;
  const markers: PoliceFacts['warningMarkers'] = [];
  const mark = (type: WarningMarkerType, addedOn: string | undefined, likelihood: number) => {
    if (addedOn !== undefined && random.chance(likelihood)) markers.push({ type, addedOn });
  };
  const anyArrest = () => random.pick(arrests).date;

  mark('violence', firstArrestFor(VIOLENT_OFFENCES), plan.violent ? 1 : 0.65);
  mark('weapons', firstArrestFor(['weapons']) ?? firstArrestFor(['robbery']), firstArrestFor(['weapons']) ? 0.7 : 0.15);
  mark('drugs', firstArrestFor(['drugs']), 0.4);
  mark('mental-health', anyArrest(), 0.08);
  mark('self-harm', anyArrest(), 0.05);
  mark('escaper', anyArrest(), offending.sentence?.custody ? 0.03 : 0);
  mark('contagion', anyArrest(), 0.01);
  markers.sort((a, b) => a.addedOn.localeCompare(b.addedOn));

  const inCustody = offending.sentence?.custody?.released === null;
  const latest = arrests[arrests.length - 1];
  const wanted =
    !inCustody && latest && random.chance(0.02)
      ? { since: isoDate(today - random.int(3, 90)), offence: random.chance(0.5) ? 'Failing to surrender to bail' : latest.offence }
      : null;
  const missing = !inCustody && wanted === null && random.chance(0.005) ? { since: isoDate(today - random.int(1, 30)) } : null;

  return {
    arrests,
    charges: offending.charges,
    courtOutcomes: offending.courtOutcomes,
    warningMarkers: markers,
    wanted,
    missing,
    prolificPriorityOffender: false,
    offenderManager: null,
  };
}
