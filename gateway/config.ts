/**
 * The gateway's settings, from the environment, parsed once with zod. A bad value stops start-up
 * with a message naming the variable.
 */
import { z } from 'zod';

const Milliseconds = z.coerce.number().int().min(1).max(600_000);

export const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(4000),
  HOST: z.string().min(1).default('127.0.0.1'),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** Where the embedded database, keys and checkpoints live. */
  DATA_DIR: z.string().min(1).default('./data'),
  /** PostgreSQL in production; unset means embedded PGlite under DATA_DIR. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  /** `embedded` starts the five simulators in-process; `external` reaches agencies at <AGENCY>_URL. */
  AGENCIES: z.enum(['embedded', 'external']).default('embedded'),
  AGENCY_TIMEOUT_MS: Milliseconds.default(2000),
  IDENTITY_REFRESH_MS: Milliseconds.default(300_000),
  SIMULATOR_BASE_PORT: z.coerce.number().int().min(0).max(65_000).default(4101),
  SIMULATOR_FAULTS: z.string().default(''),
  POPULATION_SEED: z.coerce.number().int().default(20261101),
  POPULATION_SIZE: z.coerce.number().int().min(10).max(100_000).default(2000),
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
  return { ...parsed.data, agencyUrls };
}
