import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { exportJWK, generateKeyPair } from 'jose';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { checkpointsRouter } from '../checkpoints-route.js';
import { runLedgerCli } from './cli.js';
import { sampleRecord } from './fixtures.js';
import { type Ledger, openLedger } from './ledger.js';
import { describeOnBackends, type TestDatabase } from './test-backends.js';
import { readWitnessFile, WITNESS_FILE } from './witness.js';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runLedgerCli(
    args,
    {},
    {
      out: async (text) => {
        out += text;
      },
      err: (text) => {
        err += text;
      },
    },
  );
  return { code, out, err };
}

describeOnBackends('npm run ledger -- witness', (backend) => {
  let database: TestDatabase;
  let ledger: Ledger;
  let server: Server;
  let url: string;
  let keptDir: string;
  let kept: string;
  beforeEach(async () => {
    database = await backend.createDatabase();
    ledger = await openLedger(database.ledgerOptions({ checkpointEveryRecords: 0 }));
    for (let n = 1; n <= 3; n++) await ledger.append(sampleRecord(n));
    await ledger.checkpoint();
    const app = express();
    app.use('/ledger', checkpointsRouter(ledger));
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ledger/checkpoints`;
    keptDir = await mkdtemp(join(tmpdir(), 'witness-kept-'));
    kept = join(keptDir, 'partner-copy.ndjson');
  });
  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
    await ledger.close();
    await database.drop();
    await rm(keptDir, { recursive: true, force: true });
  });

  it('keeps a copy of the published checkpoints, appending only what is new', async () => {
    expect(await run(['witness', '--from', url, '--out', kept])).toEqual({
      code: 0,
      out: `1 new checkpoint kept in ${kept}: 1 in all, up to record 3\n`,
      err: '',
    });
    await ledger.append(sampleRecord(4));
    await ledger.append(sampleRecord(5));
    await ledger.checkpoint();
    expect((await run(['witness', '--from', url, '--out', kept])).out).toBe(`1 new checkpoint kept in ${kept}: 2 in all, up to record 5\n`);
    expect((await run(['witness', '--from', url, '--out', kept])).out).toBe(`0 new checkpoints kept in ${kept}: 2 in all, up to record 5\n`);
    expect(await readWitnessFile(kept)).toEqual(await ledger.witnessed());
  });

  it('detects a publisher that rewrote its history, and appends nothing', async () => {
    await ledger.append(sampleRecord(4));
    await ledger.checkpoint();
    expect((await run(['witness', '--from', url, '--out', kept])).code).toBe(0);
    const before = await readFile(kept, 'utf8');
    // The gateway's own file loses its first checkpoint, as a rewrite of the chain would need.
    const published = join(database.ledgerOptions().dataDir ?? '', WITNESS_FILE);
    const lines = (await readFile(published, 'utf8')).split('\n');
    await writeFile(published, lines.slice(1).join('\n'));
    const result = await run(['witness', '--from', url, '--out', kept]);
    expect(result).toMatchObject({ code: 1, out: '' });
    expect(result.err).toMatch(/rewrote its history: the checkpoint of record 3 .* is no longer published/);
    expect(await readFile(kept, 'utf8')).toBe(before);
  });

  it('trusts only the key it is given with --key', async () => {
    const keyFile = join(keptDir, 'key.json');
    await writeFile(keyFile, JSON.stringify(await exportJWK((await generateKeyPair('ES256')).publicKey)));
    const stranger = await run(['witness', '--from', url, '--out', kept, '--key', keyFile]);
    expect(stranger).toMatchObject({ code: 1, err: expect.stringMatching(/published checkpoint 1 \(record 3\) does not verify/) });
    await writeFile(keyFile, JSON.stringify({ keys: [ledger.publicKey] }));
    expect((await run(['witness', '--from', url, '--out', kept, '--key', keyFile])).code).toBe(0);
  });

  it('says what is wrong with its arguments, and with a gateway it cannot read', async () => {
    expect(await run(['witness', '--out', kept])).toMatchObject({ code: 2, err: expect.stringMatching(/--from must be/) });
    expect(await run(['witness', '--from', url])).toMatchObject({ code: 2, err: expect.stringMatching(/--out must name/) });
    const missing = await run(['witness', '--from', url.replace('/ledger/checkpoints', '/nowhere'), '--out', kept]);
    expect(missing).toMatchObject({ code: 2, err: expect.stringMatching(/Could not read checkpoints from .*HTTP 404/) });
  });
});
