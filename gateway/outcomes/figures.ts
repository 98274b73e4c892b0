/**
 * The outcomes report's figures, per strand and quarter, from membership periods and offence dates: members,
 * de-selections, and arrests and charges before selection and since, as rates per member-year. Small numbers
 * are suppressed here, so no caller can forget to: a count under the threshold, and any rate computed from one
 * or about fewer members than the threshold, is withheld.
 */
import { z } from 'zod';
import { type CohortChange, type Membership, STRANDS, type Strand } from '../cohort/register.js';
import { partnershipDate } from '../partnership-date.js';
import { addDays, daysBetween, type Quarter, yearBefore } from './quarters.js';

export const SUPPRESSION_THRESHOLD = 5;

/** One spell in the cohort: from selection to de-selection (null while still a member). */
export interface MembershipPeriod {
  gatewayId: string;
  strand: Strand;
  selectedOn: string;
  deselectedOn: string | null;
}

/** A person's offences by date (ISO dates), as the police record them. */
export interface Offending {
  arrests: readonly string[];
  charges: readonly string[];
}

export interface OutcomeCount {
  value: number | null;
  suppressed: boolean;
}

export interface OffendingRate {
  count: number | null;
  perMemberYear: number | null;
  suppressed: boolean;
}

export interface StrandOutcome {
  strand: Strand;
  members: OutcomeCount;
  deselections: OutcomeCount;
  arrests: { beforeSelection: OffendingRate; sinceSelection: OffendingRate };
  charges: { beforeSelection: OffendingRate; sinceSelection: OffendingRate };
}

export interface QuarterOutcome extends Quarter {
  strands: StrandOutcome[];
}

const SelectDetails = z.object({ strand: z.enum(STRANDS), selectedOn: z.iso.date() });
const DeselectDetails = z.object({ deselectedOn: z.iso.date() });

const MergeDetails = z.object({
  replaced: z.object({ strand: z.enum(STRANDS), selectedOn: z.iso.date(), deselectedOn: z.iso.date().nullish() }).optional(),
});

/**
 * Every spell each person spent in the cohort, from the register's history: someone de-selected and selected
 * again has two, each on its own strand. A membership without history stands for one spell. When two members were
 * found to be one person (docs/adr/0166) both histories are the survivor's: the merge line naming the membership
 * replaced ends that one's spell (at its de-selection, else the merge), and a de-selection after it ends the kept one's.
 */
export function membershipPeriods(members: readonly { membership: Membership; history: readonly CohortChange[] }[]): MembershipPeriod[] {
  return members.flatMap(({ membership, history }) => {
    const periods: MembershipPeriod[] = [];
    for (const change of history) {
      if (change.action === 'select') {
        const { strand, selectedOn } = SelectDetails.parse(change.details);
        periods.push({ gatewayId: membership.gatewayId, strand, selectedOn, deselectedOn: null });
      } else if (change.action === 'deselect') {
        const open = lastOf(periods, (period) => period.deselectedOn === null);
        if (open) open.deselectedOn = DeselectDetails.parse(change.details).deselectedOn;
      } else if (change.action === 'merge') {
        const { replaced } = MergeDetails.parse(change.details);
        if (replaced) endReplaced(periods, replaced, partnershipDate(new Date(change.at)));
      }
    }
    if (periods.length > 0) return periods;
    const { gatewayId, strand, selectedOn, deselectedOn } = membership;
    return [{ gatewayId, strand, selectedOn, deselectedOn }];
  });
}

const lastOf = (periods: readonly MembershipPeriod[], test: (period: MembershipPeriod) => boolean) => [...periods].reverse().find(test);

/** Ends the spell of a membership a merge replaced; its de-selection, read before the merge, may have ended the other's. */
function endReplaced(periods: MembershipPeriod[], replaced: NonNullable<z.infer<typeof MergeDetails>['replaced']>, mergedOn: string): void {
  const spell =
    lastOf(periods, (p) => p.strand === replaced.strand && p.selectedOn === replaced.selectedOn && p.deselectedOn === null) ??
    lastOf(periods, (p) => p.strand === replaced.strand && p.selectedOn === replaced.selectedOn);
  if (spell === undefined) return;
  if (spell.deselectedOn === null && replaced.deselectedOn) {
    // Its de-selection line, interleaved with the other member's lines, ended the other's spell: that one is still open.
    const ended = lastOf(periods, (p) => p !== spell && p.deselectedOn === replaced.deselectedOn);
    if (ended) ended.deselectedOn = null;
  }
  spell.deselectedOn = replaced.deselectedOn ?? mergedOn;
}

