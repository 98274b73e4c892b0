import { describe, expect, it } from 'vitest';
import { describeOnBackends, useDatabase } from '../ledger/test-backends.js';
import { postgresCoordination } from './replicas.js';

describeOnBackends('replica coordination', (backend) => {
  const database = useDatabase(backend);

  it('hears a notification sent in a committed transaction, not one rolled back', async () => {
    const { admin } = database();
    const heard: string[] = [];
    const unlisten = await admin.replicas.listen('replica_test', (payload) => heard.push(payload));
    await admin.transaction(async (tx) => {
      await tx.query("SELECT pg_notify('replica_test', 'kept')");
    });
    await admin
      .transaction(async (tx) => {
        await tx.query("SELECT pg_notify('replica_test', 'undone')");
        throw new Error('roll back');
      })
      .catch(() => undefined);
    const deadline = Date.now() + 5_000;
    while (heard.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(heard).toEqual(['kept']);
    await unlisten();
  });

  it.skipIf(backend.name !== 'postgres')('gives a lease to one process at a time, and frees it when that process closes', async () => {
    const url = database().ledgerOptions().databaseUrl as string;
    const [first, second] = [postgresCoordination(url, 2_000), postgresCoordination(url, 2_000)];
    try {
      expect(await first.hold('feed:x')).toBe(true);
      expect(await first.hold('feed:x')).toBe(true);
      expect(await second.hold('feed:x')).toBe(false);
      expect(await second.hold('feed:y')).toBe(true);
      await first.close();
      expect(await second.hold('feed:x')).toBe(true);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });
});

describe('channel names', () => {
  it('refuses a channel that is not a plain identifier', async () => {
    const coordination = postgresCoordination('postgres://127.0.0.1:1/none', 100);
    await expect(coordination.listen('x; DROP TABLE y', () => undefined)).rejects.toThrow(/not a channel name/);
  });
});
