/**
 * The last stop of every answer, whatever produced its errors (the parser, validation, variable coercion,
 * yoga's request parsing, a resolver): each error leaves with a stable `extensions.code`, no suggestion that
 * would map fields or values the caller may not know, no internal detail, and at most ECHO_LIMIT characters of
 * anything the caller sent.
 */

import type { ExecutionResult, GraphQLFormattedError } from 'graphql';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ECHO_LIMIT } from '../bounded-text.js';
import { withoutStackTraces } from '../errors.js';

const MAX_MESSAGE = 600;

/** Quoted text in a message, with JSON-style escapes. */
const QUOTED = /"((?:[^"\\]|\\.)*)"/g;
/** graphql-js's suggestions ("Did you mean ...?"): they would map an enum or a field the caller may not see. */
const SUGGESTION = /\s*Did you mean [^?]*\?/g;
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

/**
 * graphql-js prints a literal it could not coerce unquoted, after these words, up to the end of the message or to
 * the "; " that begins what is wrong with it (which must survive the cut).
 */
const PRINTED_VALUE = /((?:value|found|represent)[:]? )(.*?)(; [A-Z][^;]*)?$/s;

function cutQuoted(message: string): string {
  return message.replace(QUOTED, (whole, inner: string) => (inner.length > ECHO_LIMIT ? `"${inner.slice(0, ECHO_LIMIT - 3)}..."` : whole));
}

function cutPrinted(message: string): string {
  return message.replace(PRINTED_VALUE, (whole, lead: string, printed: string, reason: string | undefined) =>
    printed.length > ECHO_LIMIT ? `${lead}${printed.slice(0, ECHO_LIMIT - 3)}...${reason ?? ''}` : whole,
  );
}

/** A message is cut to this before any pattern reads it, so that a megabyte echoed by graphql-js costs nothing. */
const MAX_SCANNED = 2_000;

