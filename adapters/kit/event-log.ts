/**
 * A simulator's event feed: the agency's new events (arrests, releases, breaches...) kept in order and served
 * page by page after a cursor. Events are made by the agency's own generator, on demand or on a timer;
 * what each says is deterministic from the population seed and the event's number, so a run can be replayed.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { createRandom, type Random } from '../population/random.js';
import type { EventControl } from './contract.js';

/** An event as the generator is told to make it. */
export interface EventStamp {
  /** The feed's id for the event (the agency payload carries it). */
  id: string;
  /** When it is recorded. */
  at: Date;
  /** Its calendar day, YYYY-MM-DD: today, or the population's reference date if that is later. */
  date: string;
}

export interface EventSource<E> {
  /** The population's seed: with the event's number, the generator's only source of chance. */
  seed: number;
  /** The population's reference date: no event is dated before the day the population describes. */
  referenceDate: string;
  /**
   * The agency's next event about someone it knows, already applied to the records the simulator serves
   * (so the records and the feed agree), or null when the agency has nothing plausible to report.
   */
  next(random: Random, stamp: EventStamp): E | null;
}

/**
 * Ids are `EV-<run>-<number>`: the run tells this process's feed from an earlier one (a restarted simulator
 * starts its feed again), the number orders events within a run.
 */
const EVENT_ID = /^EV-([0-9a-f]{8})-(\d{6,})$/;

export const EventQuery = z.object({
  after: z.string().regex(EVENT_ID, 'after must be an event id this feed issued').optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const GenerateRequest = z.strictObject({ count: z.number().int().min(1).max(1000).default(1) });

export interface EventPage<E> {
  events: E[];
  /** The id of the last event served, to pass as `after` next time; null while the feed is empty. */
  cursor: string | null;
}

export interface EventLog<E> {
  control: EventControl;
  /** Makes up to `count` events now and returns them. */
  generate(count: number): E[];
  page(after: string | undefined, limit: number): EventPage<E>;
}

/** FNV-1a: a seed per event from the population seed, the agency and the event's number. */
function eventSeed(seed: number, agency: string, number: number): number {
  let hash = 0x811c9dc5;
  for (const char of `${seed}:${agency}:${number}`) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function createEventLog<E>(agency: string, source: EventSource<E> | undefined): EventLog<E> {
  const run = randomUUID().slice(0, 8);
  const events: { number: number; event: E }[] = [];
  let counter = 0;
  let timer: NodeJS.Timeout | undefined;

  const generate = (count: number): E[] => {
    if (!source) return [];
    const made: E[] = [];
    for (let i = 0; i < count; i++) {
      counter += 1;
      const at = new Date();
      const today = at.toISOString().slice(0, 10);
      const stamp: EventStamp = {
        id: `EV-${run}-${String(counter).padStart(6, '0')}`,
        at,
        date: today > source.referenceDate ? today : source.referenceDate,
      };
      const event = source.next(createRandom(eventSeed(source.seed, agency, counter)), stamp);
      if (event === null) continue;
      events.push({ number: counter, event });
      made.push(event);
    }
    return made;
  };

  return {
    generate,
    page(after, limit) {
      const parsed = after === undefined ? null : EVENT_ID.exec(after);
      // A cursor from an earlier run of the feed reads this run from its start.
      const from = parsed && parsed[1] === run ? Number(parsed[2]) : 0;
      const start = events.findIndex((e) => e.number > from);
      const served = start < 0 ? [] : events.slice(start, start + limit);
      const last = served.at(-1);
      return {
        events: served.map((e) => e.event),
        cursor: last ? `EV-${run}-${String(last.number).padStart(6, '0')}` : (after ?? null),
      };
    },
    control: {
      generate: (count) => generate(count).length,
      every(intervalMs) {
        clearInterval(timer);
        timer = undefined;
        if (intervalMs <= 0 || !source) return;
        timer = setInterval(() => generate(1), intervalMs);
        timer.unref();
      },
      size: () => events.length,
    },
  };
}
