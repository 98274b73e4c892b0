/**
 * The gateway's settings, from the environment, parsed once with zod. A bad value stops start-up
 * with a message naming the variable.
 */
import { z } from 'zod';
import { POPULATION_SIZE_LIMIT } from '../adapters/population/generate.js';

const Milliseconds = z.coerce.number().int().min(1).max(600_000);

/** An environment variable holding JSON of the given shape (a JWK, a JWK set). */
export function jsonVariable<T>(name: string, shape: z.ZodType<T>) {
  return z.string().transform((text, ctx) => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: `${name} must be JSON` });
      return z.NEVER;
    }
    const parsed = shape.safeParse(value);
    if (!parsed.success) {
      ctx.addIssue({ code: 'custom', message: `${name}: ${parsed.error.issues[0]?.message ?? 'invalid'}` });
      return z.NEVER;
    }
    return parsed.data;
  });
}

const Jwk = z.looseObject({ kty: z.string() });

/** From this many synthetic people, embedded simulators run in processes of their own unless SIMULATORS says otherwise. */
export const SIMULATOR_PROCESSES_FROM = 100_000;

export const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(4000),
  HOST: z.string().min(1).default('127.0.0.1'),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** Where the embedded database, keys and checkpoints live. */
  DATA_DIR: z.string().min(1).default('./data'),
  /** PostgreSQL in production; unset means embedded PGlite under DATA_DIR. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  /** Every database call is abandoned after this long; requests needing the database then get LEDGER_UNAVAILABLE. */
  DATABASE_TIMEOUT_MS: Milliseconds.default(2_000),
  /** `false` behind a pooler that cannot keep named prepared statements (PgBouncer before 1.21 in transaction mode). */
  DATABASE_PREPARED_STATEMENTS: z.enum(['true', 'false']).default('true'),
  /** `embedded` starts the five simulators in-process; `external` reaches agencies at <AGENCY>_URL. */
  AGENCIES: z.enum(['embedded', 'external']).default('embedded'),
  AGENCY_TIMEOUT_MS: Milliseconds.default(2000),
  IDENTITY_REFRESH_MS: Milliseconds.default(30_000),
  /**
   * Where embedded simulators run: `in-process` beside the gateway, or `processes`, one each. Unset: in processes
   * from SIMULATOR_PROCESSES_FROM people, where making feeds would otherwise hold up the gateway's event loop.
   */
  SIMULATORS: z.enum(['in-process', 'processes']).optional(),
  SIMULATOR_BASE_PORT: z.coerce.number().int().min(0).max(65_000).default(4101),
  SIMULATOR_FAULTS: z.string().default(''),
  /** Embedded simulators make a new event every this many milliseconds; 0 makes none. */
  SIMULATOR_EVENT_INTERVAL_MS: z.coerce.number().int().min(0).max(3_600_000).default(15_000),
  /** How often the agencies' event feeds are read for cohort events. */
  EVENT_POLL_MS: Milliseconds.default(5_000),
  /** `redact`: withheld fields come back null with a WITHHELD error; `reject`: such an operation is refused whole. */
  ENFORCEMENT: z.enum(['redact', 'reject']).default('redact'),
  /**
   * The ledger's checkpoint signing key (a private JWK as JSON); default: one generated under DATA_DIR. Gateways
   * sharing one PostgreSQL ledger share this key, or list each other's public keys in LEDGER_TRUSTED_KEYS (a JWK set).
   */
  LEDGER_SIGNING_KEY: jsonVariable('LEDGER_SIGNING_KEY', Jwk).optional(),
  LEDGER_TRUSTED_KEYS: jsonVariable('LEDGER_TRUSTED_KEYS', z.object({ keys: z.array(Jwk) })).optional(),
  /** On SIGTERM or SIGINT, how long in-flight requests and subscriptions may take to finish before they are cut. */
  SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  /** How often the ledger's chain head is signed (it is also signed on shutdown). */
  LEDGER_CHECKPOINT_MS: Milliseconds.default(60_000),
  /** The chain head is also signed once this many records were written since the last checkpoint; 0: only on the timer. */
  LEDGER_CHECKPOINT_RECORDS: z.coerce.number().int().min(0).max(1_000_000).default(1_000),
  /** The append-only file every checkpoint is also written to, outside the database; default DATA_DIR/ledger-witness.ndjson. */
  LEDGER_WITNESS_FILE: z.string().min(1).optional(),
  /** The information-sharing protocol to enforce. */
  ISP_FILE: z.string().min(1).default('policies/iom-partnership.yaml'),
  /** The partnership's cohort eligibility rules (Query.cohortCandidates). */
  ELIGIBILITY_FILE: z.string().min(1).default('policies/cohort-eligibility.yaml'),
  /**
   * Trusted tokens: the identity provider's JWKS (URL or file), issuer and audience. With neither JWKS set,
   * outside production, the gateway trusts its local development issuer (`npm run token`).
   */
  AUTH_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  AUTH_JWKS_FILE: z.string().min(1).optional(),
  AUTH_ISSUER: z.string().min(1).optional(),
  AUTH_AUDIENCE: z.string().min(1).default('partnership-gateway'),
  /** The largest request body accepted, in bytes (default 1 MB), and the largest request head (default 16 kB). */
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
  MAX_HEADER_BYTES: z.coerce
    .number()
    .int()
    .min(4096)
    .max(256 * 1024)
    .default(16 * 1024),
  /** Browser origins allowed to call the gateway (CORS), comma-separated; none by default. */
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((text) =>
      text
        .split(',')
        .map((origin) => origin.trim())
        .filter((origin) => origin !== ''),
    )
    .pipe(
      z.array(
        z.url({ protocol: /^https?$/ }).refine((url) => new URL(url).origin === url, 'an origin is scheme://host[:port], with no path or trailing slash'),
      ),
    ),
  /** Introspection and GraphiQL: on by default outside production, off in production unless set to true. */
  GRAPHQL_INTROSPECTION: z.enum(['true', 'false']).optional(),
  GRAPHIQL: z.enum(['true', 'false']).optional(),
  /** Requests per principal per minute, and per-role exceptions such as `ig-officer=120,iom-coordinator=1200`. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(600),
  RATE_LIMIT_ROLES: z
    .string()
    .default('')
    .transform((text, ctx) => {
      const byRole: Record<string, number> = {};
      for (const entry of text
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== '')) {
        const match = /^([a-z][a-z0-9-]*)=(\d{1,7})$/.exec(entry);
        if (!match?.[1] || !match[2] || Number(match[2]) < 1) {
          ctx.addIssue({ code: 'custom', message: `"${entry.slice(0, 60)}" is not role=requests-per-minute` });
          return z.NEVER;
        }
        byRole[match[1]] = Number(match[2]);
      }
      return byRole;
    }),
  /** The longest token lifetime (exp - iat) accepted, in seconds; default 12 hours. */
  TOKEN_MAX_LIFETIME_S: z.coerce.number().int().min(60).max(604_800).default(43_200),
  POPULATION_SEED: z.coerce.number().int().default(20261101),
  POPULATION_SIZE: z.coerce.number().int().min(10).max(POPULATION_SIZE_LIMIT).default(2000),
  // Observability and trusted documents (gateway/observability/, gateway/documents/).
  /** Log level, and JSON lines or a terminal format (pretty: development only, needs the pino-pretty dev dependency). */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  /** GET /metrics on a port of its own (only /metrics is served there); in production this or METRICS_TOKEN. */
  METRICS_PORT: z.coerce.number().int().min(1).max(65_535).optional(),
  /** GET /metrics on the API port needs `Authorization: Bearer <METRICS_TOKEN>`. */
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN: at least 16 characters').optional(),
  /** OpenTelemetry traces over OTLP/HTTP to this collector (base URL; traces go to /v1/traces); unset: no tracing. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default('partnership-gateway'),
  /** Client applications and which may run only their registered documents (documents/<client>/). */
  CLIENTS_FILE: z.string().min(1).default('policies/clients.yaml'),
  /** Refuse a trusted-documents-only client anything else: on in production, off elsewhere unless set. */
  TRUSTED_DOCUMENTS_ENFORCE: z.enum(['true', 'false']).optional(),
});

