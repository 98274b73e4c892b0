/**
 * The population is open: an agency's part of it is a slice its own module supplies, written from the shared
 * facts of each person (who they are, their identifiers, their offending). A slice is a function of one person,
 * so the population can be streamed person by person, and a new agency needs no change here.
 */
import type { IdentifierKind } from '../../schema/identifiers.js';
import { FAMILY_NAMES, FEMALE_GIVEN_NAMES, MALE_GIVEN_NAMES } from './names.js';
import { createRandom, type Random } from './random.js';
import { type AgencyName, asSeenBy, IDENTIFIERS_RECORDED, type Population, type StaffMember, type SyntheticPerson } from './types.js';

/** What every slice may read beside the person: the population's seed and the day it describes. */
export type PopulationFrame = Pick<Population, 'seed' | 'referenceDate'>;

export interface PopulationSlice<Facts> {
  /** What the agency holds about the person, or null where it does not know them. The same person gives the same facts. */
  factsFor(person: SyntheticPerson, frame: PopulationFrame): Facts | null;
  /** The agency's own key for the person's record. */
  keyOf(person: SyntheticPerson, facts: Facts): string;
  /** The partnership identifiers the agency's record holds for the person, as it recorded them (wrinkles included). */
  identifiersOf(person: SyntheticPerson, facts: Facts): Partial<Record<IdentifierKind, string>>;
}

/** One person the agency knows, with its facts and key. */
export interface Served<Facts> {
  person: SyntheticPerson;
  facts: Facts;
  key: string;
}

/** Everyone in the population the slice's agency knows, in population order. */
export function servedBy<Facts>(population: Population, slice: PopulationSlice<Facts>): Served<Facts>[] {
  return population.people.flatMap((person) => {
    const facts = slice.factsFor(person, population);
    return facts === null ? [] : [{ person, facts, key: slice.keyOf(person, facts) }];
  });
}

/** FNV-1a: a stable 32-bit digest of a few words. */
function digest(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

/**
 * The agency's own chance for one person: seeded by the population's seed, the agency's name and the person's place
 * in the population, so a slice is deterministic without reading anyone else.
 */
export function randomFor(agency: string, person: SyntheticPerson, frame: PopulationFrame): Random {
  return createRandom(digest(`${frame.seed}|${agency}|${person.index}`));
}

/**
 * A member of an agency's staff, invented for one case: an `.example` address and a number in Ofcom's drama range
 * (01632 960000 to 960999), so no contact detail is live.
 */
export function inventStaff(random: Random, agency: string, team: string): StaffMember {
  const given = random.pick(random.chance(0.5) ? MALE_GIVEN_NAMES : FEMALE_GIVEN_NAMES);
  const family = random.pick(FAMILY_NAMES);
  return {
    name: `${given} ${family}`,
    team,
    phone: `01632 960${String(random.int(0, 999)).padStart(3, '0')}`,
    email: `${given[0]?.toLowerCase()}.${family.toLowerCase()}@${agency}.example`,
  };
}

/** The identifiers an agency holds, from the ones it records at all (`asSeenBy`, wrinkles applied), canonical or absent. */
export function heldIdentifiers(person: SyntheticPerson, agency: string, recorded: readonly IdentifierKind[]): Partial<Record<IdentifierKind, string>> {
  const seen = asSeenBy(person, agency, recorded);
  const held: Partial<Record<IdentifierKind, string>> = {};
  for (const kind of recorded) {
    const value = seen[kind];
    if (value !== null) held[kind] = value;
  }
  return held;
}

/** A slice for an agency whose facts the shared generator writes (the partnership's first agencies). */
export function builtInSlice<Facts>(
  agency: AgencyName,
  facts: (person: SyntheticPerson) => Facts | null,
  key: (person: SyntheticPerson, facts: Facts) => string | null,
): PopulationSlice<Facts> {
  // A record the agency cannot key (a nominal without a PNC ID) is one its system cannot hold.
  const factsFor = (person: SyntheticPerson) => {
    const held = facts(person);
    return held !== null && key(person, held) !== null ? held : null;
  };
  return {
    factsFor,
    keyOf: (person, held) => key(person, held) ?? '',
    identifiersOf: (person) => heldIdentifiers(person, agency, IDENTIFIERS_RECORDED[agency]),
  };
}
