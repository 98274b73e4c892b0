import { spawnSync } from 'node:child_process';
import { access, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sampleRecord } from './fixtures.js';
import { openLedger } from './ledger.js';
import { migrate } from './migrations.js';
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
