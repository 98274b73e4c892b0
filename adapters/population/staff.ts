/**
 * The partnership's staff: a small invented team per agency, each with an `.example` e-mail address
 * and a phone number in Ofcom's drama range (01632 960000 to 960999), so no contact detail is live.
 */
import { FAMILY_NAMES, FEMALE_GIVEN_NAMES, MALE_GIVEN_NAMES } from './names.js';
import type { Random } from './random.js';
import type { AgencyName, StaffMember } from './types.js';

const TEAMS: Record<AgencyName, { domain: string; size: number; teams: readonly string[] }> = {
  police: { domain: 'police.example', size: 10, teams: ['Northby IOM Unit'] },
  probation: {
    domain: 'probation.example',
    size: 16,
    teams: ['Northby Probation Delivery Unit: Team 1', 'Northby Probation Delivery Unit: Team 2', 'Northby IOM Hub'],
  },
  prison: { domain: 'prison.example', size: 6, teams: ['HMP Northby Offender Management Unit'] },
  housing: { domain: 'housing.example', size: 8, teams: ['Northby Council Housing Options', 'Northby Council Tenancy Support'] },
  drugs: { domain: 'recovery.example', size: 8, teams: ['Northby Recovery Service: Criminal Justice Team'] },
};

export type StaffDirectory = Record<AgencyName, readonly StaffMember[]>;

export function createStaffDirectory(random: Random): StaffDirectory {
  const phones = random.shuffle(Array.from({ length: 1000 }, (_, n) => `01632 960${String(n).padStart(3, '0')}`));
  const emails = new Set<string>();
  const member = (agency: AgencyName): StaffMember => {
    const { domain, teams } = TEAMS[agency];
    const given = random.pick(random.chance(0.5) ? MALE_GIVEN_NAMES : FEMALE_GIVEN_NAMES);
    const family = random.pick(FAMILY_NAMES);
    const local = `${given[0]?.toLowerCase()}.${family.toLowerCase()}`;
    let email = `${local}@${domain}`;
    for (let n = 2; emails.has(email); n++) email = `${local}${n}@${domain}`;
    emails.add(email);
    const phone = phones.pop();
    if (phone === undefined) throw new RangeError('the drama range has 1,000 numbers; the directory wants fewer');
    return { name: `${given} ${family}`, team: random.pick(teams), phone, email };
  };
  const team = (agency: AgencyName) => Array.from({ length: TEAMS[agency].size }, () => member(agency));
  return { police: team('police'), probation: team('probation'), prison: team('prison'), housing: team('housing'), drugs: team('drugs') };
}

/** A member of the agency's staff for one case: a copy, so no two records share an object. */
export function assignStaff(context: { random: Random; staff: StaffDirectory }, agency: AgencyName): StaffMember {
  return { ...context.random.pick(context.staff[agency]) };
}
