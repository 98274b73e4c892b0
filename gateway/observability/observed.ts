/**
 * The gateway's dependencies as the request path sees them, observed: the authenticator and the ledger each in a
 * span of their own, the ledger's appends timed and counted, and every call to an agency timed, counted and traced
 * through the kit's one hook (adapters/kit/upstream-observer.ts), with one log line when an agency's breaker changes.
 */
import { observeUpstream } from '../../adapters/kit/upstream-observer.js';
import type { Authenticator } from '../authentication/authenticator.js';
import type { Ledger } from '../ledger/index.js';
import type { Logger } from './logging.js';
import type { GatewayMetrics } from './metrics.js';
import { SpanKind, SpanStatusCode, startChildSpan, traced, traceHeaders } from './tracing.js';

export function observedAuthenticator(authenticator: Authenticator): Authenticator {
  return { authenticate: (header) => traced('gateway.authenticate', () => authenticator.authenticate(header)) };
}

/** The same ledger, its appends in a `ledger.commit` span and in the metrics. */
export function observedLedger(ledger: Ledger, metrics: GatewayMetrics): Ledger {
  const append: Ledger['append'] = async (record) => {
    const started = performance.now();
    try {
      const appended = await traced('ledger.commit', () => ledger.append(record));
      metrics.ledgerAppend.observe((performance.now() - started) / 1000);
      metrics.recorded(record);
      return appended;
    } catch (error) {
      metrics.ledgerAppend.observe((performance.now() - started) / 1000);
      metrics.ledgerFailures.inc();
      throw error;
    }
  };
  // A proxy, not a copy: the ledger is a class with private state, and its other methods stay its own.
  return new Proxy(ledger, {
    get(target, key) {
      if (key === 'append') return append;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Installs the process's agency-call observer: metrics always, a span when the call is part of a traced request. */
export function observeAgencies(metrics: GatewayMetrics, logger: Logger): void {
  const breakers = new Map<string, string>();
  observeUpstream({
    start(agency, method) {
      const started = performance.now();
      const span = startChildSpan(`${method} ${agency}`, SpanKind.CLIENT, { 'gateway.agency': agency, 'http.request.method': method });
      return {
        headers: span ? traceHeaders(span) : undefined,
        end(outcome, breaker) {
          metrics.upstreamEnded(agency, outcome, breaker, outcome === 'circuit-open' ? null : (performance.now() - started) / 1000);
          if (span) {
            span.setAttribute('gateway.outcome', outcome);
            if (outcome !== 'ok') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
            span.end();
          }
          const before = breakers.get(agency) ?? 'closed';
          if (before !== breaker) {
            breakers.set(agency, breaker);
            logger[breaker === 'closed' ? 'info' : 'warn']({ agency, breaker, outcome }, `agency ${agency}: circuit breaker ${breaker}`);
          }
        },
      };
    },
  });
}
