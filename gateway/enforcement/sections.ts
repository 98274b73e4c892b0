/**
 * Agency sections of a person, fetched through the adapters: one batch per agency per request (DataLoader),
 * agencies in parallel, and the batches of one turn joined into one call per agency. A failing agency fails only its
 * own sections.
 */
import DataLoader from 'dataloader';
import type { AgencyAdapter } from '../../adapters/kit/contract.js';
import { AgencyUnavailableError } from '../../adapters/kit/errors.js';
import { gatewayError } from '../errors.js';
import { outsideRequests, SpanStatusCode, startChildSpan, traceContext, withTrace } from '../observability/tracing.js';

export interface AgencyConnection {
  agency: string;
  title: string;
  adapter: AgencyAdapter;
}

/** One agency's sections for a request: asked by agency key, and each kept once read. */
export interface SectionReads {
  load(key: string): Promise<unknown>;
  /** Each key's section, or the agency's failure in its place. */
  loadMany(keys: readonly string[]): Promise<unknown[]>;
  /** Forgets a key's section (a screened record not kept), so that it is not held for the rest of the request. */
  clear(key: string): void;
  /** The section, if it is already read (null: the agency holds nothing), or the agency's failure; undefined if not yet. */
  readNow(key: string): { section: unknown } | { failure: Error } | undefined;
}

export type SectionLoaders = ReadonlyMap<string, SectionReads>;

/** The key a person's section at `agency` is read by: their first record's there; undefined where they have none. */
export function sectionKey(person: { keys: ReadonlyMap<string, readonly string[]> }, agency: string): string | undefined {
  return person.keys.get(agency)?.[0];
}

/** The most keys one shared call carries; more asked in one turn go in further calls, at once. */
const MAX_SHARED_KEYS = 1_000;

interface Ask {
  keys: readonly string[];
  /** The asking request's trace: a call made for it alone is part of it. */
  trace: ReturnType<typeof traceContext>;
  resolve: (records: ReadonlyMap<string, unknown>) => void;
  reject: (error: unknown) => void;
}

/**
 * One agency's record reads, shared by every request: the keys all requests send in one turn of the event loop go
 * to the agency in one call, so under load the agency answers many requests at once (docs/adr/0175). Nothing waits
 * for a call in flight. A record so read is shared between requests: never change one.
 */
class SharedRecords {
  #asks: Ask[] = [];
  #scheduled = false;

  constructor(
    private readonly agency: string,
    private readonly adapter: AgencyAdapter,
  ) {}

  /** The records of these keys, in a map that may hold other requests' keys too: take only your own. */
  records(keys: readonly string[]): Promise<ReadonlyMap<string, unknown>> {
    return new Promise((resolve, reject) => {
      this.#asks.push({ keys, trace: traceContext(), resolve, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      // Per-request loaders dispatch on setImmediate: their calls in one turn are gathered for the next.
      setImmediate(() => {
        this.#scheduled = false;
        while (this.#asks.length > 0) this.#call(this.#take());
      });
    });
  }

  #take(): Ask[] {
    let keys = 0;
    let count = 0;
    while (count < this.#asks.length && (count === 0 || keys + (this.#asks[count]?.keys.length ?? 0) <= MAX_SHARED_KEYS)) {
      keys += this.#asks[count]?.keys.length ?? 0;
      count += 1;
    }
    return this.#asks.splice(0, count);
  }

