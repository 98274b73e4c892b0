/**
 * The IG console at /console: server-rendered pages (Nunjucks, GOV.UK Frontend) over the disclosure ledger, for
 * information governance officers signed in through OpenID Connect. Works without JavaScript; every view has its own
 * URL. Each page that shows the ledger is recorded in it as an audit before it is sent, like the GraphQL audit
 * queries; each triage decision as an alteration of the alert-triage register.
 */
import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { AUDIT_PURPOSE, type AuditScope, auditRefusal, auditScopeOf } from '../audit/gate.js';
import { AlertTriage } from '../audit/triage.js';
import type { RoleCatalogue } from '../authentication/principal.js';
import type { IdentityIndex } from '../identity/index-of-people.js';
import { type Ledger, LedgerUnavailableError } from '../ledger/index.js';
import type { LedgerStore } from '../ledger/store.js';
import type { CompiledPolicy, LoadedPolicy } from '../policy/index.js';
import { navigationFor, type PageContext } from './navigation.js';
import { type ConsolePages, pages } from './pages.js';
import { assetsRouter, render } from './render.js';
import { type ConsoleSession, ConsoleSessions, cookieValue, csrfMatches, SESSION_COOKIE, SIGN_IN_COOKIE, SIGN_IN_SECONDS } from './sessions.js';
import { ConsoleSignIn, IdentityProviderUnreachable, type SignInSettings } from './sign-in.js';

export interface ConsoleOptions {
  ledger: Ledger;
  /** The gateway's database: sessions, sign-ins and triage live beside the ledger. */
  database: LedgerStore;
  /** The ISP as loaded (the reader shows it) and as compiled (who may audit). */
  isp: LoadedPolicy;
  policy: CompiledPolicy;
  index: () => IdentityIndex;
  signIn: SignInSettings;
  /** Secure cookies: on in production, where the console is served over HTTPS. */
  secureCookies: boolean;
  clock?: () => Date;
}

/** The page to return to after sign-in is kept with the sign-in; a longer one is not a console page anyone links to. */
const MAX_RETURN_TO = 512;

/** Where to send the officer after sign-in: a console page on this gateway, or the console's start. */
export function returnToAfterSignIn(asked: unknown): string {
  return typeof asked === 'string' && asked.length <= MAX_RETURN_TO && /^\/console(\/[\w\-./?=&%]*)?$/.test(asked) ? asked : '/console';
}

const formBody = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 });

