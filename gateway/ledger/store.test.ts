import { spawnSync } from 'node:child_process';
import { access, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sampleRecord } from './fixtures.js';
import { openLedger } from './ledger.js';
import { migrate } from './migrations.js';
import { type LedgerStore, openStore } from './store.js';
import { describeOnBackends, useDatabase } from './test-backends.js';

describe('the embedded ledger on disk', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ledger-disk-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('persists under <dataDir>/ledger, with its signing key beside it, across reopening', { timeout: 120_000 }, async () => {
    const first = await openLedger({ dataDir, checkpointIntervalMs: 0 });
    const appended = await first.append(sampleRecord(1));
    await first.close();
    await access(join(dataDir, 'ledger', 'PG_VERSION'));
    expect((await stat(join(dataDir, 'ledger-signing-key.json'))).mode & 0o777).toBe(0o600);

    const again = await openLedger({ dataDir, checkpointIntervalMs: 0 });
    expect((await again.query()).entries.map((entry) => entry.hash)).toEqual([appended.hash]);
    expect(await again.verify()).toMatchObject({ ok: true, checked: 1, checkpoints: 1 });

    // One process per directory: a second opener is refused while the first holds it.
    await expect(openLedger({ dataDir, checkpointIntervalMs: 0 })).rejects.toThrow(/in use by process \d+/);
    await again.close();
  });

  it('takes over the lock of a process that died without releasing it', { timeout: 120_000 }, async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    await writeFile(join(dataDir, 'ledger.lock'), dead.stdout);
    const ledger = await openLedger({ dataDir, checkpointIntervalMs: 0 });
    await ledger.append(sampleRecord(1));
    await ledger.close();
  });
});

describeOnBackends('migrations', (backend) => {
  const database = useDatabase(backend);

  it('are applied once and recorded', async () => {
    expect(await migrate(database().admin)).toEqual([]);
    const applied = await database().admin.query('SELECT name FROM ledger_migrations ORDER BY name');
    expect(applied).toEqual([{ name: '001_ledger.sql' }, { name: '002_ledger_indexes_by_sequence.sql' }]);
  });
});

describeOnBackends('statements with parameters', (backend) => {
  const database = useDatabase(backend);
  const PROBE = 'SELECT * FROM statement_probe WHERE id = $1';
  /** The statements prepared on one connection of `store`, by their text. */
  const preparedOn = (store: LedgerStore) =>
    store.transaction(async (tx) => {
      await tx.query(PROBE, [1]);
      return (await tx.query('SELECT statement FROM pg_prepared_statements')).map((row) => row.statement);
    });

  it.skipIf(backend.name !== 'postgres')('are prepared once on each connection, unless that is turned off', async () => {
    const { admin, ledgerOptions } = database();
    await admin.exec("CREATE TABLE statement_probe (id int PRIMARY KEY, label text); INSERT INTO statement_probe VALUES (1, 'one')");
    expect(await preparedOn(admin)).toContain(PROBE);
    const unprepared = await openStore({ databaseUrl: ledgerOptions().databaseUrl as string, preparedStatements: false });
    try {
      expect(await preparedOn(unprepared)).not.toContain(PROBE);
    } finally {
      await unprepared.close();
    }
  });

  it.skipIf(backend.name !== 'postgres')('still answer when another process’s migration changes the columns of a table read with *', async () => {
    const { admin, ledgerOptions } = database();
    expect(await admin.query(PROBE, [1])).toEqual([{ id: 1, label: 'one' }]);
    const migrator = new pg.Client({ connectionString: ledgerOptions().databaseUrl });
    await migrator.connect();
    await migrator.query('ALTER TABLE statement_probe ADD COLUMN added int DEFAULT 7');
    await migrator.end();
    // Every connection of the pool that prepared the statement before the change is asked again.
    const answers = await Promise.all(Array.from({ length: 8 }, () => admin.query(PROBE, [1])));
    for (const answer of answers) expect(answer).toEqual([{ id: 1, label: 'one', added: 7 }]);
  });
});