export function disciplinedMessage(message: string): string {
  const scanned = message.length > MAX_SCANNED ? `${message.slice(0, MAX_SCANNED)}...` : message;
  const text = cutPrinted(cutQuoted(scanned.replace(SUGGESTION, ''))).replace(CONTROL, '?');
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 3)}...` : text;
}

/**
 * yoga's refusal of a document whose operation cannot be chosen ("Could not determine what operation to execute."):
 * a request at fault like any other the edge refuses, with a sentence that says what to send.
 */
const UNRESOLVED_OPERATION = 'OPERATION_RESOLUTION_FAILURE';
const UNRESOLVED_OPERATION_MESSAGE =
  'The gateway cannot tell which operation of the document to run. Send a document with an operation in it; if it has several, send operationName naming one of them; if it has one without a name, send no operationName.';

function codeFor(error: GraphQLError): string {
  const code = error.extensions.code;
  if (code === UNRESOLVED_OPERATION) return 'BAD_REQUEST';
  if (typeof code === 'string' && code !== '') return code;
  // graphql-js's variable coercion ("Variable "$n" got invalid value ...") carries no code of its own.
  if (/^Variable "\$/.test(error.message)) return 'BAD_USER_INPUT';
  const status = (error.extensions.http as { status?: unknown } | undefined)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) return 'BAD_REQUEST';
  return 'INTERNAL_SERVER_ERROR';
}

function shortened(value: unknown): unknown {
  if (typeof value === 'string') return value.length > ECHO_LIMIT ? `${value.slice(0, ECHO_LIMIT - 3)}...` : value;
  if (Array.isArray(value)) return value.slice(0, 100).map(shortened);
  return value;
}

export function disciplined(error: GraphQLError): GraphQLError {
  // originalError and stack are internals; everything else is the gateway's own, or caller text to be cut short.
  const { originalError: _originalError, stacktrace: _stacktrace, ...rest } = error.extensions as Record<string, unknown>;
  const extensions = Object.fromEntries(Object.entries(rest).map(([key, value]) => [key, key === 'http' ? value : shortened(value)]));
  const message = error.extensions.code === UNRESOLVED_OPERATION ? UNRESOLVED_OPERATION_MESSAGE : disciplinedMessage(error.message);
  // Already in order (the gateway's own refusals, one per withheld field): passed on as it is, not built again.
  const unchanged =
    error.originalError === undefined &&
    message === error.message &&
    extensions.code === codeFor(error) &&
    Object.keys(extensions).length === Object.keys(error.extensions).length &&
    Object.entries(extensions).every(([key, value]) => value === error.extensions[key]);
  if (unchanged) return error;
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: { ...extensions, code: codeFor(error) },
  });
}

function disciplinedResult<T extends ExecutionResult>(result: T): T {
  if (!result.errors || result.errors.length === 0) return result;
  return {
    ...result,
    errors: result.errors.map((error) =>
      disciplined(error instanceof GraphQLError ? error : new GraphQLError(String((error as { message?: unknown }).message ?? error))),
    ),
  };
}

/**
 * An answer that ran, with its errors as the JSON yoga would send for them, when none carries what yoga's copy of
 * every error leaves out (`http`, `unexpected`): yoga sends such errors as they are, and its copy (a GraphQLError, two
 * per withheld field with the gateway's own) is never made. The status is the same, 200: an answer with data and no
 * `http` extension has no other. Anything else is left for yoga to process as it always does (ADR 0169).
 * A result hook after this plugin's sees such errors as plain objects: codes are in `extensions.code` as before.
 */
export function sentAsJson(result: ExecutionResult): ExecutionResult {
  const { errors } = result;
  if (!errors || errors.length === 0 || !('data' in result) || result.extensions?.http !== undefined) return result;
  const formatted: GraphQLFormattedError[] = [];
  for (const error of errors) {
    if (!(error instanceof GraphQLError) || 'http' in error.extensions || 'unexpected' in error.extensions) return result;
    formatted.push(error.toJSON());
  }
  // yoga's type says GraphQLError; what it does with an error that is not one is the plain serialisation wanted here.
  return { ...result, errors: formatted as unknown as GraphQLError[] };
}

/** Maps each payload, and forwards return() at once: a client leaving must end the source, not wait for its next event. */
function disciplinedStream<T extends ExecutionResult>(stream: AsyncIterable<T>): AsyncIterableIterator<T> {
  const source = stream[Symbol.asyncIterator]();
  const mapped = (step: IteratorResult<T>): IteratorResult<T> => (step.done ? step : { done: false, value: disciplinedResult(step.value) });
  return {
    next: () => source.next().then(mapped),
    return: (value?: unknown) => (source.return ? source.return(value).then(mapped) : Promise.resolve({ done: true, value: undefined as never })),
    throw: (error?: unknown) => (source.throw ? source.throw(error).then(mapped) : Promise.reject(error)),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

type ResultProcessor = Parameters<Parameters<NonNullable<Plugin['onResultProcess']>>[0]['setResultProcessor']>[0];

const notAcceptable: ResultProcessor = (_result, fetchAPI) =>
  new fetchAPI.Response(
    JSON.stringify({
      errors: [
        {
          message: 'This operation is answered as a stream: ask for server-sent events (text/event-stream) or multipart/mixed in the Accept header.',
          extensions: { code: 'NOT_ACCEPTABLE' },
        },
      ],
    }),
    { status: 406, headers: { 'content-type': 'application/json; charset=utf-8' } },
  );

export function useErrorDiscipline(): Plugin {
  return {
    // yoga copies every error as it serialises an answer, and a copy captures a stack trace that is never shown: with
    // one error per withheld field, those captures were most of the cost of a cohort page's errors (ADR 0167).
    instrumentation: {
      resultProcess: (_payload, serialise) => withoutStackTraces(serialise),
    },
    onResultProcess({ result, setResult, resultProcessor, setResultProcessor }) {
      if (Array.isArray(result)) setResult(result.map(disciplinedResult));
      else if (Symbol.asyncIterator in result) setResult(disciplinedStream(result));
      else setResult(sentAsJson(disciplinedResult(result)));
      // A stream (a subscription) asked for as one JSON answer has no processor: yoga would send a bare 406.
      if (resultProcessor === undefined) setResultProcessor(notAcceptable, 'application/json');
    },
  };
}
