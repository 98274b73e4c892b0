/**
 * The one HTTP client every adapter uses to reach its agency: a timeout on every call,
 * a circuit breaker per agency, and a zod parse of every payload. Whatever goes wrong
 * comes back as an AgencyUnavailableError naming the agency, never as a crash.
 */
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

export interface Upstream {
  get<T>(path: string, query: Record<string, string | number | undefined>, schema: z.ZodType<T>): Promise<T>;
  post<T>(path: string, body: unknown, schema: z.ZodType<T>): Promise<T>;
  readonly breaker: CircuitBreaker;
}

export function createUpstream(options: UpstreamOptions): Upstream {
  const { agency, timeoutMs } = options;
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const breaker = options.breaker ?? new CircuitBreaker({ failureThreshold: 5, cooldownMs: 10_000 });

  async function call<T>(method: 'GET' | 'POST', url: string, body: unknown, schema: z.ZodType<T>): Promise<T> {
    // Metrics and traces, when the gateway watches (upstream-observer.ts): one call, one observation.
    const observed = upstreamObserver()?.start(agency, method);
    if (!breaker.allow()) {
      observed?.end('circuit-open', breaker.state);
      throw new AgencyUnavailableError(agency, 'circuit-open', 'skipped: the agency failed repeatedly and is resting');
    }
    try {
      const result = await send(method, url, body, schema, observed?.headers);
      breaker.succeeded();
      observed?.end('ok', breaker.state);
      return result;
    } catch (error) {
      breaker.failed();
      observed?.end(error instanceof AgencyUnavailableError ? error.reason : 'unreachable', breaker.state);
      throw error;
    }
  }

  async function send<T>(
    method: 'GET' | 'POST',
    url: string,
    body: unknown,
    schema: z.ZodType<T>,
    extraHeaders: Readonly<Record<string, string>> | undefined,
  ): Promise<T> {
    let response: Response;
    let text: string;
    try {
      const headers: Record<string, string> =
        body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' };
      response = await fetch(url, {
        method,
        headers: extraHeaders ? { ...headers, ...extraHeaders } : headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      // The body read is inside the timeout too: a server that stalls mid-body is as slow as one that never answers.
      text = await response.text();
    } catch (error) {
      if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
        throw new AgencyUnavailableError(agency, 'timeout', `no answer within ${timeoutMs} ms`);
      }
      throw new AgencyUnavailableError(agency, 'unreachable', 'the agency system could not be reached');
    }
    if (!response.ok) {
      throw new AgencyUnavailableError(agency, 'error-status', `the agency system answered HTTP ${response.status}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
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
    get(path, query, schema) {
      const url = new URL(baseUrl + path);
      for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, String(value));
      return call('GET', url.toString(), undefined, schema);
    },
    post(path, body, schema) {
      return call('POST', baseUrl + path, body, schema);
    },
  };
}
