/**
 * The HTTP edge, before any GraphQL work: one set of credentials, a JSON body of bounded size, CORS only for
 * the origins configured. Everything refused here is refused with a code and a sentence, never a bare status.
 */
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { refuseHttp } from './refusal.js';

export { refuseHttp } from './refusal.js';

export interface EdgeOptions {
  /** The largest request body accepted, in bytes. */
  maxBodyBytes: number;
  /** Origins (scheme, host and port) whose browsers may call the gateway; none by default. */
  corsOrigins: readonly string[];
  /** Whether GraphiQL's page is served (for Accept: text/html). */
  graphiql: boolean;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

const CHALLENGE = 'Bearer realm="partnership-gateway", error="invalid_request"';

/**
 * Node keeps only the first of several Authorization headers, so a second one would be silently ignored:
 * which credentials count must never be ambiguous, so a request carrying more than one is refused whole.
 */
const oneCredential: RequestHandler = (req, res, next) => {
  let authorizations = 0;
  for (let index = 0; index < req.rawHeaders.length; index += 2) {
    if (req.rawHeaders[index]?.toLowerCase() === 'authorization') authorizations += 1;
  }
  if (authorizations > 1) {
    return refuseHttp(
      res,
      401,
      'UNAUTHENTICATED',
      'authentication failed: the request carries more than one Authorization header; send exactly one bearer token.',
      {
        headers: { 'www-authenticate': CHALLENGE },
      },
    );
  }
  if (req.originalUrl.includes('?') && new URL(req.originalUrl, 'http://gateway.invalid').searchParams.has('access_token')) {
    return refuseHttp(
      res,
      401,
      'UNAUTHENTICATED',
      'authentication failed: a token in the URL (access_token) is not accepted; send it in the Authorization header only.',
      {
        headers: { 'www-authenticate': CHALLENGE },
      },
    );
  }
  next();
};

/** The methods the endpoint answers; OPTIONS (CORS preflight) is answered before this. */
const knownMethods: RequestHandler = (req, res, next) => {
  if (req.method === 'GET' || req.method === 'POST') return next();
  return refuseHttp(res, 405, 'METHOD_NOT_ALLOWED', `The GraphQL endpoint answers GET and POST, not ${req.method}.`, {
    headers: { allow: 'GET, POST, OPTIONS' },
  });
};

/** GraphQL over HTTP as the gateway serves it: POST with a JSON body (GET for GraphiQL and read-only queries). */
const jsonOnly: RequestHandler = (req, res, next) => {
  if (req.method !== 'POST') return next();
  const type = req.get('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    return refuseHttp(
      res,
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      `Send the request body as JSON with "Content-Type: application/json"${type === '' ? '' : `; ${JSON.stringify(type.slice(0, 100))} is not accepted`}.`,
      {
        headers: { accept: 'application/json' },
      },
    );
  }
  // Media types are case-insensitive, yoga's match is not: in any other spelling it answered a bare 415, no code.
  req.headers['content-type'] = type.replace(/^application\/json\s*/i, 'application/json');
  next();
};

/** GET carries its request in the URL: `variables` and `extensions` there must be JSON, as in a body. */
const jsonParameters: RequestHandler = (req, res, next) => {
  if (req.method !== 'GET') return next();
  const parameters = new URL(req.originalUrl, 'http://gateway.invalid').searchParams;
  for (const name of ['variables', 'extensions']) {
    const value = parameters.get(name);
    if (value === null) continue;
    try {
      JSON.parse(value);
    } catch {
      return refuseHttp(res, 400, 'BAD_REQUEST', `The ${name} parameter of a GET request must be JSON.`);
    }
  }
  next();
};

