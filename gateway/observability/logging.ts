/**
 * The gateway's logs: JSON lines (pino), one per request (observability/request.ts) and one per change of a dependency's state,
 * never a stack per request. A request's line names its request id, trace id, the principal's user id, the
 * operation, status and duration, and nothing about people: the request line is built from a fixed set of fields
 * (no URL query, no headers, no variables), and personal fields are redacted wherever they might be passed.
 */
import { createRequire } from 'node:module';
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

/** Field names that would carry personal data or secrets, at any of the first levels of a log object. */
const PERSONAL = [
  'variables',
  'query',
  'headers',
  'authorization',
  'name',
  'givenName',
  'familyName',
  'dateOfBirth',
  'dob',
  'pnc',
  'cro',
  'crn',
  'nomsNumber',
  'identifier',
  'identifiers',
];

export const REDACTED_PATHS = [...PERSONAL, ...PERSONAL.map((field) => `*.${field}`), ...PERSONAL.map((field) => `*.*.${field}`)];

export interface LoggerSettings {
  level: string;
  /** `pretty` formats for a terminal (development, when pino-pretty is installed); `json` writes JSON lines. */
  format: 'json' | 'pretty';
  /** Where lines go; default standard output. Tests pass a stream to read them back. */
  destination?: DestinationStream;
}

/** pino-pretty is a development dependency: absent from a production install, where lines stay JSON. */
function prettyAvailable(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

export function createLogger(settings: LoggerSettings): Logger {
  const options = {
    level: settings.level,
    base: { service: 'partnership-gateway' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    // Errors are logged by message only: stacks name internals, and one failure must not print a page per request.
    serializers: { err: (error: unknown) => (error instanceof Error ? { type: error.name, message: error.message } : { message: String(error) }) },
  };
  if (settings.destination) return pino(options, settings.destination);
  if (settings.format === 'pretty' && prettyAvailable()) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' } } });
  }
  return pino(options);
}

/** yoga's logger, onto pino: messages only, since yoga passes whole errors. */
export function yogaLogger(logger: Logger) {
  const text = (args: unknown[]) => args.map((arg) => (arg instanceof Error ? arg.message : typeof arg === 'string' ? arg : '')).join(' ');
  const child = logger.child({ component: 'graphql' });
  return {
    // yoga narrates every request at debug: not worth a line, nor the cost of building one.
    debug: () => undefined,
    info: (...args: unknown[]) => child.info(text(args)),
    warn: (...args: unknown[]) => child.warn(text(args)),
    error: (...args: unknown[]) => child.error(text(args)),
  };
}

/** A logger that writes nothing (tests and tools that build a gateway without one). */
export const silentLogger: Logger = pino({ level: 'silent' });
