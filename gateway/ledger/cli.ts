/**
 * The operator's command line (`npm run ledger -- <command>`): verify the chain, sign a checkpoint,
 * export records, keep a witness of a gateway's checkpoints. Configured from the environment:
 * DATABASE_URL, DATA_DIR (default ./data) and, optionally, LEDGER_SIGNING_KEY (a private JWK as JSON)
 * when the key is not kept under DATA_DIR.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { jsonVariable } from '../config.js';
import { EXPORT_FORMATS, exportPage } from './export.js';
import { type Ledger, openLedger } from './ledger.js';
import type { VerifyReport } from './verify.js';
import { readWitnessFile, WitnessFileError } from './witness.js';
import { keepWitness } from './witness-keeper.js';

export const USAGE = `Usage: npm run ledger -- <command>
  verify [--witness FILE]                        recompute the chain and hold it to every checkpoint, also those kept in FILE;
                                                 exit 1 naming the first bad record
  checkpoint                                     sign the chain head now (into the database and the witness file)
  public-key                                     print the checkpoint key's public JWK, for verifiers
  export --format ndjson|csv|fhir [--person ID]  write records to standard output (one person's with --person)
  witness --from URL --out FILE [--key JWK_FILE] keep a copy of a gateway's checkpoints (URL: its /ledger/checkpoints);
                                                 appends what is new, exit 1 if the gateway rewrote its history
Environment: DATABASE_URL (PostgreSQL; default the embedded ledger), DATA_DIR (default ./data), LEDGER_SIGNING_KEY,
LEDGER_TRUSTED_KEYS and LEDGER_WITNESS_FILE (optional).`;

const COMMANDS = ['verify', 'checkpoint', 'public-key', 'export', 'witness'] as const;
type Command = (typeof COMMANDS)[number];

const blankIsAbsent = (value: unknown) => (value === '' ? undefined : value);

const envSchema = z.object({
  DATABASE_URL: z.preprocess(blankIsAbsent, z.string().optional()),
  DATA_DIR: z.preprocess(blankIsAbsent, z.string().default('data')),
  LEDGER_SIGNING_KEY: z.preprocess(blankIsAbsent, jsonVariable('LEDGER_SIGNING_KEY', z.looseObject({ kty: z.string() })).optional()),
  LEDGER_TRUSTED_KEYS: z.preprocess(
    blankIsAbsent,
    jsonVariable('LEDGER_TRUSTED_KEYS', z.object({ keys: z.array(z.looseObject({ kty: z.string() })) })).optional(),
  ),
  LEDGER_WITNESS_FILE: z.preprocess(blankIsAbsent, z.string().optional()),
});

const verifyOptionsSchema = z.strictObject({ witness: z.string().min(1, '--witness names a file').optional() });

const witnessOptionsSchema = z.strictObject({
  from: z.url({ protocol: /^https?$/, error: "--from must be the http(s) URL of a gateway's /ledger/checkpoints" }),
  out: z.string({ error: '--out must name the file to keep the checkpoints in' }).min(1),
  key: z.string().min(1).optional(),
});

const jwkSchema = z.looseObject({ kty: z.string() });
/** A --key file: one public JWK, or a JWK set. */
const keyFileSchema = z.union([z.object({ keys: z.array(jwkSchema).min(1) }).transform((set) => set.keys), jwkSchema.transform((jwk) => [jwk])]);

const exportOptionsSchema = z.strictObject({
  format: z.enum(EXPORT_FORMATS, { error: `--format must be one of ${EXPORT_FORMATS.join(', ')}` }),
  person: z.string().min(1).optional(),
});

export interface CliOutput {
  /** Standard output; may wait for the stream to drain. */
  out(text: string): Promise<void>;
  err(text: string): void;
}

