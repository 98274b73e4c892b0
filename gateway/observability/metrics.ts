/**
 * The gateway's Prometheus metrics: one registry per process, served at GET /metrics. Labels are operation
 * names (bounded, see OperationNames), error codes, HTTP statuses, agencies, data items and roles: never a person,
 * an identifier or a user. Gauges about the identity index and subscribers are read when scraped, not kept.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { UpstreamOutcome } from '../../adapters/kit/upstream-observer.js';
import type { DisclosureRecordInput } from '../ledger/index.js';

/** What the gauges read at scrape time, from the gateway serving requests in this process. */
export interface MetricSources {
  /** People in the identity index now (a count the index keeps until it next changes). */
  indexSize(): Promise<number>;
  /** Per agency: when its identity feed last loaded (ISO 8601), or null if never. */
  feeds(): readonly { agency: string; refreshedAt: string | null }[];
  /** Open cohortEvents subscriptions. */
  subscribers(): number;
}

const BREAKER_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

/** Client-chosen operation names admitted as label values, beyond the registered ones; later names are `other`. */
const MAX_OPERATION_NAMES = 50;
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * Operation names come from clients, so an attacker could make one time series per request. Registered
 * (trusted) documents' names are always kept; other well-formed names up to MAX_OPERATION_NAMES, first come.
 */
export class OperationNames {
  readonly #known = new Set<string>();
  readonly #registered = new Set<string>();

  register(names: Iterable<string>): void {
    for (const name of names) this.#registered.add(name);
  }

  label(name: string | null | undefined): string {
    if (!name) return 'anonymous';
    if (this.#registered.has(name) || this.#known.has(name)) return name;
    if (!OPERATION_NAME.test(name) || this.#known.size >= MAX_OPERATION_NAMES) return 'other';
    this.#known.add(name);
    return name;
  }
}

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly operations = new OperationNames();
  #sources: MetricSources | null = null;

  readonly requests = new Histogram({
    name: 'gateway_http_request_duration_seconds',
    help: 'HTTP requests by route, GraphQL operation and status, with their duration (count: request rate).',
    labelNames: ['route', 'operation', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'gateway_errors_total',
    help: 'Errors returned to callers, by GraphQL operation and extensions.code.',
    labelNames: ['operation', 'code'] as const,
    registers: [this.registry],
  });
  readonly upstreamCalls = new Counter({
    name: 'gateway_upstream_calls_total',
    help: 'Calls to agency systems by agency and outcome (ok, timeout, unreachable, error-status, malformed-payload, circuit-open).',
    labelNames: ['agency', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly upstreamDuration = new Histogram({
    name: 'gateway_upstream_call_duration_seconds',
    help: 'Duration of calls to agency systems that went out, by agency.',
    labelNames: ['agency'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly breaker = new Gauge({
    name: 'gateway_upstream_breaker_state',
    help: "Each agency's circuit breaker as of its last call: 0 closed, 1 half-open, 2 open.",
    labelNames: ['agency'] as const,
    registers: [this.registry],
  });
  readonly ledgerAppend = new Histogram({
    name: 'gateway_ledger_append_duration_seconds',
    help: 'Time from handing a record to the ledger until it is committed (or fails).',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly ledgerFailures = new Counter({
    name: 'gateway_ledger_append_failures_total',
    help: 'Ledger appends that failed: the request disclosed nothing.',
    registers: [this.registry],
  });
  readonly ledgerBatch = new Histogram({
    name: 'gateway_ledger_batch_records',
    help: 'Records per ledger commit (group commit).',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    registers: [this.registry],
  });
  readonly withheld = new Counter({
    name: 'gateway_withheld_items_total',
    help: 'Data items withheld by the ISP (WITHHELD), by data item and role.',
    labelNames: ['data_item', 'role'] as const,
    registers: [this.registry],
  });
  readonly breakGlass = new Counter({
    name: 'gateway_break_glass_items_total',
    help: 'Data items disclosed under an emergency (break-glass) declaration, by data item and role.',
    labelNames: ['data_item', 'role'] as const,
    registers: [this.registry],
  });
  readonly breakGlassRequests = new Counter({
    name: 'gateway_break_glass_requests_total',
    help: 'Recorded requests made under an emergency (break-glass) declaration, by role.',
    labelNames: ['role'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'gateway_process_' });
    const sources = () => this.#sources;
    new Gauge({
      name: 'gateway_identity_index_people',
      help: 'People in the identity index.',
      registers: [this.registry],
      async collect() {
        const from = sources();
        // A database that cannot count leaves the gauge as it was: /metrics still answers, and /ready names the database.
        if (from)
          await from.indexSize().then(
            (size) => this.set(size),
            () => undefined,
          );
      },
    });
    new Gauge({
      name: 'gateway_identity_feed_age_seconds',
      help: "Seconds since each agency's identity feed last loaded; -1 if it never has.",
      labelNames: ['agency'] as const,
      registers: [this.registry],
      collect() {
        const now = Date.now();
        for (const feed of sources()?.feeds() ?? []) {
          this.set({ agency: feed.agency }, feed.refreshedAt === null ? -1 : (now - Date.parse(feed.refreshedAt)) / 1000);
        }
      },
    });
    new Gauge({
      name: 'gateway_sse_subscribers',
      help: 'Open cohortEvents subscriptions.',
      registers: [this.registry],
      collect() {
        const from = sources();
        if (from) this.set(from.subscribers());
      },
    });
  }

  /** The gateway whose index, feeds and subscribers the gauges report (the latest created in this process). */
  watch(sources: MetricSources): void {
    this.#sources = sources;
  }

  upstreamEnded(agency: string, outcome: UpstreamOutcome, breaker: keyof typeof BREAKER_VALUE, seconds: number | null): void {
    this.upstreamCalls.inc({ agency, outcome });
    if (seconds !== null) this.upstreamDuration.observe({ agency }, seconds);
    this.breaker.set({ agency }, BREAKER_VALUE[breaker]);
  }

  /** A committed record's WITHHELD and break-glass items: data items and roles, never whom they were about. */
  recorded(record: DisclosureRecordInput): void {
    const { role } = record.principal;
    if (record.emergency === true) this.breakGlassRequests.inc({ role });
    // Counted per data item first: a page withholds the same few items from many people, and each inc hashes its labels.
    const withheld = new Map<string, number>();
    const breakGlass = new Map<string, number>();
    for (const subject of record.subjects) {
      for (const item of subject.withheld) {
        // An agency that could not be read is not the ISP withholding (docs/adr/0091).
        if (!item.reason.startsWith('agency-unavailable:')) withheld.set(item.dataItem, (withheld.get(item.dataItem) ?? 0) + 1);
      }
      if (record.emergency === true) for (const item of subject.disclosed) breakGlass.set(item.dataItem, (breakGlass.get(item.dataItem) ?? 0) + 1);
    }
    for (const [dataItem, n] of withheld) this.withheld.inc({ data_item: dataItem, role }, n);
    for (const [dataItem, n] of breakGlass) this.breakGlass.inc({ data_item: dataItem, role }, n);
  }
}

/** The process's metrics: Prometheus scrapes a process, and the ledger, agencies and requests all report here. */
export const metrics = new GatewayMetrics();