/** Answers the gateway gives, by media type; `text/html` is GraphiQL's page, where it is served. */
function acceptable(graphiql: boolean): RequestHandler {
  const types = ['application/json', 'application/graphql-response+json', 'text/event-stream', 'multipart/mixed', 'application/*', '*/*'];
  const page = graphiql ? ['text/html', 'text/*'] : [];
  return (req, res, next) => {
    const accept = req.get('accept');
    if (accept === undefined || accept.trim() === '') return next();
    const asked = accept.split(',').map((part) => part.split(';')[0]?.trim().toLowerCase() ?? '');
    if (asked.some((type) => types.includes(type) || (req.method === 'GET' && page.includes(type)))) return next();
    return refuseHttp(
      res,
      406,
      'NOT_ACCEPTABLE',
      'The gateway answers with JSON (application/json or application/graphql-response+json) or server-sent events (text/event-stream); ask for one of those in the Accept header.',
    );
  };
}

/** Reads the body whole, up to the limit, before GraphQL sees it; yoga then takes it as already read. */
function boundedBody(maxBodyBytes: number): RequestHandler {
  return express.text({ type: () => true, limit: maxBodyBytes });
}

/**
 * The body handed on parsed, once: yoga's adapter takes a parsed JSON object or array as the request's JSON as it is,
 * where a text body had the index of every character listed (`Object.keys`, about 50 µs for a 1 kB query) before
 * yoga parsed it again. Anything else (not JSON, a bare value, `{}`) is left as text, for yoga to refuse as before.
 * An empty body is refused here, with a sentence that says so: yoga's adapter would go back to the stream express has
 * already read for it.
 */
const parsedBody: RequestHandler = (req, res, next) => {
  if (typeof req.body !== 'string') return next();
  if (req.body === '') {
    return refuseHttp(res, 400, 'BAD_REQUEST', 'The request body is empty: send a JSON object with a query (or a documentId) and its variables.');
  }
  let value: unknown;
  try {
    value = JSON.parse(req.body);
  } catch {
    return next();
  }
  if (value !== null && typeof value === 'object' && Object.keys(value).length > 0) req.body = value;
  next();
};

function bodyFaults(maxBodyBytes: number): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    const type = (error as { type?: unknown }).type;
    if (type === 'entity.too.large') {
      return refuseHttp(
        res,
        413,
        'PAYLOAD_TOO_LARGE',
        `The request body is larger than ${maxBodyBytes} bytes, the most the gateway accepts; ask for less in one request.`,
        {
          extensions: { maxBytes: maxBodyBytes },
        },
      );
    }
    if (typeof type === 'string') {
      return refuseHttp(res, 400, 'BAD_REQUEST', 'The request body could not be read (bad encoding or a broken upload); send UTF-8 JSON.');
    }
    next(error);
  };
}

const ALLOWED_HEADERS = 'authorization, content-type, accept, x-purpose, x-justification, x-request-id';

/** CORS for the configured origins only: an origin not on the list gets no CORS headers, so no browser can read. */
function cors(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  return (req, res, next) => {
    const origin = req.get('origin');
    res.vary('Origin');
    if (origin === undefined || !allowed.has(origin)) {
      if (req.method === 'OPTIONS' && origin !== undefined) {
        return refuseHttp(res, 403, 'FORBIDDEN', "This origin is not among the gateway's allowed CORS origins (CORS_ORIGINS).");
      }
      return next();
    }
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('access-control-allow-credentials', 'true');
    res.setHeader('access-control-expose-headers', 'retry-after, x-request-id');
    if (req.method === 'OPTIONS') {
      res.setHeader('access-control-allow-methods', 'GET, POST');
      res.setHeader('access-control-allow-headers', ALLOWED_HEADERS);
      res.setHeader('access-control-max-age', '600');
      return void res.status(204).end();
    }
    next();
  };
}

/** The edge for the GraphQL endpoint. */
export function graphqlEdge(options: EdgeOptions): (RequestHandler | ErrorRequestHandler)[] {
  return [
    cors(options.corsOrigins),
    knownMethods,
    oneCredential,
    acceptable(options.graphiql),
    jsonParameters,
    jsonOnly,
    boundedBody(options.maxBodyBytes),
    bodyFaults(options.maxBodyBytes),
    parsedBody,
  ];
}

/** The edge for other authenticated routes (the audit export): CORS and one credential. */
export function routeEdge(options: EdgeOptions): RequestHandler[] {
  return [cors(options.corsOrigins), oneCredential];
}
