/**
 * The Youth Offending Service's part of the synthetic population: who it knows and what its cases hold, written from each
 * person's shared facts alone (see population/slice.ts), so the population stays open and streamable.
 */
import { addYears, isoDate, toDay } from '../population/dates.js';
import { heldIdentifiers, inventStaff, type PopulationSlice, randomFor } from '../population/slice.js';
import type { StaffMember } from '../population/types.js';

export interface YouthFacts {
  reference: string;
  status: 'open' | 'closed';
  openedOn: string;
  caseWorker: StaffMember;
}

export const youthPopulation: PopulationSlice<YouthFacts> = {
  factsFor(person, frame) {
    const random = randomFor('youth', person, frame);
    // Known to about one person in five; the case opened on or after their 18th birthday, by the reference date.
    if (!random.chance(0.2)) return null;
    const today = toDay(frame.referenceDate);
    const adult = Math.min(addYears(toDay(person.dateOfBirth), 18), today);
    return {
      reference: `YOU-${String(person.index).padStart(7, '0')}`,
      status: random.chance(0.7) ? 'open' : 'closed',
      openedOn: isoDate(random.int(adult, today)),
      caseWorker: inventStaff(random, 'youth', 'Youth Offending Service'),
    };
  },
  keyOf: (_person, facts) => facts.reference,
  // The partnership identifiers a partner gave the service; it has none of its own.
  identifiersOf: (person) => heldIdentifiers(person, 'youth', ['pnc', 'crn']),
};
