/**
 * `npm run bench:console -- [--records N]`: fills a throwaway PostgreSQL ledger with N records (default 1,000,000)
 * through the real append path (scripts/ledger-load.ts), then times each IG console page as a signed-in officer's
 * browser would wait for it: over loopback HTTP, including the page's own audit record. Prints the median and slowest
 * of 3 after one warm-up. DATABASE_URL or postgres://postgres@127.0.0.1:5432/test; loopback only; stops by itself.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import express from 'express';
import pg from 'pg';
import { z } from 'zod';
import { agencies } from '../adapters/registry.js';
import { openIdentityDirectory } from '../gateway/agencies.js';
import { openConsole } from '../gateway/console/index.js';
import { ConsoleSessions, SESSION_COOKIE } from '../gateway/console/sessions.js';
import { sampleSubject } from '../gateway/ledger/fixtures.js';
import { openLedger } from '../gateway/ledger/index.js';
import { openStore } from '../gateway/ledger/store.js';
import { compilePolicy, loadPolicy } from '../gateway/policy/index.js';
import { buildGatewaySchema } from '../gateway/schema.js';
import { fillLedger, ledgerLoad } from './ledger-load.js';

const { values } = parseArgs({ options: { records: { type: 'string' } }, strict: true });
const args = z.object({ records: z.coerce.number().int().min(1_000).max(10_000_000).default(1_000_000) }).parse(values);
const adminUrl = new URL(process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test');
if (!['127.0.0.1', 'localhost', '[::1]'].includes(adminUrl.hostname))
  throw new Error(`The benchmark runs against loopback PostgreSQL only, not ${adminUrl.hostname}.`);

const name = `console_bench_${randomBytes(6).toString('hex')}`;
const admin = new pg.Client({ connectionString: adminUrl.toString(), connectionTimeoutMillis: 5_000 });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const workDir = await mkdtemp(join(tmpdir(), 'console-bench-'));
try {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const store = await openStore({ databaseUrl: url.toString() });
  const ledger = await openLedger({ store, dataDir: workDir, checkpointIntervalMs: 60_000, checkpointEveryRecords: 1_000 });
  try {
    console.log(`loading ${args.records} records through Ledger.append (PostgreSQL)`);
    const filled = await fillLedger(ledger, args.records, 64);
    console.log(`  ${Math.round(filled.perSecond)} records/s`);
    await ledger.checkpoint();
    await store.exec('VACUUM ANALYZE ledger_records');
    await store.exec('VACUUM ANALYZE ledger_subjects');
    // The integrity page goes on from the last verified checkpoint, as it does after the gateway's first check.
    const begun = performance.now();
    await ledger.verify();
    console.log(`  first full verify: ${((performance.now() - begun) / 1_000).toFixed(1)} s (the integrity page measured below is incremental)`);

    const isp = loadPolicy('policies/iom-partnership.yaml');
    const { end } = ledgerLoad(args.records);
    // No agencies, so an empty identity index: the console's pages, not its look-ups, are measured here.
    const nobody = await openIdentityDirectory(store, []);
    const router = await openConsole({
      ledger,
      database: store,
      isp,
      policy: compilePolicy(isp, buildGatewaySchema(agencies).classification),
      index: () => nobody.current(),
      signIn: { issuer: 'http://127.0.0.1:9', clientId: 'partnership-console', publicUrl: 'http://127.0.0.1' },
      secureCookies: false,
      // The load's last day is "today", so the dashboard's and alerts' windows are full.
      clock: () => end,
    });
    const app = express();
    app.use('/console', router);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const sessions = await ConsoleSessions.open(store);
    const cookieFor = async (role: string, agency: string) =>
      `${SESSION_COOKIE}=${(await sessions.create({ userId: `${role}-1`, displayName: 'Bench', agency, role, clientApplication: 'partnership-console' }, 'x')).token}`;
    const partnership = await cookieFor('ig-officer', 'iom');
    const police = await cookieFor('police-ig-officer', 'police');
    const busy = sampleSubject(ledgerLoad(args.records).BUSY_PERSON).gatewayId;
    const pages: [string, string, string][] = [
      ['dashboard (30 days)', '/console', partnership],
      ['find a person (gateway id)', `/console/people?kind=personId&value=${busy}`, partnership],
      ['subject access report, busy person', `/console/access-report?personId=${busy}`, partnership],
      ['disclosures, first page', '/console/disclosures', partnership],
      ['disclosures by user', '/console/disclosures?user=u-0037', partnership],
      ["disclosures, police IG officer's share", '/console/disclosures', police],
      ['one record', `/console/disclosures/${Math.floor(args.records / 2)}`, partnership],
      ['alerts (7 days)', '/console/alerts', partnership],
      ['ISP with per-clause chart (90 days)', '/console/isp', partnership],
      ['integrity (incremental)', '/console/integrity', partnership],
    ];
    const rows: Record<string, { 'median ms': number; 'slowest ms': number; status: number; kB: number }> = {};
    for (const [label, path, cookie] of pages) {
      const times: number[] = [];
      let status = 0;
      let bytes = 0;
      for (let round = 0; round < 4; round++) {
        const started = performance.now();
        const response = await fetch(`${base}${path}`, { headers: { cookie }, redirect: 'manual' });
        const body = await response.text();
        if (round > 0) times.push(performance.now() - started);
        status = response.status;
        bytes = body.length;
      }
      times.sort((a, b) => a - b);
      rows[label] = { 'median ms': Math.round(times[1] ?? Number.NaN), 'slowest ms': Math.round(times[2] ?? Number.NaN), status, kB: Math.round(bytes / 1024) };
    }
    console.log(`console pages on a ${args.records.toLocaleString('en-GB')}-record PostgreSQL ledger (target: under 1,000 ms)`);
    console.table(rows);
    server.close();
  } finally {
    await ledger.close();
    await store.close();
  }
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
  await rm(workDir, { recursive: true, force: true });
}