export type Config = z.infer<typeof ConfigSchema> & {
  /** Agency base URLs from <AGENCY>_URL, for AGENCIES=external. */
  agencyUrls: ReadonlyMap<string, string>;
};

export function loadConfig(env: NodeJS.ProcessEnv, agencies: readonly string[]): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid configuration:\n- ${lines.join('\n- ')}`);
  }
  if (parsed.data.NODE_ENV === 'production' && parsed.data.AGENCIES !== 'external') throw new Error(productionAgenciesMessage(agencies));
  const agencyUrls = new Map<string, string>();
  const missing: string[] = [];
  for (const agency of agencies) {
    const variable = `${agency.toUpperCase()}_URL`;
    const value = env[variable];
    if (value === undefined || value === '') {
      if (parsed.data.AGENCIES === 'external') missing.push(variable);
      continue;
    }
    if (!z.url({ protocol: /^https?$/ }).safeParse(value).success) throw new Error(`Invalid configuration:\n- ${variable}: not an http(s) URL`);
    agencyUrls.set(agency, value);
  }
  if (missing.length > 0) throw new Error(`Invalid configuration:\n- AGENCIES=external needs ${missing.join(', ')}`);
  const { AUTH_JWKS_URL, AUTH_JWKS_FILE, AUTH_ISSUER, NODE_ENV } = parsed.data;
  if (AUTH_JWKS_URL && AUTH_JWKS_FILE) throw new Error('Invalid configuration:\n- set AUTH_JWKS_URL or AUTH_JWKS_FILE, not both');
  if ((AUTH_JWKS_URL || AUTH_JWKS_FILE) && !AUTH_ISSUER) throw new Error('Invalid configuration:\n- AUTH_ISSUER: required with a JWKS');
  if (NODE_ENV === 'production' && !AUTH_ISSUER) {
    throw new Error(
      'Invalid configuration:\n- production needs AUTH_ISSUER (its keys from AUTH_JWKS_URL, AUTH_JWKS_FILE or its discovery document): the local issuer is for development only',
    );
  }
  return { ...parsed.data, agencyUrls };
}

/**
 * Production never starts the synthetic simulators nor seeds their synthetic cohort: AGENCIES defaults to
 * `embedded` for `npm start`, so a production process must be told where the real agencies are.
 */
function productionAgenciesMessage(agencies: readonly string[]): string {
  const urls = agencies.map((agency) => `${agency.toUpperCase()}_URL`).join(', ');
  return `Invalid configuration:\n- AGENCIES: NODE_ENV=production never starts the synthetic agency simulators or seeds synthetic data; set AGENCIES=external and ${urls}`;
}

/** Settings that name ISP roles, checked once the ISP is loaded: a typo must stop start-up, not silently not apply. */
export function checkAgainstIsp(config: Config, roles: readonly string[]): void {
  const unknown = Object.keys(config.RATE_LIMIT_ROLES).filter((role) => !roles.includes(role));
  if (unknown.length > 0) {
    throw new Error(
      `Invalid configuration:\n- RATE_LIMIT_ROLES: ${unknown.join(', ')} ${unknown.length === 1 ? 'is not a role' : 'are not roles'} of the ISP; roles: ${roles.join(', ')}`,
    );
  }
}

/** Production closes what development leaves open, unless the operator opens it on purpose. */
export function surfaceOf(config: Config) {
  const open = config.NODE_ENV !== 'production';
  const flag = (value: 'true' | 'false' | undefined) => (value === undefined ? open : value === 'true');
  return {
    introspection: flag(config.GRAPHQL_INTROSPECTION),
    graphiql: flag(config.GRAPHIQL),
    corsOrigins: config.CORS_ORIGINS,
    maxBodyBytes: config.MAX_BODY_BYTES,
  };
}

/** Logs, metrics exposure and trusted-document enforcement: production defaults closed, development open. */
export function observabilityOf(config: Config) {
  const production = config.NODE_ENV === 'production';
  return {
    logFormat: config.LOG_FORMAT ?? (config.NODE_ENV === 'development' ? 'pretty' : 'json'),
    /** On the API port: open in development; behind the token if one is set; not at all in production without one. */
    metricsOnApiPort: config.METRICS_TOKEN !== undefined || (!production && config.METRICS_PORT === undefined),
    enforceTrustedDocuments: config.TRUSTED_DOCUMENTS_ENFORCE === undefined ? production : config.TRUSTED_DOCUMENTS_ENFORCE === 'true',
  } as const;
}