export async function openConsole(options: ConsoleOptions): Promise<express.Router> {
  const sessions = await ConsoleSessions.open(options.database);
  const triage = await AlertTriage.open(options.database, options.ledger);
  const catalogue: RoleCatalogue = options.isp;
  const signIn = new ConsoleSignIn(options.signIn, catalogue);
  const handlers: ConsolePages = pages({ ...options, triage, now: options.clock ?? (() => new Date()) });
  const router = express.Router();
  const cookie = (token: string, maxAgeSeconds: number, name = SESSION_COOKIE) =>
    `${name}=${token}; Path=/console; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${options.secureCookies ? '; Secure' : ''}`;

  const message = (req: Request, res: Response, status: number, title: string, paragraphs: string[], link?: { href: string; text: string }) =>
    render(
      res,
      'message.njk',
      {
        title,
        paragraphs,
        link,
        navigation: navigationFor(req.originalUrl.split('?')[0] ?? ''),
        user: res.locals.session?.principal,
        csrfToken: res.locals.session?.csrfToken,
        scope: res.locals.scope,
      },
      status,
    );

  /** A ledger that cannot record or be read shows nothing and says so; anything else, a plain error page. */
  const failed = (error: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof LedgerUnavailableError) {
      message(req, res, 503, 'The disclosure ledger is unavailable', [
        'The ledger could not record or read this page, so nothing from it is shown. Try again shortly.',
      ]);
      return;
    }
    if (clientErrorStatus(error) !== undefined) {
      next(error);
      return;
    }
    process.emitWarning(`console ${req.method} ${req.path} failed: ${error instanceof Error ? error.message : String(error)}`, 'ConsoleWarning');
    next(error);
  };

  const page =
    (handler: (req: Request, res: Response, context: PageContext) => Promise<void>) =>
    (req: Request, res: Response, next: NextFunction): void => {
      const context: PageContext = { session: res.locals.session as ConsoleSession, scope: res.locals.scope as AuditScope, requestId: randomUUID() };
      handler(req, res, context).catch((error: unknown) => failed(error, req, res, next));
    };

  /** True when the request comes from a signed-in IG officer (and a form carries the session's CSRF token); otherwise answered here. */
  const admitted = async (req: Request, res: Response): Promise<boolean> => {
    const session = await sessions.find(cookieValue(req.headers.cookie, SESSION_COOKIE));
    if (session === null) {
      if (req.method === 'GET') {
        res.redirect(303, `/console/sign-in?returnTo=${encodeURIComponent(req.originalUrl)}`);
      } else {
        message(req, res, 401, 'You are not signed in', ['Your session has ended. Sign in again, then repeat what you were doing.'], {
          href: '/console/sign-in',
          text: 'Sign in',
        });
      }
      return false;
    }
    res.locals.session = session;
    res.locals.scope = auditScopeOf(session.principal, options.policy);
    // Checked on every request: an ISP changed since sign-in takes effect at once.
    const refusal = auditRefusal(session.principal.role, AUDIT_PURPOSE, options.policy);
    if (refusal) {
      message(req, res, 403, 'You cannot use this console', [refusal.message]);
      return false;
    }
    if (req.method === 'POST') {
      await new Promise<void>((resolve, reject) =>
        formBody(req, res, (error?: unknown) => (error === undefined || error === null ? resolve() : reject(error))),
      );
      if (!csrfMatches(session, (req.body as Record<string, unknown> | undefined)?._csrf)) {
        message(req, res, 403, 'This form has expired', ['The form was not sent from this session of the console. Go back, reload the page and try again.']);
        return false;
      }
    } else if (req.method !== 'GET' && req.method !== 'HEAD') {
      message(req, res, 405, 'Not allowed', ['The console reads with GET and changes things with forms.']);
      return false;
    }
    return true;
  };

  router.use((_req, res, next) => {
    res.locals.identityProviderOrigin = signIn.issuerOrigin;
    next();
  });
  router.use('/assets', assetsRouter());
  // Assets need no sign-in, and neither does being told one is missing.
  router.use('/assets', (req, res) => message(req, res, 404, 'Page not found', ['There is no console file at this address.']));

  router.get(
    '/sign-in',
    page(async (req, res) => {
      const returnTo = returnToAfterSignIn(req.query.returnTo);
      const started = await signIn.start().catch((error: unknown) => {
        message(req, res, 503, 'Sign-in is unavailable', [
          error instanceof Error ? `${error.message}.` : 'The identity provider did not answer.',
          'Try again shortly.',
        ]);
        return null;
      });
      if (started === null) return;
      const browser = await sessions.beginSignIn(started.state, started.codeVerifier, started.nonce, returnTo);
      res.setHeader('set-cookie', cookie(browser, SIGN_IN_SECONDS, SIGN_IN_COOKIE));
      res.redirect(303, started.url.toString());
    }),
  );

  router.get(
    '/callback',
    page(async (req, res) => {
      const state = typeof req.query.state === 'string' ? req.query.state : '';
      const pending = state === '' ? null : await sessions.finishSignIn(state, cookieValue(req.headers.cookie, SIGN_IN_COOKIE));
      res.setHeader('set-cookie', cookie('', 0, SIGN_IN_COOKIE));
      if (pending === 'other-browser') {
        message(
          req,
          res,
          400,
          'Sign-in did not complete',
          ['This sign-in was started in another browser, or this browser did not keep its sign-in cookie. Start again here.'],
          { href: '/console/sign-in', text: 'Sign in again' },
        );
        return;
      }
      if (pending === null) {
        message(req, res, 400, 'Sign-in did not complete', ['This sign-in link has expired or was already used.'], {
          href: '/console/sign-in',
          text: 'Sign in again',
        });
        return;
      }
      const current = new URL(req.originalUrl, signIn.callbackUrl);
      const finished = await signIn.finish(current, { ...pending, state }).catch((error: unknown) => ({
        ok: false as const,
        reason: error instanceof Error ? error.message : String(error),
        unreachable: error instanceof IdentityProviderUnreachable,
      }));
      if (!finished.ok && 'unreachable' in finished && finished.unreachable) {
        message(
          req,
          res,
          503,
          'Sign-in is unavailable',
          [`Sign-in is unavailable: the identity provider ${signIn.settings.issuer} could not be reached.`, 'Try again shortly, then sign in again.'],
          { href: '/console/sign-in', text: 'Sign in again' },
        );
        return;
      }
      if (!finished.ok) {
        message(req, res, 401, 'Sign-in did not complete', [`The identity provider's answer was not accepted: ${finished.reason}.`], {
          href: '/console/sign-in',
          text: 'Sign in again',
        });
        return;
      }
      const refusal = auditRefusal(finished.principal.role, AUDIT_PURPOSE, options.policy);
      if (refusal) {
        message(req, res, 403, 'You cannot use this console', [
          `The console is for information governance officers. You signed in as ${finished.principal.displayName}, ${finished.principal.role} (${finished.principal.agency}).`,
          'Use your own case management application to work with people; ask your IG officer if you need to see the disclosure ledger.',
        ]);
        return;
      }
      const { token, session } = await sessions.create(finished.principal, finished.idToken);
      res.setHeader('set-cookie', [cookie('', 0, SIGN_IN_COOKIE), cookie(token, Math.floor((session.expiresAt.getTime() - Date.now()) / 1000))]);
      res.redirect(303, pending.returnTo);
    }),
  );

  router.get('/signed-out', (req, res) => {
    message(req, res, 200, 'You have signed out', ['You have signed out of the console.'], { href: '/console/sign-in', text: 'Sign in again' });
  });

  // Everything below needs a signed-in IG officer; every form, the session's CSRF token.
  router.use((req, res, next) => {
    admitted(req, res).then(
      (ok) => {
        if (ok) next();
      },
      (error: unknown) => failed(error, req, res, next),
    );
  });

  router.post(
    '/sign-out',
    page(async (req, res, { session }) => {
      await sessions.end(cookieValue(req.headers.cookie, SESSION_COOKIE));
      res.setHeader('set-cookie', cookie('', 0));
      const url = await signIn.endSessionUrl(session.idToken).catch(() => '/console/signed-out');
      res.redirect(303, url);
    }),
  );

  router.get('/', page(handlers.dashboard));
  router.get('/people', page(handlers.people));
  router.get('/access-report', page(handlers.accessReport));
  router.get('/access-report/print', page(handlers.accessReportPrint));
  router.get('/access-report.csv', page(handlers.accessReportCsv));
  router.get('/disclosures', page(handlers.disclosures));
  router.get('/disclosures/export', page(handlers.disclosuresExport));
  router.get('/disclosures/:sequence', page(handlers.record));
  router.get('/alerts', page(handlers.alerts));
  router.get('/alerts/:key', page(handlers.alert));
  router.post('/alerts/:key', page(handlers.triage));
  router.get('/integrity', page(handlers.integrity));
  // The whole chain is a form: a link from another site must not set an officer's browser verifying a million records.
  router.post('/integrity', page(handlers.integrity));
  router.get('/isp', page(handlers.isp));
  router.use((req, res) =>
    message(req, res, 404, 'Page not found', ['There is no console page at this address.'], { href: '/console', text: 'Go to the dashboard' }),
  );
  router.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = clientErrorStatus(error);
    if (status !== undefined) {
      const [title, paragraph] = CLIENT_ERRORS[status] ?? CLIENT_ERRORS[400] ?? ['', ''];
      message(req, res, status, title, [paragraph], { href: '/console', text: 'Go to the dashboard' });
      return;
    }
    message(req, res, 500, 'Sorry, there is a problem with the console', ['Try again later.']);
  });
  return router;
}

/** What a person can do about a request the console could not take (a form too long, an unreadable charset, a bad address). */
const CLIENT_ERRORS: Record<number, [string, string]> = {
  400: ['The request could not be read', 'The address or form was damaged on the way. Go back, reload the page and try again.'],
  404: ['Page not found', 'There is no console page at this address.'],
  413: [
    'What you sent is too long',
    'The form was too long or had too many fields for the console. Shorten the note to under 2,000 characters and send it again.',
  ],
  415: ['The form could not be read', 'The form was sent in an encoding the console does not read. Send it from a browser, as UTF-8.'],
};

/** The status of an error that is the request's fault (body-parser's and the static files' errors carry one), if it is. */
function clientErrorStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, statusCode } = error as { status?: unknown; statusCode?: unknown };
  const code = typeof status === 'number' ? status : statusCode;
  return typeof code === 'number' && code >= 400 && code < 500 ? code : undefined;
}
