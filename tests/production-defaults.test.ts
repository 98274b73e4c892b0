/**
 * Production never runs the synthetic partnership: with NODE_ENV=production the gateway refuses to start its
 * agency simulators or seed their cohort, and says how to name the real agencies instead.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agencies } from '../adapters/registry.js';
import { ConfigSchema, loadConfig } from '../gateway/config.js';
import { ROOT } from '../scripts/generated.js';

const names = agencies.map((a) => a.agency);
const urlVariables = names.map((agency) => `${agency.toUpperCase()}_URL`);
const provider = { AUTH_JWKS_URL: 'https://idp.example/jwks.json', AUTH_ISSUER: 'https://idp.example/' };

describe('NODE_ENV=production', () => {
  it.each([
    ['unset', {}],
    ['embedded', { AGENCIES: 'embedded' }],
  ])('refuses AGENCIES %s, naming every agency URL to set', (_case, agenciesSetting) => {
    const attempt = () => loadConfig({ NODE_ENV: 'production', ...provider, ...agenciesSetting }, names);
    expect(attempt).toThrow(/never starts the synthetic agency simulators or seeds synthetic data; set AGENCIES=external/);
    for (const variable of urlVariables) expect(attempt).toThrow(variable);
  });

  it('needs every registered agency’s URL with AGENCIES=external, and starts with them', () => {
    const urls = Object.fromEntries(urlVariables.map((variable, i) => [variable, `http://agency-${i}.internal:8080`]));
    const [first, ...rest] = urlVariables;
    const { [first as string]: _left, ...missingOne } = urls;
    expect(() => loadConfig({ NODE_ENV: 'production', AGENCIES: 'external', ...provider, ...missingOne }, names)).toThrow(`needs ${first}`);
    const config = loadConfig({ NODE_ENV: 'production', AGENCIES: 'external', ...provider, ...urls }, names);
    expect([...config.agencyUrls.keys()]).toEqual(names);
    expect(rest.length + 1).toBe(names.length);
  });

  it('development keeps its embedded default', () => {
    expect(loadConfig({}, names).AGENCIES).toBe('embedded');
  });
});

describe('the gateway process with NODE_ENV=production and no agencies', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gateway-production-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('exits 1 with the message before starting a simulator or writing any data', async () => {
    // Only this test's settings reach the child: none inherited from the shell running the suite.
    const ours = new Set([...Object.keys(ConfigSchema.shape), ...urlVariables]);
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !ours.has(name)));
    const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts'], {
      cwd: ROOT,
      env: { ...inherited, NODE_ENV: 'production', DATA_DIR: dataDir, PORT: '0', SIMULATOR_BASE_PORT: '0', ...provider },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, output).toBe(1);
    expect(output).toMatch(/AGENCIES: NODE_ENV=production never starts the synthetic agency simulators/);
    expect(output).not.toMatch(/^ *(simulator \w|cohort:|Partnership Gateway: http)/m);
    expect(await readdir(dataDir)).toEqual([]);
  }, 60_000);
});
