/**
 * The operator's command line (`npm run ledger -- <command>`): verify the chain, sign a checkpoint,
 * export records. Configured from the environment: DATABASE_URL, DATA_DIR (default ./data) and,
 * optionally, LEDGER_SIGNING_KEY (a private JWK as JSON) when the key is not kept under DATA_DIR.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { jsonVariable } from '../config.js';
import { EXPORT_FORMATS, exportPage } from './export.js';
import { openLedger, type Ledger } from './ledger.js';

export const USAGE = `Usage: npm run ledger -- <command>
  verify                                         recompute the chain and checkpoints; exit 1 naming the first bad record
  checkpoint                                     sign the chain head now
  public-key                                     print the checkpoint key's public JWK, for verifiers
  export --format ndjson|csv|fhir [--person ID]  write records to standard output (one person's with --person)
Environment: DATABASE_URL (PostgreSQL; default the embedded ledger), DATA_DIR (default ./data), LEDGER_SIGNING_KEY and LEDGER_TRUSTED_KEYS (optional).`;

const blankIsAbsent = (value: unknown) => (value === '' ? undefined : value);

const envSchema = z.object({
  DATABASE_URL: z.preprocess(blankIsAbsent, z.string().optional()),
  DATA_DIR: z.preprocess(blankIsAbsent, z.string().default('data')),
  LEDGER_SIGNING_KEY: z.preprocess(blankIsAbsent, jsonVariable('LEDGER_SIGNING_KEY', z.looseObject({ kty: z.string() })).optional()),
  LEDGER_TRUSTED_KEYS: z.preprocess(
    blankIsAbsent,
    jsonVariable('LEDGER_TRUSTED_KEYS', z.object({ keys: z.array(z.looseObject({ kty: z.string() })) })).optional(),
  ),
});

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
  const [command, ...rest] = args;
  if (command !== 'verify' && command !== 'checkpoint' && command !== 'public-key' && command !== 'export') {
    io.err(`${USAGE}\n`);
    return 2;
  }
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

  const { DATABASE_URL, DATA_DIR, LEDGER_SIGNING_KEY, LEDGER_TRUSTED_KEYS } = config.data;
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
    });
    if (command === 'verify') return await verify(ledger, io);
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

async function verify(ledger: Ledger, io: CliOutput): Promise<number> {
  const report = await ledger.verify();
  if (report.firstBad === undefined) {
    await io.out(`chain intact: ${report.checked} records, ${report.checkpoints} checkpoints\n`);
    return 0;
  }
  const { sequence, problem, detail } = report.firstBad;
  await io.out(`chain broken: first bad record ${sequence} (${problem}): ${detail}\n`);
  await io.out(`${report.checked} records verified before it\n`);
  return 1;
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
