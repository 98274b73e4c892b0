/**
 * Nunjucks with GOV.UK Frontend's templates, and the assets the pages need, bundled and served by the gateway
 * under /console/assets: no page asks anything of another origin (partner networks often cannot reach a CDN).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Response } from 'express';
import nunjucks from 'nunjucks';

const govukDist = join(dirname(createRequire(import.meta.url).resolve('govuk-frontend/package.json')), 'dist');
const here = dirname(fileURLToPath(import.meta.url));

export const views = nunjucks.configure([join(here, 'views'), govukDist], { autoescape: true, throwOnUndefined: false, noCache: false });

/** GOV.UK Frontend's stylesheet names its fonts and images under /assets; here they live under /console/assets. */
const stylesheet = readFileSync(join(govukDist, 'govuk', 'govuk-frontend.min.css'), 'utf8').replaceAll('url(/assets/', 'url(/console/assets/');
const consoleStylesheet = readFileSync(join(here, 'console.css'), 'utf8');

export function assetsRouter(): express.Router {
  const router = express.Router();
  const css = (text: string) => (_req: express.Request, res: Response) => {
    res.type('text/css').setHeader('cache-control', 'public, max-age=3600');
    res.send(text);
  };
  router.get('/govuk-frontend.min.css', css(stylesheet));
  router.get('/console.css', css(consoleStylesheet));
  router.use(express.static(join(govukDist, 'govuk', 'assets'), { index: false, maxAge: '1d' }));
  return router;
}

/** Every page: no caching (they show the ledger), no framing, nothing loaded from elsewhere, scripts only by nonce. */
export function render(res: Response, template: string, context: Record<string, unknown>, status = 200): void {
  const nonce = randomBytes(16).toString('base64');
  // Signing out posts to the console, which sends the browser on to the identity provider.
  const formAction = typeof res.locals.identityProviderOrigin === 'string' ? ` ${res.locals.identityProviderOrigin}` : '';
  res.status(status);
  res.setHeader('cache-control', 'no-store');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'same-origin');
  res.setHeader(
    'content-security-policy',
    `default-src 'self'; script-src 'nonce-${nonce}'; style-src 'self'; img-src 'self' data:; font-src 'self'; form-action 'self'${formAction}; frame-ancestors 'none'; base-uri 'none'`,
  );
  res.type('html').send(views.render(template, { ...context, cspNonce: nonce }));
}
