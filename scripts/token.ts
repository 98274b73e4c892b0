/**
 * Mints a development token from the local issuer and prints only the token, so that
 * `TOKEN=$(npm run -s token -- --agency police --role police-offender-manager --sub pc-1234)` works.
 * DATA_DIR (default ./data) locates the issuer's keys; they are created if absent.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ensureLocalIssuer, lifetimeSchema, refuseInProduction } from '../gateway/authentication/local-issuer.js';
import { loadPolicy } from '../gateway/policy/index.js';

// The roles and agencies a token may name are the ISP's (ISP_FILE, as the gateway reads it).
const ispFile = process.env.ISP_FILE ?? 'policies/iom-partnership.yaml';
let catalogue: ReturnType<typeof loadPolicy>;
try {
  catalogue = loadPolicy(ispFile);
} catch (error) {
  process.stderr.write(`token: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
const pairings = catalogue.roles.map((role) => `${role.agency}/${role.name}`);

const USAGE = `usage: npm run -s token -- --agency <agency> --role <role> --sub <user id>
         [--name "PC Jo Bloggs"] [--team "North IOM"] [--client case-management] [--lifetime 1h]
  agency/role pairs of the ISP (${ispFile}):
    ${pairings.join('\n    ')}
  lifetime: a number followed by s, m, h or d, at most 12h`;

const argumentsSchema = z.object({
  agency: z.string({ error: '--agency is required' }).trim().min(1, '--agency must not be empty'),
  role: z.string({ error: '--role is required' }).trim().min(1, '--role must not be empty'),
  sub: z.string({ error: '--sub (the user id) is required' }).trim().min(1, '--sub must not be empty'),
  name: z.string().trim().min(1, '--name must not be empty').optional(),
  team: z.string().trim().min(1, '--team must not be empty').optional(),
  client: z.string().trim().min(1, '--client must not be empty').default('developer-cli'),
  lifetime: z
    .string()
    .default('1h')
    .pipe(lifetimeSchema)
    .transform((seconds) => `${seconds}s`),
});

function fail(message: string, showUsage: boolean): never {
  process.stderr.write(`token: ${message}\n${showUsage ? `${USAGE}\n` : ''}`);
  process.exit(showUsage ? 2 : 1);
}

try {
  refuseInProduction('npm run token');
} catch (error) {
  fail(error instanceof Error ? error.message : String(error), false);
}

let values: Record<string, string | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      agency: { type: 'string' },
      role: { type: 'string' },
      sub: { type: 'string' },
      name: { type: 'string' },
      team: { type: 'string' },
      client: { type: 'string' },
      lifetime: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  }));
} catch (error) {
  fail(error instanceof Error ? error.message : String(error), true);
}

const parsed = argumentsSchema.safeParse(values);
if (!parsed.success) fail(parsed.error.issues.map((issue) => issue.message).join('\n'), true);
const { agency, role, sub, name, team, client, lifetime } = parsed.data;
if (!pairings.includes(`${agency}/${role}`)) {
  fail(`the ISP has no role ${JSON.stringify(role)} for the agency ${JSON.stringify(agency)}; a token for it would be refused`, true);
}

try {
  const issuer = await ensureLocalIssuer(process.env.DATA_DIR ?? './data', catalogue);
  const token = await issuer.sign(
    { sub, agency, role, azp: client, ...(name === undefined ? {} : { name }), ...(team === undefined ? {} : { team }) },
    { lifetime },
  );
  process.stdout.write(`${token}\n`);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error), false);
}
