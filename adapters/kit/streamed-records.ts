/**
 * An agency's records as a simulator serves them from a population of any size: made from one person when asked for,
 * never all held at once. A key reads back to the person's index (population/mint.ts), so a batch call makes only the
 * records it asks for. Records an event has changed are kept beside the population, so the feed and the records agree.
 */
import type { Random } from '../population/random.js';
import type { Population, SyntheticPerson } from '../population/types.js';

/** The record the agency keeps for one person, made on demand. */
export interface AgencyRecordOf<R> {
  key: string;
  record(): R;
}

export interface HeldRecord<R> {
  key: string;
  record: R;
  /** The person is in the IOM cohort. */
  member: boolean;
}

export interface StreamedRecords<R> {
  /** The record held for the person at `index`, as events have left it, or null where the agency holds none. */
  at(index: number): HeldRecord<R> | null;
  /** The record held under `key`, or undefined for a key the agency does not hold. */
  byKey(key: string): R | undefined;
  /**
   * Someone for the next event, whose record the event may then change: a member of the IOM cohort four times in
   * five (the feed is about them), anyone the agency holds otherwise, among those `accept` allows. Found by drawing
   * people at random; null when a few thousand draws find no one.
   */
  pick(random: Random, accept?: (record: R) => boolean): R | null;
}

/** Records kept once made: a whole default population, a small part of a million. */
const RECORDS_KEPT = 20_000;

/** Draws before giving up: enough to find one person in a few hundred. */
const DRAWS = 4000;

export function streamedRecords<R>(
  population: Population,
  recordOf: (person: SyntheticPerson) => AgencyRecordOf<R> | null,
  indexOfKey: (key: string) => number | undefined,
): StreamedRecords<R> {
  const changed = new Map<string, R>();
  // Records made lately, oldest first: a simulator runs in the gateway's process in development and tests, where
  // making a record again for every batch call held up everyone else's requests; bounded, so memory is not the population's.
  const made = new Map<number, HeldRecord<R> | null>();
  const make = (index: number): HeldRecord<R> | null => {
    const person = population.person(index);
    const found = recordOf(person);
    return found === null ? null : { key: found.key, record: found.record(), member: person.cohort !== null };
  };
  const at = (index: number): HeldRecord<R> | null => {
    let held = made.get(index);
    if (held === undefined) {
      held = make(index);
      made.set(index, held);
      if (made.size > RECORDS_KEPT) made.delete(made.keys().next().value as number);
    }
    if (held === null) return null;
    const record = changed.get(held.key);
    return record === undefined ? held : { ...held, record };
  };
  const draw = (random: Random, accept: (held: HeldRecord<R>) => boolean): HeldRecord<R> | null => {
    for (let attempt = 0; attempt < Math.min(DRAWS, population.size * 4); attempt++) {
      const held = at(random.int(0, population.size - 1));
      if (held !== null && accept(held)) return held;
    }
    return null;
  };
  return {
    at,
    byKey(key) {
      const index = changed.has(key) ? undefined : indexOfKey(key);
      if (index === undefined || index >= population.size) return changed.get(key);
      const held = at(index);
      return held?.key === key ? held.record : undefined;
    },
    pick(random, accept = () => true) {
      const member = random.chance(0.8) ? draw(random, (held) => held.member && accept(held.record)) : null;
      const held = member ?? draw(random, (h) => accept(h.record));
      if (held === null) return null;
      changed.set(held.key, held.record);
      return held.record;
    },
  };
}

/** A reference made of a prefix and the person's index, as the scaffolded agencies write it (YOT-0000042), read back to the index. */
export function indexInReference(prefix: string): (reference: string) => number | undefined {
  return (reference) => {
    if (!reference.startsWith(prefix)) return undefined;
    const digits = reference.slice(prefix.length);
    return /^\d{7}$/.test(digits) ? Number(digits) : undefined;
  };
}