/** Whether a spell overlaps the days from `start` to `end`. */
export const overlaps = (period: MembershipPeriod, start: string, end: string) =>
  period.selectedOn <= end && (period.deselectedOn === null || period.deselectedOn >= start);

const DAYS_PER_YEAR = 365.25;
const twoPlaces = (value: number) => Math.round(value * 100) / 100;

function count(value: number): OutcomeCount {
  return value < SUPPRESSION_THRESHOLD ? { value: null, suppressed: true } : { value, suppressed: false };
}

function rate(offences: number, memberYears: number, members: number): OffendingRate {
  if (offences < SUPPRESSION_THRESHOLD || members < SUPPRESSION_THRESHOLD) return { count: null, perMemberYear: null, suppressed: true };
  return { count: offences, perMemberYear: twoPlaces(offences / memberYears), suppressed: false };
}

interface Tally {
  members: number;
  deselections: number;
  /** Member-years in the cohort within the quarter. */
  memberYears: number;
  before: { arrests: number; charges: number };
  since: { arrests: number; charges: number };
}

const within = (dates: readonly string[], from: string, to: string) => dates.filter((d) => d >= from && d <= to).length;

/**
 * A member of a strand in a quarter is a person with a spell on it overlapping the quarter (up to `asOf`). Their
 * baseline is the 12 months before the first such spell's selection day; "since selection" counts the days of
 * the quarter they spent in the cohort, up to `asOf`.
 */
function tally(periods: readonly MembershipPeriod[], offending: ReadonlyMap<string, Offending>, quarter: Quarter, asOf: string): Tally {
  const end = quarter.end < asOf ? quarter.end : asOf;
  const result: Tally = { members: 0, deselections: 0, memberYears: 0, before: { arrests: 0, charges: 0 }, since: { arrests: 0, charges: 0 } };
  const byPerson = new Map<string, MembershipPeriod[]>();
  for (const period of periods) {
    if (period.deselectedOn !== null && period.deselectedOn >= quarter.start && period.deselectedOn <= end) result.deselections += 1;
    if (!overlaps(period, quarter.start, end)) continue;
    byPerson.set(period.gatewayId, [...(byPerson.get(period.gatewayId) ?? []), period]);
  }
  for (const [gatewayId, spells] of byPerson) {
    const offences = offending.get(gatewayId) ?? { arrests: [], charges: [] };
    const selectedOn = spells.map((spell) => spell.selectedOn).sort()[0];
    if (selectedOn === undefined) continue;
    result.members += 1;
    const baselineFrom = yearBefore(selectedOn);
    const baselineTo = addDays(selectedOn, -1);
    result.before.arrests += within(offences.arrests, baselineFrom, baselineTo);
    result.before.charges += within(offences.charges, baselineFrom, baselineTo);
    const inQuarter = spells.map((spell): [string, string] => [
      spell.selectedOn > quarter.start ? spell.selectedOn : quarter.start,
      spell.deselectedOn !== null && spell.deselectedOn < end ? spell.deselectedOn : end,
    ]);
    for (const [from, to] of merged(inQuarter)) {
      result.memberYears += daysBetween(from, to) / DAYS_PER_YEAR;
      result.since.arrests += within(offences.arrests, from, to);
      result.since.charges += within(offences.charges, from, to);
    }
  }
  return result;
}

/** Day ranges joined where they overlap or touch, so no day is counted twice (a re-selection may be back-dated). */
function merged(ranges: readonly [string, string][]): [string, string][] {
  const joined: [string, string][] = [];
  for (const [from, to] of [...ranges].sort((a, b) => a[0].localeCompare(b[0]))) {
    const last = joined.at(-1);
    if (last && from <= addDays(last[1], 1)) last[1] = to > last[1] ? to : last[1];
    else joined.push([from, to]);
  }
  return joined;
}

export function outcomeFigures(input: {
  periods: readonly MembershipPeriod[];
  offending: ReadonlyMap<string, Offending>;
  quarters: readonly Quarter[];
  asOf: string;
}): QuarterOutcome[] {
  return input.quarters.map((quarter) => ({
    ...quarter,
    strands: STRANDS.map((strand) => {
      const t = tally(
        input.periods.filter((p) => p.strand === strand),
        input.offending,
        quarter,
        input.asOf,
      );
      return {
        strand,
        members: count(t.members),
        deselections: count(t.deselections),
        arrests: { beforeSelection: rate(t.before.arrests, t.members, t.members), sinceSelection: rate(t.since.arrests, t.memberYears, t.members) },
        charges: { beforeSelection: rate(t.before.charges, t.members, t.members), sinceSelection: rate(t.since.charges, t.memberYears, t.members) },
      };
    }),
  }));
}
