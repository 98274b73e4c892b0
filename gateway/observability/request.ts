/**
 * Each HTTP request observed once, at the edge of the express app: its request id (the caller's X-Request-Id when
 * sensible, else a new one; the same id the ledger records), a root span when tracing is on, one log line and its
 * metrics when it ends. The GraphQL plugin (graphql-plugin.ts) fills in what only GraphQL knows.
 */
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from './logging.js';
import type { GatewayMetrics } from './metrics.js';
import { type Span, SpanStatusCode, startRequestSpan, withSpan } from './tracing.js';

/** What one request's log line, metrics and root span say about it, filled in as the request goes. */
export interface RequestObservation {
  requestId: string;
  route: string;
  operation: string | null;
  userId: string | null;
  /** extensions.code of every error in the answer, distinct. */
  codes: string[];
  documentId: string | null;
  span: Span | null;
  /** The policy step's span, ended when the result is ready if the step itself could not end it. */
  policySpan: Span | null;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** The express routes, as label values: a path is never one (it could carry an identifier). */
const ROUTES = ['/graphql', '/audit', '/ledger', '/health', '/ready', '/metrics'];

export function routeOf(path: string): string {
  return ROUTES.find((route) => path === route || path.startsWith(`${route}/`) || path.startsWith(`${route}?`)) ?? 'other';
}

/** The code an answer refused before GraphQL carries, by its status (the edge's refusals, authentication). */
const CODE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  431: 'HEADERS_TOO_LARGE',
};

export function observationOf(res: unknown): RequestObservation | undefined {
  return (res as { locals?: { observation?: RequestObservation } } | undefined)?.locals?.observation;
}

const IGNORED = new Set(['/health', '/ready', '/metrics']);

export function observeRequests(options: { logger: Logger; metrics: GatewayMetrics }): RequestHandler {
  const { metrics } = options;
  const begin: RequestHandler = (req, res, next) => {
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    // The GraphQL path and the audit routes read the id from this header (requestIdOf): one id for log, trace and ledger.
    req.headers['x-request-id'] = requestId;
    res.setHeader('x-request-id', requestId);
    const route = routeOf(req.path);
    const observation: RequestObservation = {
      requestId,
      route,
      operation: null,
      userId: null,
      codes: [],
      documentId: null,
      span: startRequestSpan(`${req.method} ${route}`, req.headers, requestId),
      policySpan: null,
    };
    res.locals.observation = observation;
    const started = performance.now();
    res.once('close', () => {
      const status = res.statusCode;
      const operation = metrics.operations.label(observation.operation);
      if (observation.codes.length === 0 && status >= 400) observation.codes.push(CODE_BY_STATUS[status] ?? `HTTP_${status}`);
      metrics.requests.observe({ route, operation, status: String(status) }, (performance.now() - started) / 1000);
      for (const code of observation.codes) metrics.errors.inc({ operation, code });
      const { span } = observation;
      if (span) {
        span.setAttributes({ 'http.route': route, 'http.response.status_code': status, 'graphql.operation.name': operation });
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      }
      if (IGNORED.has(route)) return;
      // Written here rather than by pino-http, which made three child loggers a request to write the same line.
      const failed = status >= 500;
      options.logger[failed ? 'warn' : 'info'](
        {
          requestId,
          req: { method: req.method, route },
          res: { status },
          durationMs: Math.round(performance.now() - started),
          traceId: span?.spanContext().traceId ?? null,
          userId: observation.userId,
          operation: observation.operation === null ? null : operation,
          ...(observation.codes.length > 0 ? { codes: observation.codes } : {}),
          ...(observation.documentId ? { documentId: observation.documentId } : {}),
          // As pino-http wrote it, for alerts that key on it.
          ...(failed ? { err: new Error(`failed with status code ${status}`) } : {}),
        },
        failed ? 'request failed' : 'request',
      );
    });
    next();
  };
  return begin;
}

/** Makes the request's root span the active one for what follows (mounted after the body is read, which loses it). */
export const activateTrace: RequestHandler = (_req, res, next) => {
  const span = observationOf(res)?.span;
  if (span) withSpan(span, next);
  else next();
};
