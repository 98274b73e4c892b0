/**
 * The development identity provider: a real OpenID Connect provider (`oidc-provider`) whose sign-in page lets a
 * person choose one of the synthetic staff of each ISP role. It signs with the local issuer's key under the same
 * issuer name (gateway/authentication/local-issuer.ts), so the console's sign-ins and `npm run token`'s tokens
 * come from one issuer. Development only: it refuses NODE_ENV=production.
 */
import { randomBytes } from 'node:crypto';
import express from 'express';
import type { JWK } from 'jose';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { refuseInProduction } from '../authentication/local-issuer.js';
import type { RoleCatalogue } from '../authentication/principal.js';
import { memoryAdapters } from './memory-adapter.js';
import { devStaff, type StaffAccount } from './staff.js';

/** The console's client at the development provider: public, authorization code with PKCE. */
export const CONSOLE_CLIENT_ID = 'partnership-console';

export interface DevIdpOptions {
  issuer: string;
  catalogue: RoleCatalogue;
  /** The local issuer's private signing key. */
  signingKey: JWK;
  /** Where the console may be sent back to after sign-in, e.g. http://localhost:4000/console/callback. */
  redirectUris: readonly string[];
  /** Where the console may be sent back to after sign-out. */
  postLogoutRedirectUris: readonly string[];
}

/** An express app serving the provider at its root. */
export function createDevIdp(options: DevIdpOptions): { app: express.Express; staff: readonly StaffAccount[] } {
  refuseInProduction('the development identity provider');
  const staff = devStaff(options.catalogue);
  const bySub = new Map(staff.map((account) => [account.sub, account]));
  const configuration: Configuration = {
    adapter: memoryAdapters(),
    clients: [
      {
        client_id: CONSOLE_CLIENT_ID,
        token_endpoint_auth_method: 'none',
        // The one key is the local issuer's ES256 key.
        id_token_signed_response_alg: 'ES256',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: [...options.redirectUris],
        post_logout_redirect_uris: [...options.postLogoutRedirectUris],
      },
    ],
    jwks: { keys: [options.signingKey] },
    // Cookies signed with a key of this process: a restart signs everyone out of the provider, nothing more.
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    claims: { openid: ['sub'], profile: ['name', 'agency', 'role'] },
    // The console reads who signed in from the ID token alone.
    conformIdTokenClaims: false,
    findAccount: (_ctx, sub) => {
      const account = bySub.get(sub);
      if (account === undefined) return undefined;
      return { accountId: sub, claims: () => ({ sub, name: account.name, agency: account.agency, role: account.role }) };
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        // Plain pages of its own: the defaults load a web font from another origin.
        logoutSource: (ctx, form) => {
          ctx.type = 'html';
          ctx.body = page(
            'Sign out',
            `<h1>Sign out of the development identity provider?</h1>${form}<button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button> <button type="submit" form="op.logoutForm">No, stay signed in</button>`,
          );
        },
        postLogoutSuccessSource: (ctx) => {
          ctx.type = 'html';
          ctx.body = page('Signed out', '<h1>You have signed out</h1>');
        },
      },
    },
    // The console is the partnership's own application: no consent screen.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const { client, session, provider } = ctx.oidc;
      if (client === undefined || session?.accountId === undefined) return undefined;
      const existing = session.grantIdFor(client.clientId);
      if (existing !== undefined) return provider.Grant.find(existing);
      const grant = new provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope('openid profile');
      await grant.save();
      return grant;
    },
    // Its own plain error page: the default one loads a web font from another origin.
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page('Sign-in error', `<h1>Sign-in error</h1><p>${html(String(out.error))}: ${html(String(out.error_description ?? ''))}</p>`);
    },
    ttl: { IdToken: 3600, Session: 8 * 3600, Interaction: 600, Grant: 8 * 3600, AccessToken: 3600, AuthorizationCode: 60 },
  };
  const provider = new Provider(options.issuer, configuration);
  const app = express();
  app.disable('x-powered-by');

  app.get('/interaction/:uid', async (req, res, next) => {
    try {
      const details = await provider.interactionDetails(req, res);
      res.type('html').send(signInPage(details.uid, staff));
    } catch (error) {
      next(error);
    }
  });
  app.post('/interaction/:uid', express.urlencoded({ extended: false, limit: '4kb' }), async (req, res, next) => {
    try {
      const details = await provider.interactionDetails(req, res);
      const chosen = typeof req.body?.account === 'string' ? bySub.get(req.body.account) : undefined;
      if (chosen === undefined) {
        res
          .status(400)
          .type('html')
          .send(signInPage(details.uid, staff, 'Choose who to sign in as'));
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: chosen.sub } }, { mergeWithLastSubmission: false });
    } catch (error) {
      next(error);
    }
  });
  app.use(provider.callback());
  return { app, staff };
}

const html = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const STYLE =
  'body{font-family:arial,sans-serif;margin:2rem;max-width:48rem;color:#0b0c0c}fieldset{margin:0 0 1rem;border:1px solid #b1b4b6}legend{font-weight:bold}.option{margin:.25rem 0}.error{color:#d4351c;font-weight:bold}button{font-size:1.1rem;padding:.5rem 1rem;background:#00703c;color:#fff;border:0}:focus{outline:3px solid #fd0}';

/** One plain, accessible page of the provider's own. */
function page(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(title)} - development identity provider</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

/** The sign-in page: one radio button per member of staff, grouped by role. */
function signInPage(uid: string, staff: readonly StaffAccount[], error?: string): string {
  const roles = [...new Set(staff.map((account) => account.role))];
  const groups = roles
    .map((role) => {
      const options = staff
        .filter((account) => account.role === role)
        .map(
          (account) =>
            `<div class="option"><input type="radio" name="account" id="account-${html(account.sub)}" value="${html(account.sub)}">` +
            `<label for="account-${html(account.sub)}">${html(account.name)} (${html(account.sub)}, ${html(account.agency)})</label></div>`,
        )
        .join('');
      return `<fieldset><legend>${html(role)}</legend>${options}</fieldset>`;
    })
    .join('');
  return page(
    'Sign in',
    `<h1>Sign in (development identity provider)</h1><p>Synthetic staff only. Choose who to sign in as.</p>
${error ? `<p class="error" role="alert">${html(error)}</p>` : ''}
<form method="post" action="/interaction/${html(uid)}">${groups}<button type="submit">Sign in</button></form>`,
  );
}
