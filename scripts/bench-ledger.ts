/**
 * `npm run bench:ledger -- [--records N] [--backend postgres|pglite] [--concurrency C]`: loads a ledger
 * of N records through the real append path (64 concurrent appenders, group commit, a checkpoint
 * every 1,000 records), then times what IG officers wait for: a full `verify`, an incremental one,
 * the subject access report of a person with 3,000 entries (fewer when N is small), the first page of
 * `disclosures` by user, and the bytes on disk per record.
 * PostgreSQL: DATABASE_URL or postgres://postgres@127.0.0.1:5432/test, in a throwaway database
 * created and dropped here. PGlite: a temporary directory. Loopback only; stops by itself.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { z } from 'zod';
import { agencyNames } from '../adapters/registry.js';
import { sampleRecord, sampleSubject } from '../gateway/ledger/fixtures.js';
import { type DisclosureRecordInput, type Ledger, type LedgerOptions, openLedger } from '../gateway/ledger/index.js';
import { type LedgerStore, openStore } from '../gateway/ledger/store.js';

const { values } = parseArgs({
  options: { records: { type: 'string' }, backend: { type: 'string' }, concurrency: { type: 'string' } },
  strict: true,
});
const args = z
  .object({
    records: z.coerce.number().int().min(1_000).max(10_000_000).default(100_000),
    backend: z.enum(['postgres', 'pglite']).default('postgres'),
    concurrency: z.coerce.number().int().min(1).max(1_000).default(64),
  })
  .parse(values);
const env = z
  .object({
    DATABASE_URL: z.preprocess((value) => (value === '' ? undefined : value), z.string().default('postgres://postgres@127.0.0.1:5432/test')),
  })
  .parse(process.env);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The people, users and times of the synthetic load. */
const PEOPLE = 20_000;
const USERS = 500;
const BUSY_PERSON = 999_999;
const busyEntries = Math.min(3_000, Math.floor(args.records / 10));
const busyEvery = Math.floor(args.records / busyEntries);
const YEAR_MS = 365 * 24 * 3_600_000;
const start = Date.parse('2025-01-06T09:00:00.000Z');

/** Record n: a disclosure about one person by one of 500 users, spread over a year; every busyEvery-th is about the busy person. */
function loadRecord(n: number): DisclosureRecordInput {
  const person = n % busyEvery === 0 && n / busyEvery <= busyEntries ? BUSY_PERSON : (n * 7_919) % PEOPLE;
  const user = (n * 104_729) % USERS;
  const agency = agencyNames[user % agencyNames.length] as string;
  return sampleRecord(n, {
    occurredAt: new Date(start + Math.floor((n / args.records) * YEAR_MS)).toISOString(),
    principal: { userId: `u-${String(user).padStart(4, '0')}`, displayName: `User ${user} (synthetic)`, agency, role: `${agency}-officer` },
    subjects: [sampleSubject(person)],
    requestId: `bench-${n}`,
  });
}

/** Wall time, and this process's CPU time: on a shared machine the second says how much was ours. */
const timed = async <T>(work: () => Promise<T>): Promise<{ value: T; ms: number; cpuMs: number }> => {
  const begun = performance.now();
  const cpu = process.cpuUsage();
  const value = await work();
  const used = process.cpuUsage(cpu);
  return { value, ms: performance.now() - begun, cpuMs: (used.user + used.system) / 1_000 };
};

async function load(ledger: Ledger): Promise<{ perSecond: number; p50: number; p99: number }> {
  const latencies: number[] = [];
  let next = 1;
  const begun = performance.now();
  let reported = 0;
  await Promise.all(
    Array.from({ length: args.concurrency }, async () => {
      while (next <= args.records) {
        const n = next++;
        const asked = performance.now();
        await ledger.append(loadRecord(n));
        latencies.push(performance.now() - asked);
        if (latencies.length - reported >= 100_000) {
          reported = latencies.length;
          console.log(`  ${reported} records appended (${Math.round(reported / ((performance.now() - begun) / 1_000))}/s)`);
        }
      }
    }),
  );
  const seconds = (performance.now() - begun) / 1_000;
  latencies.sort((a, b) => a - b);
  const at = (fraction: number) => latencies[Math.min(latencies.length - 1, Math.floor(fraction * latencies.length))] ?? Number.NaN;
  return { perSecond: latencies.length / seconds, p50: at(0.5), p99: at(0.99) };
}

