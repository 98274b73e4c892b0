/**
 * The one error shape clients see: a sentence a person can act on and a stable `extensions.code`.
 */
import { GraphQLError } from 'graphql';

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
  | 'BAD_IDENTIFIER'
  | 'BAD_USER_INPUT'
  | 'CONFLICT'
  | 'NOT_FOUND'
  // Refused at the edge, before any GraphQL work.
  | 'BAD_REQUEST'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'PAYLOAD_TOO_LARGE'
  | 'HEADERS_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'LIMIT_EXCEEDED'
  | 'GRAPHQL_PARSE_FAILED'
  | 'GRAPHQL_VALIDATION_FAILED';

export function gatewayError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extensions } });
}
