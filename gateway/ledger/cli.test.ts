import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { compactVerify, importJWK } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runLedgerCli } from './cli.js';
import { sampleRecord, sampleSubject } from './fixtures.js';
import { openLedger } from './ledger.js';
import { type LedgerStore, openStore } from './store.js';
import { describeOnBackends, type TestDatabase, tamper } from './test-backends.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

async function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runLedgerCli(args, env, {
    out: async (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
  });
  return { code, out, err };
}

describeOnBackends('ledger CLI', (backend) => {
  let env: NodeJS.ProcessEnv;
  let database: TestDatabase | undefined;
  let dataDir: string;
  /** PGlite allows one opener at a time, so the embedded case opens its admin store only between commands. */
  const withAdmin = async (work: (admin: LedgerStore) => Promise<void>) => {
    if (database !== undefined) return work(database.admin);
    const admin = await openStore({ dataDir });
    try {
      await work(admin);
    } finally {
      await admin.close();
    }
  };

  beforeAll(async () => {
    if (backend.name === 'postgres') {
      database = await backend.createDatabase();
      const options = database.ledgerOptions();
      dataDir = options.dataDir ?? '';
      env = { DATABASE_URL: options.databaseUrl, DATA_DIR: dataDir };
    } else {
      dataDir = await mkdtemp(join(tmpdir(), 'ledger-cli-'));
      env = { DATA_DIR: dataDir };
    }
    const ledger = await openLedger({ dataDir, databaseUrl: env.DATABASE_URL, checkpointIntervalMs: 0 });
    for (const n of [1, 2, 1]) await ledger.append(sampleRecord(n));
    await ledger.close();
  }, 120_000);
  afterAll(async () => {
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('verify reports an intact chain and exits 0', async () => {
    const result = await run(['verify'], env);
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toMatch(/^chain intact: 3 records, 1 checkpoints\nWithout a witness \(--witness FILE\), verify cannot detect:\n/);
    expect(result.out).toMatch(/forged records appended after the last checkpoint/);
  });

  it('checkpoint signs a head left unsigned, once', async () => {
    expect((await run(['checkpoint'], env)).out).toMatch(/^nothing new to sign/);
    // A gateway that dies before close() leaves its last records unsigned.
    const store = await openStore(env.DATABASE_URL === undefined ? { dataDir } : { databaseUrl: env.DATABASE_URL });
    const crashed = await openLedger({ store, dataDir, checkpointIntervalMs: 0 });
    const { sequence, hash } = await crashed.append(sampleRecord(3));
    await store.close();
    expect(await run(['checkpoint'], env)).toMatchObject({ code: 0, out: expect.stringContaining(`checkpoint signed at record ${sequence} (hash ${hash}`) });
    expect((await run(['checkpoint'], env)).out).toMatch(/^nothing new to sign/);
    expect((await run(['verify'], env)).out).toMatch(/^chain intact: 4 records, 2 checkpoints\n/);
  });

  it('verify --witness holds the chain to the checkpoints kept in a file, and refuses a file it cannot read', async () => {
    // The gateway (on close) and the checkpoint command both appended to the witness file under DATA_DIR.
    const witnessFile = join(dataDir, 'ledger-witness.ndjson');
    const result = await run(['verify', '--witness', witnessFile], env);
    expect(result).toEqual({
      code: 0,
      out: `chain intact: 4 records, 2 checkpoints; witness ${witnessFile}: 2 of 2 checkpoints agree, up to record 4\n`,
      err: '',
    });
    expect(await run(['verify', '--witness', join(dataDir, 'nowhere.ndjson')], env)).toMatchObject({ code: 2, err: expect.stringMatching(/no such file/) });
  });

  it('export writes NDJSON, CSV and FHIR, all records or one person', async () => {
    const ndjson = await run(['export', '--format', 'ndjson'], env);
    expect(ndjson.code).toBe(0);
    expect(
      ndjson.out
        .trimEnd()
        .split('\n')
        .map((line) => (JSON.parse(line) as { sequence: number }).sequence),
    ).toEqual([1, 2, 3, 4]);
    const csv = await run(['export', '--format', 'csv', '--person', sampleSubject(1).gatewayId], env);
    expect(
      csv.out
        .split('\r\n')
        .slice(1, -1)
        .map((line) => line.split(',')[0]),
    ).toEqual(['1', '1', '3', '3']);
    const fhir = await run(['export', '--format', 'fhir', '--person', sampleSubject(2).gatewayId], env);
    expect(
      fhir.out
        .trimEnd()
        .split('\n')
        .map((line) => (JSON.parse(line) as { id: string }).id),
    ).toEqual(['ledger-2']);
  });

  it('public-key prints the public JWK that verifies the checkpoints', async () => {
    const { code, out } = await run(['public-key'], env);
    expect(code).toBe(0);
    const jwk = JSON.parse(out) as Record<string, unknown>;
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(jwk).not.toHaveProperty('d');
    const store = await openStore(env.DATABASE_URL === undefined ? { dataDir } : { databaseUrl: env.DATABASE_URL });
    const [checkpoint] = await store.query('SELECT jws FROM ledger_checkpoints ORDER BY id LIMIT 1');
    await store.close();
    const { payload } = await compactVerify(String(checkpoint?.jws), await importJWK(jwk, 'ES256'));
    expect(JSON.parse(new TextDecoder().decode(payload))).toMatchObject({ sequence: 3 });
  });

  it('refuses bad usage and a missing embedded ledger with exit 2', async () => {
    expect((await run(['export', '--format', 'xml'], env)).code).toBe(2);
    expect((await run(['rewrite'], env)).code).toBe(2);
    const missing = await run(['verify'], { DATA_DIR: join(dataDir, 'no-such-dir') });
    expect(missing).toMatchObject({ code: 2, err: expect.stringMatching(/no embedded ledger/) });
  });

  it('verify names the first bad record and exits 1, also as `npm run ledger`', { timeout: 120_000 }, async () => {
    await withAdmin((admin) => tamper(admin, `UPDATE ledger_records SET canonical = replace(canonical, '"req-2"', '"req-9"') WHERE sequence = 2`));
    const result = await run(['verify'], env);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/^chain broken: first bad record 2 \(altered\)/);

    const script = await promisify(execFile)(join(REPO, 'node_modules/.bin/tsx'), ['scripts/ledger.ts', 'verify'], {
      cwd: REPO,
      env: { ...process.env, ...env },
    }).catch((error: unknown) => error as { code: number; stdout: string });
    expect(script).toMatchObject({ code: 1, stdout: expect.stringMatching(/first bad record 2 \(altered\)/) });
  });
});
