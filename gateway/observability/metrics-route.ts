/**
 * GET /metrics in Prometheus text. Open in development; in production either on a port of its own (METRICS_PORT,
 * reachable only inside the platform) or behind a bearer token (METRICS_TOKEN), see gateway/config.ts.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { GatewayMetrics } from './metrics.js';

const digest = (text: string) => createHash('sha256').update(text).digest();

export function metricsRoute(metrics: GatewayMetrics, options: { token?: string } = {}): RequestHandler {
  const expected = options.token === undefined ? null : digest(`Bearer ${options.token}`);
  return async (req, res) => {
    res.setHeader('cache-control', 'no-store');
    if (expected !== null && !timingSafeEqual(digest(req.headers.authorization ?? ''), expected)) {
      res.status(401).setHeader('www-authenticate', 'Bearer realm="metrics"');
      res.json({ errors: [{ message: 'GET /metrics needs the metrics token (METRICS_TOKEN) as a bearer token.', extensions: { code: 'UNAUTHENTICATED' } }] });
      return;
    }
    res.setHeader('content-type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  };
}
