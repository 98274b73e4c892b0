/**
 * The adapter contract: everything the gateway knows about an agency.
 * An agency folder exports one `AgencyModule`; `adapters/registry.ts` lists them.
 * Adapters never import the gateway; the gateway reaches agencies only through this contract.
 */
import type { RequestListener } from 'node:http';
import type { IdentifierKind } from '../../schema/identifiers.js';
import type { PopulationSlice } from '../population/slice.js';
import type { Population } from '../population/types.js';

/** The identifying facts of one agency record, as the agency's identity change feed gives them. */
export interface IdentityRecord {
  agency: string;
  /** The agency's own key for the record (PNC for police, CRN for probation, prison number, local references). */
  key: string;
  /** Partnership identifiers the agency holds, canonical or absent; never invented. */
  identifiers: Partial<Record<IdentifierKind, string>>;
  givenName: string;
  familyName: string;
  /** ISO date, YYYY-MM-DD. */
  dateOfBirth: string;
}

/** One entry of an agency's identity change feed: a record as it now stands, or gone. */
export interface IdentityChange {
  /** The agency's key for the record (as in IdentityRecord.key). */
  key: string;
  /** The record as the agency now holds it; null when the agency no longer holds it (deleted, or merged into another of its records). */
  record: IdentityRecord | null;
}

/** One page of an agency's identity change feed. */
export interface IdentityChangePage {
  changes: IdentityChange[];
  /** Where this page ends: pass as `after` to read on. Opaque and durable: the gateway stores it between runs. */
  cursor: string;
  /** True when more changes follow now (read again at once); false at the end of the feed (poll later). */
  more: boolean;
}

/** The agency no longer serves the cursor it was given (its feed was rebuilt): read again from the start. */
export class IdentityFeedRestartedError extends Error {
  constructor(readonly agency: string) {
    super(`${agency}'s identity change feed no longer serves the cursor it gave: it must be read again from the start`);
    this.name = 'IdentityFeedRestartedError';
  }
}

export interface AgencyAdapter<Section = unknown> {
  /**
   * The agency's identity change feed after `after` (a cursor this method returned; null for the start, where every
   * record the agency holds appears once): the one way the gateway learns whom an agency holds (docs/adr/0164).
   * Later entries for a key replace earlier ones. Throws IdentityFeedRestartedError when the agency no longer serves `after`.
   */
  identityChanges(after: string | null): Promise<IdentityChangePage>;
  /**
   * Records for a batch of agency keys, already mapped onto the unified schema's section type.
   * Keys the agency does not know are absent from the map. One call should cost a handful of
   * upstream requests however many keys it carries.
   */
  records(keys: readonly string[]): Promise<Map<string, Section>>;
  /**
   * The agency's events after `after` (the cursor this method last returned; null for the start of the agency's
   * feed), as the partnership alerts on them: events of other kinds are left out. `cursor` is what to pass next
   * time; it moves past the left-out events too. Optional: an agency without a feed has no events.
   */
  events?(after: string | null): Promise<{ events: AgencyEvent[]; cursor: string | null }>;
}

/** The kinds of event the partnership alerts on (IDIOM's feed, and more). */
export const AGENCY_EVENT_TYPES = ['arrest', 'charge', 'court-outcome', 'release', 'breach', 'accommodation-lost', 'positive-drug-test'] as const;
export type AgencyEventType = (typeof AGENCY_EVENT_TYPES)[number];

/** Something that happened to a person an agency knows, as its adapter reports it. */
export interface AgencyEvent {
  /** The agency's own id for the event: unique within the agency, stable across polls. */
  id: string;
  agency: string;
  /** The agency's key for the person (as in IdentityRecord.key). */
  key: string;
  type: AgencyEventType;
  /** ISO 8601 timestamp of when the agency recorded it. */
  occurredAt: string;
  /** One line a practitioner reads: "Arrested: Burglary (dwelling)". */
  summary: string;
  /** The event's facts, flat, for the partnership's own record of it. */
  details: Readonly<Record<string, string | number | boolean | null>>;
}

export interface AdapterOptions {
  /** Where the agency's HTTP service is, e.g. http://127.0.0.1:4101 */
  baseUrl: string;
  /** Every upstream call is abandoned after this long. */
  timeoutMs: number;
}

export interface AgencyModule<Section = unknown, Facts = unknown> {
  /** Short lower-case name; also the `Person` field that carries the agency's section. */
  agency: string;
  /** A line a person reads: "Police (PNC and force records)". */
  title: string;
  /** SDL that adds the agency's section to `Person` (`extend type Person { police: PoliceRecord }`). */
  typeDefs: string;
  /** Every data item the section's fields carry (`@dataItem(name: ...)`), with a description. */
  dataItems: Readonly<Record<string, string>>;
  createAdapter(options: AdapterOptions): AgencyAdapter<Section>;
  /**
   * Facts about the person that the ISP's conditions turn on, where this agency is their source
   * (probation: MAPPA case; drugs: consent to share recorded). Absent facts count as not met.
   */
  subjectFacts?(section: Section): Partial<SubjectFacts>;
  /**
   * The facts `subjectFacts` can give. When the agency cannot be read, these facts are unknown (not false) and the
   * gateway says the agency was unavailable rather than that a condition was not met. Absent: any of them.
   */
  subjectFactNames?: readonly AgencyFact[];
  /** The agency's part of the synthetic population: who it knows and what it holds, from each person's facts. */
  population: PopulationSlice<Facts>;
  /** The simulator standing in for the agency's system, serving `openapi.yaml` from the population. */
  createSimulator(population: Population): SimulatorApp;
}

/** The facts about a person that ISP conditions test. Active cohort membership comes from the gateway's register. */
export interface SubjectFacts {
  inActiveCohort: boolean;
  consentRecorded: boolean;
  mappaCase: boolean;
}

/** The facts agencies give (the rest come from the gateway's register). */
export const AGENCY_FACTS = ['consentRecorded', 'mappaCase'] as const satisfies readonly (keyof SubjectFacts)[];
export type AgencyFact = (typeof AGENCY_FACTS)[number];

/** A simulator's request handler plus the controls tests and benchmarks use. */
export interface SimulatorApp {
  agency: string;
  handler: RequestListener;
  faults: FaultControl;
  stats: RequestStats;
  events: EventControl;
}

/** The simulator's event feed: new events made on demand (tests) or on a timer (`npm start`). */
export interface EventControl {
  /** Makes up to `count` new events now; returns how many the agency had something to say about. */
  generate(count: number): number;
  /** Makes one event every `intervalMs` (0 stops); the timer never keeps the process alive. */
  every(intervalMs: number): void;
  /** How many events the feed holds. */
  size(): number;
}

export type FaultMode = 'normal' | 'down' | 'malformed';

export interface Faults {
  mode: FaultMode;
  /** Added before every answer: `slow` is just a large latency. */
  latencyMs: number;
}

export interface FaultControl {
  get(): Faults;
  set(faults: Partial<Faults>): Faults;
}

export interface RequestStats {
  /** Requests served per route (method and path template), admin routes excluded. */
  counts(): Record<string, number>;
  total(): number;
  reset(): void;
}
