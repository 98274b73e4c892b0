/**
 * `npm run bench:ledger`: sustained append throughput and latency of the disclosure ledger, with
 * 64 concurrent appenders for about 5 s per backend, then a full chain verification.
 * PostgreSQL: DATABASE_URL or postgres://postgres@127.0.0.1:5432/test, in a throwaway database
 * created and dropped here. PGlite: a temporary directory. Loopback only; stops by itself.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { z } from 'zod';
import { sampleRecord } from '../gateway/ledger/fixtures.js';
import { openLedger, type Ledger, type LedgerOptions } from '../gateway/ledger/index.js';

const env = z
  .object({
    DATABASE_URL: z.preprocess(
      (value) => (value === '' ? undefined : value),
      z.string().default('postgres://postgres@127.0.0.1:5432/test'),
    ),
    BENCH_SECONDS: z.coerce.number().positive().default(5),
    BENCH_CONCURRENCY: z.coerce.number().int().positive().default(64),
  })
  .parse(process.env);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

interface Result {
  backend: string;
  records: number;
  perSecond: number;
  p50: number;
  p99: number;
  verified: string;
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
}

async function measure(backend: string, options: LedgerOptions): Promise<Result> {
  const ledger: Ledger = await openLedger({ checkpointIntervalMs: 1_000, ...options });
  try {
    const latencies: number[] = [];
    let next = 0;
    const started = performance.now();
    const deadline = started + env.BENCH_SECONDS * 1_000;
    await Promise.all(
      Array.from({ length: env.BENCH_CONCURRENCY }, async () => {
        while (performance.now() < deadline) {
          const n = next++;
          const begun = performance.now();
          await ledger.append(sampleRecord(n, { requestId: `bench-${n}` }));
          latencies.push(performance.now() - begun);
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1_000;
    const report = await ledger.verify();
    latencies.sort((a, b) => a - b);
    return {
      backend,
      records: latencies.length,
      perSecond: latencies.length / elapsed,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      verified: report.ok
        ? `intact (${report.checked} records, ${report.checkpoints} checkpoints)`
        : `BROKEN at ${report.firstBad?.sequence}: ${report.firstBad?.detail}`,
    };
  } finally {
    await ledger.close();
  }
}

async function postgres(dataDir: string): Promise<Result> {
  const adminUrl = new URL(env.DATABASE_URL);
  if (!LOOPBACK.has(adminUrl.hostname)) {
    throw new Error(`The benchmark runs against loopback PostgreSQL only, not ${adminUrl.hostname}.`);
  }
  const name = `ledger_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl.toString(), connectionTimeoutMillis: 5_000 });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return await measure('postgres', { databaseUrl: url.toString(), dataDir });
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

const workDir = await mkdtemp(join(tmpdir(), 'ledger-bench-'));
const results: Result[] = [];
try {
  console.log(`ledger benchmark: ${env.BENCH_CONCURRENCY} concurrent appenders, ${env.BENCH_SECONDS} s per backend`);
  results.push(await postgres(join(workDir, 'postgres')));
  results.push(await measure('pglite', { dataDir: join(workDir, 'pglite') }));
} finally {
  await rm(workDir, { recursive: true, force: true });
}
console.table(
  results.map((result) => ({
    backend: result.backend,
    records: result.records,
    'records/s': Math.round(result.perSecond),
    'p50 ms': result.p50.toFixed(1),
    'p99 ms': result.p99.toFixed(1),
    chain: result.verified,
  })),
);
if (results.some((result) => !result.verified.startsWith('intact'))) process.exitCode = 1;
