/**
 * The first gate on the request path: no GraphQL work happens for a caller the gateway cannot
 * name. A refused request ends in onRequest with a 401 and a GraphQL error body, before parsing,
 * so no data can leak; an accepted one carries its Principal into the GraphQL context.
 */
import type { Plugin, YogaLogger } from 'graphql-yoga';
import { gatewayError } from '../errors.js';
import { AuthenticationError, type Authenticator, KeySetUnavailableError } from './authenticator.js';
import type { Principal } from './principal.js';
import { type RateLimiter, rateLimitedMessage } from './rate-limit.js';

/** What this plugin adds to the GraphQL context. */
export interface AuthenticatedContext {
  principal: Principal;
}

export interface AuthenticationOptions {
  /** Paths (exact URL pathnames) served without a token. Only health checks belong here. */
  publicPaths?: readonly string[];
  /** Named in the WWW-Authenticate challenge. */
  realm?: string;
  /** Requests per principal: over the limit, 429 RATE_LIMITED before any GraphQL work. */
  rateLimiter?: RateLimiter;
}

export function useAuthentication(authenticator: Authenticator, options: AuthenticationOptions = {}): Plugin<AuthenticatedContext> {
  const publicPaths = new Set(options.publicPaths ?? ['/health']);
  const realm = options.realm ?? 'partnership-gateway';
  // Filled in onRequest, read when the context is built; keyed by the request so nothing outlives it.
  const principals = new WeakMap<Request, Principal>();
  let logger: YogaLogger | Console = console;

  return {
    onYogaInit({ yoga }) {
      logger = yoga.logger;
    },
    async onRequest({ request, url, fetchAPI, endResponse }) {
      if (publicPaths.has(url.pathname)) return;
      try {
        const principal = await authenticator.authenticate(request.headers.get('authorization'));
        const decision = options.rateLimiter?.take(principal) ?? { allowed: true };
        if (!decision.allowed) {
          endResponse(tooMany(fetchAPI, rateLimitedMessage(decision, principal.role), decision.retryAfterSeconds));
          return;
        }
        principals.set(request, principal);
      } catch (error) {
        // Exceptions escaping onRequest are not caught by the server, so every failure ends here.
        if (error instanceof AuthenticationError) {
          endResponse(refusal(fetchAPI, error, realm));
        } else if (error instanceof KeySetUnavailableError) {
          // The URL and cause are for the operators; the caller learns it is an outage, and that the token may be fine.
          logger.error(error.message);
          endResponse(unavailable(fetchAPI, error.sentence));
        } else {
          logger.error('authentication failed unexpectedly', error);
          endResponse(unavailable(fetchAPI, 'The gateway could not check your token just now; try again shortly.'));
        }
      }
    },
    onContextBuilding({ context, extendContext }) {
      const principal = principals.get(context.request);
      // Fail closed: a request that reached GraphQL without a principal is never served.
      if (principal === undefined) {
        throw gatewayError('UNAUTHENTICATED', 'authentication failed: the request reached GraphQL without a verified principal');
      }
      extendContext({ principal });
    },
  };
}

/** The verified caller of the current request; throws if authentication did not run. */
export function principalOf(context: object): Principal {
  if ('principal' in context && isPrincipal(context.principal)) return context.principal;
  throw new Error('no principal in the GraphQL context: is useAuthentication in the plugin list?');
}

function isPrincipal(value: unknown): value is Principal {
  return typeof value === 'object' && value !== null && 'userId' in value && 'role' in value && 'agency' in value;
}

function refusal(fetchAPI: { Response: typeof Response }, error: AuthenticationError, realm: string): Response {
  const body = { errors: [gatewayError('UNAUTHENTICATED', `authentication failed: ${error.reason}`).toJSON()] };
  return new fetchAPI.Response(JSON.stringify(body), {
    status: 401,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'www-authenticate': challenge(realm, error),
    },
  });
}

/** RFC 6750 section 3: no error attribute when the request carried no credentials. */
function challenge(realm: string, error: AuthenticationError): string {
  const parts = [`realm="${headerText(realm)}"`];
  if (error.bearerError !== null) {
    parts.push(`error="${error.bearerError}"`, `error_description="${headerText(error.reason)}"`);
  }
  return `Bearer ${parts.join(', ')}`;
}

/** RFC 6750 allows only printable ASCII without `"` and `\` in these attributes; reasons may quote token values. */
function headerText(text: string): string {
  return text.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '?');
}

function tooMany(fetchAPI: { Response: typeof Response }, message: string, retryAfterSeconds: number): Response {
  const body = { errors: [gatewayError('RATE_LIMITED', message, { retryAfterSeconds }).toJSON()] };
  return new fetchAPI.Response(JSON.stringify(body), {
    status: 429,
    headers: { 'content-type': 'application/json; charset=utf-8', 'retry-after': String(retryAfterSeconds) },
  });
}

/** The token was not judged either way: a fault of the gateway's, named so, which the caller may retry. */
function unavailable(fetchAPI: { Response: typeof Response }, message: string): Response {
  const body = { errors: [gatewayError('AUTHENTICATION_UNAVAILABLE', message).toJSON()] };
  return new fetchAPI.Response(JSON.stringify(body), {
    status: 503,
    headers: { 'content-type': 'application/json; charset=utf-8', 'retry-after': '5' },
  });
}