async function bytesPerRecord(store: LedgerStore): Promise<number> {
  const [row] = await store.query(
    `SELECT (SELECT sum(pg_total_relation_size(t)) FROM unnest(ARRAY['ledger_records', 'ledger_subjects', 'ledger_checkpoints', 'ledger_head']::regclass[]) AS t) AS bytes,
            (SELECT count(*) FROM ledger_records) AS records`,
  );
  return Number(row?.bytes) / Number(row?.records);
}

async function measure(options: LedgerOptions, store: LedgerStore): Promise<void> {
  const ledger = await openLedger({ ...options, store, checkpointIntervalMs: 60_000, checkpointEveryRecords: 1_000 });
  try {
    console.log(`loading ${args.records} records through Ledger.append, ${args.concurrency} at a time (${args.backend})`);
    const appended = await load(ledger);
    await ledger.checkpoint();
    // What autovacuum does after a bulk load, done now so that the planner knows the tables' sizes.
    await store.exec('VACUUM ANALYZE ledger_records');
    await store.exec('VACUUM ANALYZE ledger_subjects');
    const full = await timed(() => ledger.verify());
    await ledger.append(loadRecord(args.records + 1));
    await ledger.checkpoint();
    const incremental = await timed(() => ledger.verify({ incremental: true }));
    const busy = sampleSubject(BUSY_PERSON).gatewayId;
    const access = [];
    for (let round = 0; round < 5; round++) access.push(await timed(() => ledger.subjectAccess(busy)));
    const byUser = [];
    for (let round = 0; round < 3; round++) {
      const user = `u-${String(round * 37).padStart(4, '0')}`;
      byUser.push(await timed(() => ledger.query({ userId: user }, { limit: 100, order: 'newest-first' })));
      byUser.push(await timed(() => ledger.query({ userId: user }, { limit: 100, order: 'oldest-first' })));
    }
    const bytes = await bytesPerRecord(store);
    const report = full.value;
    const verdict = report.ok
      ? `intact (${report.checked} records, ${report.checkpoints} checkpoints)`
      : `BROKEN at ${report.firstBad?.sequence}: ${report.firstBad?.detail}`;
    const spread = (runs: { ms: number }[]) => {
      const sorted = runs.map((run) => run.ms).sort((a, b) => a - b);
      return `${Math.round(sorted[Math.floor(sorted.length / 2)] ?? Number.NaN)} / ${Math.round(sorted.at(-1) ?? Number.NaN)}`;
    };
    console.table({
      records: { value: args.records },
      'append rate (records/s)': { value: Math.round(appended.perSecond) },
      'append p50 / p99 (ms)': { value: `${appended.p50.toFixed(1)} / ${appended.p99.toFixed(1)}` },
      'verify, full (s)': { value: (full.ms / 1_000).toFixed(1) },
      'verify, full: gateway process CPU (s)': { value: (full.cpuMs / 1_000).toFixed(1) },
      'verify, incremental (ms)': { value: Math.round(incremental.ms) },
      [`subject access, ${access[0]?.value.entries.length} entries (ms, median / slowest of 5)`]: { value: spread(access) },
      'first page of disclosures by user (ms, median / slowest of 6)': { value: spread(byUser) },
      'bytes on disk per record': { value: Math.round(bytes) },
      chain: { value: verdict },
    });
    if (!report.ok || !incremental.value.ok) process.exitCode = 1;
  } finally {
    await ledger.close();
  }
}

const workDir = await mkdtemp(join(tmpdir(), 'ledger-bench-'));
try {
  if (args.backend === 'pglite') {
    const store = await openStore({ dataDir: join(workDir, 'pglite') });
    try {
      await measure({ dataDir: join(workDir, 'pglite') }, store);
    } finally {
      await store.close();
    }
  } else {
    const adminUrl = new URL(env.DATABASE_URL);
    if (!LOOPBACK.has(adminUrl.hostname)) throw new Error(`The benchmark runs against loopback PostgreSQL only, not ${adminUrl.hostname}.`);
    const name = `ledger_bench_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl.toString(), connectionTimeoutMillis: 5_000 });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      const store = await openStore({ databaseUrl: url.toString() });
      try {
        await measure({ databaseUrl: url.toString(), dataDir: join(workDir, 'postgres') }, store);
      } finally {
        await store.close();
      }
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  }
} finally {
  await rm(workDir, { recursive: true, force: true });
}
