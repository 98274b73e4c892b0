/**
 * The one HTTP client every adapter uses to reach its agency: a timeout on every call,
 * a circuit breaker per agency, and a zod parse of every payload. Whatever goes wrong
 * comes back as an AgencyUnavailableError naming the agency, never as a crash.
 * Every call goes through `send`, over a pool of keep-alive connections per agency (node:http: `fetch` cost
 * five times the CPU per call, docs/adr/0140).
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { z } from 'zod';
import { CircuitBreaker } from './breaker.js';
import { AgencyUnavailableError } from './errors.js';
import { upstreamObserver } from './upstream-observer.js';

export interface UpstreamOptions {
  agency: string;
  baseUrl: string;
  timeoutMs: number;
  breaker?: CircuitBreaker;
}

/** An answer larger than this is a broken or hostile agency, not a record set: it is refused, not buffered. */
export const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

/** Connections kept open per agency; requests beyond wait for one, within their own timeout. */
const MAX_CONNECTIONS = 64;

/** Why an exchange ended early, for the caller's AgencyUnavailableError. */
class ExchangeFailure extends Error {
  constructor(readonly reason: 'timeout' | 'too-large') {
    super(reason);
  }
}

interface Answer {
  status: number;
  text: string;
}

/** For reads no caller waits on (a background feed page). */
export interface CallOptions {
  /** This call's own deadline, which may be longer than a request's. */
  timeoutMs?: number;
  /**
   * Kept out of the circuit breaker: a slow background page neither opens it for requests nor, succeeding, closes it
   * while requests still fail, and is never the one trial call a resting breaker lets through.
   */
  background?: boolean;
}

export interface Upstream {
  get<T>(path: string, query: Record<string, string | number | undefined>, schema: z.ZodType<T>, options?: CallOptions): Promise<T>;
  post<T>(path: string, body: unknown, schema: z.ZodType<T>): Promise<T>;
  readonly breaker: CircuitBreaker;
}

export function createUpstream(options: UpstreamOptions): Upstream {
  const { agency, timeoutMs } = options;
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const breaker = options.breaker ?? new CircuitBreaker({ failureThreshold: 5, cooldownMs: 10_000 });

  async function call<T>(method: 'GET' | 'POST', url: string, body: unknown, schema: z.ZodType<T>, options: CallOptions = {}): Promise<T> {
    const guarded = options.background !== true;
    // Metrics and traces, when the gateway watches (upstream-observer.ts): one observation per call, here because
    // the breaker's skips and state count too; `send` carries the trace's headers.
    const observed = upstreamObserver()?.start(agency, method);
    if (guarded && !breaker.allow()) {
      observed?.end('circuit-open', breaker.state);
      throw new AgencyUnavailableError(agency, 'circuit-open', 'skipped: the agency failed repeatedly and is resting');
    }
    try {
      const result = await send(method, url, body, schema, observed?.headers, options.timeoutMs ?? timeoutMs);
      if (guarded) breaker.succeeded();
      observed?.end('ok', breaker.state);
      return result;
    } catch (error) {
      if (guarded) breaker.failed();
      observed?.end(error instanceof AgencyUnavailableError ? error.reason : 'unreachable', breaker.state);
      throw error;
    }
  }

  const secure = baseUrl.startsWith('https:');
  const agent = secure
    ? new HttpsAgent({ keepAlive: true, maxSockets: MAX_CONNECTIONS, timeout: 30_000 })
    : new HttpAgent({ keepAlive: true, maxSockets: MAX_CONNECTIONS, timeout: 30_000 });

  /** One request and its whole answer, within `deadlineMs`: a server that stalls mid-body is as slow as one that never answers. */
  function exchange(
    method: 'GET' | 'POST',
    url: string,
    body: string | undefined,
    traceHeaders: Readonly<Record<string, string>> | undefined,
    deadlineMs: number,
  ): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const own: Record<string, string> =
        body === undefined
          ? { accept: 'application/json' }
          : { accept: 'application/json', 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
      const headers = traceHeaders ? { ...own, ...traceHeaders } : own;
      const req = (secure ? httpsRequest : httpRequest)(url, { method, agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) req.destroy(new ExchangeFailure('too-large'));
          else chunks.push(chunk);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks, size).toString('utf8') }));
        res.on('error', reject);
        res.on('close', () => {
          if (!res.complete) reject(new Error('the answer was cut off'));
        });
      });
      const timer = setTimeout(() => req.destroy(new ExchangeFailure('timeout')), deadlineMs);
      req.on('error', reject);
      req.on('close', () => clearTimeout(timer));
      req.end(body);
    });
  }

  async function send<T>(
    method: 'GET' | 'POST',
    url: string,
    body: unknown,
    schema: z.ZodType<T>,
    traceHeaders: Readonly<Record<string, string>> | undefined,
    deadlineMs: number,
  ): Promise<T> {
    let answer: Answer;
    try {
      answer = await exchange(method, url, body === undefined ? undefined : JSON.stringify(body), traceHeaders, deadlineMs);
    } catch (error) {
      if (error instanceof ExchangeFailure && error.reason === 'timeout') {
        throw new AgencyUnavailableError(agency, 'timeout', `no answer within ${deadlineMs} ms`);
      }
      if (error instanceof ExchangeFailure) {
        throw new AgencyUnavailableError(agency, 'malformed-payload', `the agency system answered more than ${MAX_ANSWER_BYTES} bytes`);
      }
      throw new AgencyUnavailableError(agency, 'unreachable', 'the agency system could not be reached');
    }
    if (answer.status < 200 || answer.status > 299) {
      throw new AgencyUnavailableError(agency, 'error-status', `the agency system answered HTTP ${answer.status}`, answer.status);
    }
    let json: unknown;
    try {
      json = JSON.parse(answer.text);
    } catch {
      throw new AgencyUnavailableError(agency, 'malformed-payload', 'the agency system answered with something that is not JSON');
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      const where = first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'unknown';
      throw new AgencyUnavailableError(agency, 'malformed-payload', `the agency system's answer does not match its contract (${where})`);
    }
    return parsed.data;
  }

  return {
    breaker,
    get(path, query, schema, options) {
      const url = new URL(baseUrl + path);
      for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, String(value));
      return call('GET', url.toString(), undefined, schema, options);
    },
    post(path, body, schema) {
      return call('POST', baseUrl + path, body, schema);
    },
  };
}
