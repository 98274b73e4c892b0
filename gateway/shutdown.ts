/**
 * Graceful shutdown: stop accepting, let in-flight requests finish and subscriptions end cleanly, and only past the
 * drain timeout cut what is left. A response cut off after its ledger record was committed did not reach its
 * recipient, so the ledger is told: a second record with the same request id, outcome `error`, nothing disclosed.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { DisclosureRecordInput, Ledger } from './ledger/index.js';

export class Deliveries {
  /**
   * Responses not yet finished, with the last record committed for each. A subscription's stream pulls its next
   * payload only once the last is sent, so only its latest record can be undelivered.
   */
  private readonly open = new Map<ServerResponse, DisclosureRecordInput | null>();
  private cut = false;
  private settled: Promise<unknown> = Promise.resolve();

  constructor(private readonly ledger: Pick<Ledger, 'append'>) {}

  /** Express middleware: follows every response until its connection closes. */
  readonly track: RequestHandler = (_req, res, next) => {
    this.open.set(res, null);
    res.once('close', () => this.open.delete(res));
    next();
  };

  /** A record was committed for the response `res` carries (the GraphQL context's `res`). */
  recorded(res: unknown, record: DisclosureRecordInput): void {
    if (!isResponse(res)) return;
    // Committed after the drain cut its response: it will never be delivered.
    if (this.cut) this.notDelivered(record);
    else if (this.open.has(res)) this.open.set(res, record);
  }

  get inFlight(): number {
    return this.open.size;
  }

  /**
   * Stops `server` accepting, asks `endStreams` to end subscriptions (each sends what it holds, then ends), waits for
   * in-flight responses up to `timeoutMs`, then cuts what is left, telling the ledger. Resolves with how many were cut.
   */
  async drain(server: Server, timeoutMs: number, endStreams: () => void): Promise<number> {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    endStreams();
    const deadline = Date.now() + timeoutMs;
    while (this.open.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      server.closeIdleConnections();
    }
    this.cut = true;
    const left = [...this.open.values()];
    for (const record of left) if (record) this.notDelivered(record);
    server.closeAllConnections();
    await closed;
    await this.settled;
    return left.length;
  }

  /** The same request, recorded again: what it would have disclosed, now listed as not delivered. */
  private notDelivered(record: DisclosureRecordInput): void {
    const appended = this.ledger.append({
      ...record,
      occurredAt: new Date().toISOString(),
      kind: 'consultation',
      outcome: 'error',
      subjects: record.subjects.map((subject) => ({
        ...subject,
        disclosed: [],
        withheld: [...subject.withheld, ...subject.disclosed.map((item) => ({ ...item, reason: 'not-delivered:shutdown' }))],
      })),
    });
    this.settled = Promise.allSettled([this.settled, appended]);
  }
}

function isResponse(value: unknown): value is ServerResponse<IncomingMessage> {
  return typeof value === 'object' && value !== null && 'writableFinished' in value && 'destroyed' in value;
}
