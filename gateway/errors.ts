/**
 * The one error shape clients see: a sentence a person can act on and a stable `extensions.code`.
 */
import { GraphQLError, type GraphQLErrorOptions } from 'graphql';
import { type MaskError, maskError } from 'graphql-yoga';
import { LedgerUnavailableError } from './ledger/errors.js';

export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'AUTHENTICATION_UNAVAILABLE'
  | 'PURPOSE_REQUIRED'
  | 'PURPOSE_NOT_PERMITTED'
  | 'JUSTIFICATION_REQUIRED'
  | 'FORBIDDEN'
  | 'WITHHELD'
  | 'AGENCY_UNAVAILABLE'
  | 'LEDGER_UNAVAILABLE'
  // The ledger's checks refused the request's record: a fault in the gateway (HTTP 500), nothing disclosed.
  | 'RECORD_REFUSED'
  | 'BAD_IDENTIFIER'
  | 'BAD_USER_INPUT'
  | 'CONFLICT'
  | 'NOT_FOUND'
  // The gateway is still starting (its identity index loading): GET /ready says when to come back.
  | 'GATEWAY_STARTING'
  // Refused at the edge, before any GraphQL work.
  | 'BAD_REQUEST'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'NOT_ACCEPTABLE'
  | 'METHOD_NOT_ALLOWED'
  | 'PAYLOAD_TOO_LARGE'
  | 'HEADERS_TOO_LARGE'
  | 'RATE_LIMITED'
  // A costly operation waited too long for its turn (HTTP 503, Retry-After): nothing was run.
  | 'GATEWAY_BUSY'
  | 'LIMIT_EXCEEDED'
  | 'GRAPHQL_PARSE_FAILED'
  | 'GRAPHQL_VALIDATION_FAILED'
  // Trusted documents (gateway/documents/).
  | 'PERSISTED_DOCUMENT_NOT_FOUND'
  | 'TRUSTED_DOCUMENTS_ONLY';

/**
 * An expected refusal, with its code. No stack trace is captured: none is ever shown, and a profile with withheld
 * fields builds one per field. `located` (the field's nodes and path) spares the executor wrapping it in another.
 */
export function gatewayError(
  code: ErrorCode,
  message: string,
  extensions: Record<string, unknown> = {},
  located: Pick<GraphQLErrorOptions, 'nodes' | 'path'> = {},
): GraphQLError {
  return withoutStackTraces(() => new GraphQLError(message, { ...located, extensions: { code, ...extensions } }));
}

/**
 * What the caller is told when the ledger's own checks refused a record the gateway made (LedgerRecordError): a fault
 * in the gateway, not an outage, so trying again will not help. `consequence` says what was therefore not done.
 */
export function recordRefusedMessage(consequence: string): string {
  return `The gateway could not make a valid disclosure record of this request, so ${consequence}. This is a fault in the gateway, not an outage, and trying again will not help: report it with this request id.`;
}

/** RECORD_REFUSED (HTTP 500) for a GraphQL answer, with the request id to report. */
export function recordRefused(consequence: string, requestId: string): GraphQLError {
  return gatewayError('RECORD_REFUSED', recordRefusedMessage(consequence), { requestId, http: { status: 500 } });
}

/** Runs `work` with no stack trace captured by any error it builds: capturing one costs more than the rest of the error. */
export function withoutStackTraces<T>(work: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return work();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

const LEDGER_UNAVAILABLE_MESSAGE =
  'The gateway’s database (the disclosure ledger and the cohort register) is unavailable, so nothing that needs it was answered. Try again shortly.';

/**
 * `error` as the caller sees it if the database failed under it (down or hung anywhere on the request path: the
 * cohort look-up before a record, a register change, an event): LEDGER_UNAVAILABLE with HTTP 503 at the same path.
 * Undefined for any other error.
 */
export function namedDatabaseFailure(error: unknown): GraphQLError | undefined {
  const located = error instanceof GraphQLError ? error : undefined;
  const original = located ? located.originalError : error;
  if (!(original instanceof LedgerUnavailableError)) return undefined;
  return new GraphQLError(LEDGER_UNAVAILABLE_MESSAGE, {
    ...(located ? { nodes: located.nodes, source: located.source, positions: located.positions, path: located.path } : {}),
    extensions: { code: 'LEDGER_UNAVAILABLE', http: { status: 503 } },
  });
}

/**
 * How yoga shows an error thrown outside field resolution: a database failure is LEDGER_UNAVAILABLE, never an opaque
 * INTERNAL_SERVER_ERROR; anything else unexpected is masked as yoga masks it.
 */
export const maskGatewayError: MaskError = (error, message, isDev) => namedDatabaseFailure(error) ?? maskError(error, message, isDev);