  #call(asks: Ask[]): void {
    // A promise even if an adapter throws before its first await.
    const call = (keys: readonly string[]) => new Promise<ReadonlyMap<string, unknown>>((resolve) => resolve(this.adapter.records(keys)));
    const alone = (ask: Ask) => withTrace(ask.trace, () => call(ask.keys)).then(ask.resolve, ask.reject);
    if (asks.length === 1) {
      // One request's keys: its own call, in its own trace, as without sharing.
      for (const ask of asks) void alone(ask);
      return;
    }
    const keys = [...new Set(asks.flatMap((ask) => ask.keys))];
    // The call is in no request's trace; each request's trace still shows the step it waited on, and how many shared
    // it, counted by trace (a request whose keys went in two batches is one).
    const traces = [...new Set(asks.map((ask) => ask.trace))];
    const waits = traces.map((trace) =>
      withTrace(trace, () => startChildSpan(`records ${this.agency} (shared)`, undefined, { 'gateway.shared_by': String(traces.length) })),
    );
    outsideRequests(() => call(keys)).then(
      (records) => {
        for (const wait of waits) wait?.end();
        for (const ask of asks) ask.resolve(records);
      },
      (error: unknown) => {
        for (const wait of waits) {
          wait?.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof AgencyUnavailableError ? error.reason : 'unreachable' });
          wait?.end();
        }
        // An answer the agency got wrong (a malformed record, a 4xx refusal) may be about one request's keys only: each
        // request asks again for its own, so that none is failed by another's. An agency that is down or struggling
        // (timeout, unreachable, 5xx) is so for all, and is not asked more.
        if (isAboutTheKeys(error)) {
          for (const ask of asks) void alone(ask);
        } else {
          for (const ask of asks) ask.reject(error);
        }
      },
    );
  }
}

function isAboutTheKeys(error: unknown): boolean {
  if (!(error instanceof AgencyUnavailableError)) return false;
  return error.reason === 'malformed-payload' || (error.reason === 'error-status' && error.status !== undefined && error.status < 500);
}

const sharedRecords = new WeakMap<AgencyAdapter, SharedRecords>();

function recordsOf(agency: string, adapter: AgencyAdapter): SharedRecords {
  let shared = sharedRecords.get(adapter);
  if (!shared) {
    shared = new SharedRecords(agency, adapter);
    sharedRecords.set(adapter, shared);
  }
  return shared;
}

export function createSectionLoaders(connections: readonly AgencyConnection[]): SectionLoaders {
  return new Map(connections.map(({ agency, title, adapter }) => [agency, sectionReads(agency, title, adapter)]));
}

function sectionReads(agency: string, title: string, adapter: AgencyAdapter): SectionReads {
  const read = new Map<string, { section: unknown } | { failure: Error }>();
  // A key cleared while its read is in flight is not kept when the read ends: `readNow` then agrees with `load`.
  const clearings = new Map<string, number>();
  const keep = (key: string, clearedBefore: number, answer: { section: unknown } | { failure: Error }) => {
    if ((clearings.get(key) ?? 0) === clearedBefore) read.set(key, answer);
  };
  const loader = new DataLoader<string, unknown>(
    async (keys) => {
      const cleared = keys.map((key) => clearings.get(key) ?? 0);
      try {
        const records = await recordsOf(agency, adapter).records(keys);
        return keys.map((key, i) => {
          const section = records.get(key) ?? null;
          keep(key, cleared[i] ?? 0, { section });
          return section;
        });
      } catch (error) {
        const failure = agencyFailure(agency, title, error);
        keys.forEach((key, i) => {
          keep(key, cleared[i] ?? 0, { failure });
        });
        return keys.map(() => failure);
      }
    },
    // Policy decisions wait on facts before sections are asked for, so loads arrive over many microtasks:
    // gather them until the event loop turns, for one batch per agency per wave of the query.
    { maxBatchSize: 500, batchScheduleFn: (dispatch) => setImmediate(dispatch) },
  );
  return {
    load: (key) => loader.load(key),
    loadMany: (keys) => loader.loadMany(keys),
    clear(key) {
      loader.clear(key);
      read.delete(key);
      clearings.set(key, (clearings.get(key) ?? 0) + 1);
    },
    readNow: (key) => read.get(key),
  };
}

function agencyFailure(agency: string, title: string, error: unknown): Error {
  const reason = error instanceof AgencyUnavailableError ? error.reason : 'unreachable';
  return gatewayError('AGENCY_UNAVAILABLE', `${title} could not answer (${reason}); the rest of the record is shown without it.`, {
    agency,
    reason,
  });
}
