/**
 * `npm run bench:population`: what the synthetic population costs at scale (ADR 0155). Makes BENCH_SIZE people one
 * at a time without holding them (time and this process's RSS), then starts one agency's simulator in its own
 * process over the same population (`adapters/serve.ts`), reads its identity change feed from the start to its end
 * 500 at a time (everyone the agency holds, as the gateway's first load does), and prints the time taken and the
 * simulator's RSS (current and peak, from /proc).
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { IDENTITY_CHANGES_PATH } from '../adapters/kit/identity-changes.js';
import { CONTRACT_LIMITS } from '../adapters/kit/identity-feed.js';
import { createPopulation, POPULATION_SIZE_LIMIT } from '../adapters/population/generate.js';
import { agencyNames } from '../adapters/registry.js';

const env = z
  .object({
    BENCH_SIZE: z.coerce.number().int().min(10).max(POPULATION_SIZE_LIMIT).default(POPULATION_SIZE_LIMIT),
    BENCH_AGENCY: z.enum(agencyNames as [string, ...string[]]).default('police'),
    BENCH_GENERATE: z.enum(['yes', 'no']).default('yes'),
  })
  .parse(process.env);

/** A change page as far as this count needs it: the changes are counted, not read. */
const ChangePage = z.object({ items: z.array(z.unknown()), cursor: z.string().min(1), more: z.boolean() });

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

async function rssOf(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

const population = createPopulation({ size: env.BENCH_SIZE });
console.log(`population of ${env.BENCH_SIZE.toLocaleString('en-GB')}, seed ${population.seed}`);

if (env.BENCH_GENERATE === 'yes') {
  const began = performance.now();
  let known = 0;
  for (const person of population) if (person.police) known++;
  const seconds = (performance.now() - began) / 1000;
  console.log(
    `  made every person once, none held: ${seconds.toFixed(1)} s (${((seconds * 1e6) / env.BENCH_SIZE).toFixed(0)} µs each), RSS ${mb(process.memoryUsage().rss)}; police know ${known.toLocaleString('en-GB')}`,
  );
}

const child = spawn(process.execPath, ['--import', 'tsx', 'adapters/serve.ts', env.BENCH_AGENCY], {
  env: { ...process.env, PORT: '0', POPULATION_SIZE: String(env.BENCH_SIZE), SIMULATOR_EVENT_INTERVAL_MS: '0' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise<string>((resolve, reject) => {
  child.once('exit', (code) => reject(new Error(`the simulator exited (${code})`)));
  child.stdout.on('data', (chunk: Buffer) => {
    const found = /(http:\/\/\S+)/.exec(chunk.toString());
    if (found?.[1]) resolve(found[1]);
  });
});
const pid = child.pid as number;
try {
  const idle = await rssOf(pid);
  console.log(`  ${env.BENCH_AGENCY} simulator started at ${url}: RSS ${mb(idle.rss)}`);
  const began = performance.now();
  let items = 0;
  let pages = 0;
  let after: string | null = null;
  let more = true;
  while (more) {
    const query: string = `?limit=${CONTRACT_LIMITS.identityPage}${after === null ? '' : `&after=${encodeURIComponent(after)}`}`;
    const page = ChangePage.parse(await (await fetch(`${url}${IDENTITY_CHANGES_PATH}${query}`)).json());
    items += page.items.length;
    pages += 1;
    after = page.cursor;
    more = page.more;
  }
  const seconds = (performance.now() - began) / 1000;
  const read = await rssOf(pid);
  console.log(
    `  identity change feed from the start: ${items.toLocaleString('en-GB')} records in ${pages} pages, ${seconds.toFixed(1)} s (${((seconds * 1000) / pages).toFixed(0)} ms a page); RSS ${mb(read.rss)}, peak ${mb(read.peak)}`,
  );
} finally {
  child.kill('SIGTERM');
}