/** Runs one command; resolves to the process exit code (0 ok, 1 chain broken, 2 usage or failure). */
export async function runLedgerCli(args: readonly string[], env: NodeJS.ProcessEnv, io: CliOutput): Promise<number> {
  const [named, ...rest] = args;
  if (!(COMMANDS as readonly string[]).includes(named ?? '')) {
    io.err(`${USAGE}\n`);
    return 2;
  }
  const command = named as Command;
  if (command === 'witness') return witness(rest, io);
  const config = envSchema.safeParse(env);
  if (!config.success) {
    io.err(`${z.prettifyError(config.error)}\n`);
    return 2;
  }
  let exportOptions: z.infer<typeof exportOptionsSchema> | undefined;
  if (command === 'export') {
    const parsed = exportOptionsSchema.safeParse(
      parseArgs({ args: [...rest], options: { format: { type: 'string' }, person: { type: 'string' } }, strict: false }).values,
    );
    if (!parsed.success) {
      io.err(`${z.prettifyError(parsed.error)}\n${USAGE}\n`);
      return 2;
    }
    exportOptions = parsed.data;
  }
  let witnessFile: string | undefined;
  if (command === 'verify') {
    const parsed = verifyOptionsSchema.safeParse(parseArgs({ args: [...rest], options: { witness: { type: 'string' } }, strict: false }).values);
    if (!parsed.success) {
      io.err(`${z.prettifyError(parsed.error)}\n${USAGE}\n`);
      return 2;
    }
    witnessFile = parsed.data.witness;
  }

  const { DATABASE_URL, DATA_DIR, LEDGER_SIGNING_KEY, LEDGER_TRUSTED_KEYS, LEDGER_WITNESS_FILE } = config.data;
  // Opening would create an empty ledger: a mistyped DATA_DIR must not verify as "intact".
  if (DATABASE_URL === undefined && !existsSync(join(DATA_DIR, 'ledger'))) {
    io.err(`There is no embedded ledger in ${DATA_DIR}. Set DATA_DIR to the gateway's data directory, or DATABASE_URL.\n`);
    return 2;
  }
  let ledger: Ledger | undefined;
  try {
    ledger = await openLedger({
      dataDir: DATA_DIR,
      checkpointIntervalMs: 0,
      ...(DATABASE_URL === undefined ? {} : { databaseUrl: DATABASE_URL }),
      ...(LEDGER_SIGNING_KEY === undefined ? {} : { signingKey: LEDGER_SIGNING_KEY }),
      ...(LEDGER_TRUSTED_KEYS === undefined ? {} : { trustedKeys: LEDGER_TRUSTED_KEYS.keys }),
      ...(LEDGER_WITNESS_FILE === undefined ? {} : { witnessFile: LEDGER_WITNESS_FILE }),
    });
    if (command === 'verify') return await verify(ledger, witnessFile, io);
    if (command === 'public-key') {
      await io.out(`${JSON.stringify(ledger.publicKey, null, 2)}\n`);
      return 0;
    }
    if (command === 'checkpoint') {
      const checkpoint = await ledger.checkpoint();
      await io.out(
        checkpoint === null
          ? 'nothing new to sign: the ledger is empty or its latest checkpoint covers the head\n'
          : `checkpoint signed at record ${checkpoint.sequence} (hash ${checkpoint.hash}, key ${checkpoint.keyId})\n`,
      );
      return 0;
    }
    await exportRecords(ledger, exportOptions as z.infer<typeof exportOptionsSchema>, io);
    return 0;
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  } finally {
    await ledger?.close();
  }
}

async function verify(ledger: Ledger, witnessFile: string | undefined, io: CliOutput): Promise<number> {
  let witness: Awaited<ReturnType<typeof readWitnessFile>> | undefined;
  try {
    witness = witnessFile === undefined ? undefined : await readWitnessFile(witnessFile);
  } catch (error) {
    if (!(error instanceof WitnessFileError)) throw error;
    io.err(`${error.message}\n`);
    return 2;
  }
  const report = await ledger.verify(witness === undefined ? {} : { witness });
  const witnessed = witnessSummary(report, witnessFile);
  if (report.firstBad === undefined) {
    await io.out(`chain intact: ${report.checked} records, ${report.checkpoints} checkpoints${witnessed}\n`);
  } else {
    const { sequence, problem, detail, range } = report.firstBad;
    const within = range === undefined ? '' : ` (the change lies within records ${range.from} to ${range.to})`;
    await io.out(`chain broken: first bad record ${sequence} (${problem}): ${detail}${within}\n`);
    await io.out(`${report.checked} records verified before it${witnessed}\n`);
  }
  if (report.undetectable.length > 0) {
    const without = report.witness === null ? 'Without a witness (--witness FILE), verify cannot detect' : 'Not detectable with this witness';
    await io.out(`${without}:\n${report.undetectable.map((spot) => `  - ${spot.detail}\n`).join('')}`);
  }
  return report.firstBad === undefined ? 0 : 1;
}

function witnessSummary(report: VerifyReport, file: string | undefined): string {
  if (report.witness === null) return '';
  const { entries, agreeing, through } = report.witness;
  return `; witness ${file ?? ''}: ${agreeing} of ${entries} checkpoints agree, up to record ${through}`;
}

async function witness(args: readonly string[], io: CliOutput): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: { from: { type: 'string' }, out: { type: 'string' }, key: { type: 'string' } },
    strict: false,
  });
  const parsed = witnessOptionsSchema.safeParse(values);
  if (!parsed.success) {
    io.err(`${z.prettifyError(parsed.error)}\n${USAGE}\n`);
    return 2;
  }
  const { from, out, key } = parsed.data;
  try {
    let publicKeys: z.infer<typeof keyFileSchema> | undefined;
    if (key !== undefined) {
      const keys = keyFileSchema.safeParse(JSON.parse(await readFile(key, 'utf8')));
      if (!keys.success) throw new WitnessFileError(`${key} is not a public JWK or a JWK set.`);
      publicKeys = keys.data;
    }
    const kept = await keepWitness({ from, out, ...(publicKeys === undefined ? {} : { publicKeys }) });
    if (kept.code === 0) await io.out(`${kept.message}\n`);
    else io.err(`${kept.message}\n`);
    return kept.code;
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
}

async function exportRecords(ledger: Ledger, options: z.infer<typeof exportOptionsSchema>, io: CliOutput): Promise<void> {
  const filter = options.person === undefined ? {} : { gatewayId: options.person };
  let after: string | undefined;
  let first = true;
  do {
    const page = await ledger.query(filter, { limit: 1_000, ...(after === undefined ? {} : { after }) });
    const text = exportPage(page.entries, options.format, first);
    if (text !== '') await io.out(text);
    first = false;
    after = page.nextCursor ?? undefined;
  } while (after !== undefined);
}
