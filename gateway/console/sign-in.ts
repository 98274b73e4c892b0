/**
 * The console as an OpenID Connect relying party (`openid-client`): authorization code with PKCE, state and nonce,
 * against the issuer the gateway trusts. The issuer's metadata is discovered on first use and again after a failure,
 * so the console starts even while the identity provider does not answer yet.
 */
import * as oidc from 'openid-client';
import { z } from 'zod';
import { type Principal, principalFromClaims, type RoleCatalogue } from '../authentication/principal.js';

export interface SignInSettings {
  /** The issuer the gateway trusts, e.g. http://localhost:4400. */
  issuer: string;
  clientId: string;
  /** The console's public base URL, e.g. http://localhost:4000: the callback is <publicUrl>/console/callback. */
  publicUrl: string;
}

export interface Started {
  url: URL;
  state: string;
  codeVerifier: string;
  nonce: string;
}

const idTokenClaims = z.looseObject({ sub: z.string() });

/** The identity provider did not answer (refused, unreachable, timed out): a failing dependency, not a bad answer. */
export class IdentityProviderUnreachable extends Error {
  constructor(issuer: string, cause: unknown) {
    super(`the identity provider ${issuer} could not be reached: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** openid-client passes fetch's network failures on as TypeError('fetch failed'), and its own timeouts with a code. */
const unreachable = (error: unknown): boolean =>
  (error instanceof TypeError && error.message === 'fetch failed') ||
  (error instanceof oidc.ClientError && (error.code === 'OAUTH_TIMEOUT' || error.code === 'OAUTH_ABORT'));

export class ConsoleSignIn {
  #configuration: Promise<oidc.Configuration> | undefined;

  constructor(
    readonly settings: SignInSettings,
    private readonly catalogue: RoleCatalogue,
  ) {}

  get callbackUrl(): string {
    return `${this.settings.publicUrl.replace(/\/+$/, '')}/console/callback`;
  }

  get issuerOrigin(): string {
    return new URL(this.settings.issuer).origin;
  }

  #configure(): Promise<oidc.Configuration> {
    this.#configuration ??= oidc
      .discovery(new URL(this.settings.issuer), this.settings.clientId, undefined, oidc.None(), {
        // A development issuer on loopback speaks plain HTTP; anything else must be HTTPS.
        execute: new URL(this.settings.issuer).protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
        timeout: 5,
      })
      .catch((error: unknown) => {
        this.#configuration = undefined;
        throw new IdentityProviderUnreachable(this.settings.issuer, error);
      });
    return this.#configuration;
  }

  async start(): Promise<Started> {
    const configuration = await this.#configure();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.callbackUrl,
      scope: 'openid profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url, state, codeVerifier, nonce };
  }

  /** Exchanges the code; the ID token's claims must name a principal the ISP knows, as a bearer token's must. */
  async finish(
    currentUrl: URL,
    checks: { state: string; codeVerifier: string; nonce: string },
  ): Promise<{ ok: true; principal: Principal; idToken: string } | { ok: false; reason: string }> {
    const configuration = await this.#configure();
    const tokens = await oidc
      .authorizationCodeGrant(configuration, currentUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      })
      .catch((error: unknown) => {
        throw unreachable(error) ? new IdentityProviderUnreachable(this.settings.issuer, error) : error;
      });
    const claims = idTokenClaims.parse(tokens.claims());
    const idToken = tokens.id_token ?? '';
    const principal = principalFromClaims({ ...claims, azp: this.settings.clientId }, this.catalogue);
    return principal.ok ? { ok: true, principal: principal.principal, idToken } : { ok: false, reason: principal.reason };
  }

  async endSessionUrl(idToken: string): Promise<string> {
    const configuration = await this.#configure();
    if (configuration.serverMetadata().end_session_endpoint === undefined) return `${this.settings.publicUrl}/console/signed-out`;
    return oidc
      .buildEndSessionUrl(configuration, {
        id_token_hint: idToken,
        post_logout_redirect_uri: `${this.settings.publicUrl.replace(/\/+$/, '')}/console/signed-out`,
      })
      .toString();
  }
}
