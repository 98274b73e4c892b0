/**
 * The adapter contract: everything the gateway knows about an agency.
 * An agency folder exports one `AgencyModule`; `adapters/registry.ts` lists them.
 * Adapters never import the gateway; the gateway reaches agencies only through this contract.
 */
import type { RequestListener } from 'node:http';
import type { IdentifierKind } from '../../schema/identifiers.js';
import type { Population } from '../population/types.js';

/** The identifying facts of one agency record, as the agency's identity feed gives them. */
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

export interface AgencyAdapter<Section = unknown> {
  /** The agency's whole identity feed (paged upstream), for the gateway's identity index. */
  identities(): Promise<IdentityRecord[]>;
  /**
   * Records for a batch of agency keys, already mapped onto the unified schema's section type.
   * Keys the agency does not know are absent from the map. One call should cost a handful of
   * upstream requests however many keys it carries.
   */
  records(keys: readonly string[]): Promise<Map<string, Section>>;
}

export interface AdapterOptions {
  /** Where the agency's HTTP service is, e.g. http://127.0.0.1:4101 */
  baseUrl: string;
  /** Every upstream call is abandoned after this long. */
  timeoutMs: number;
}

export interface AgencyModule<Section = unknown> {
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
  /** The simulator standing in for the agency's system, serving `openapi.yaml` from the population. */
  createSimulator(population: Population): SimulatorApp;
}

/** The facts about a person that ISP conditions test. Active cohort membership comes from the gateway's register. */
export interface SubjectFacts {
  inActiveCohort: boolean;
  consentRecorded: boolean;
  mappaCase: boolean;
}

/** A simulator's request handler plus the controls tests and benchmarks use. */
export interface SimulatorApp {
  agency: string;
  handler: RequestListener;
  faults: FaultControl;
  stats: RequestStats;
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
