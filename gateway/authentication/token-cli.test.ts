/** The `npm run token` script (scripts/token.ts), run as a developer would run it. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPolicy } from '../policy/index.js';
import { createAuthenticator } from './authenticator.js';
import { LOCAL_AUDIENCE, LOCAL_ISSUER } from './local-issuer.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'token-cli-'));
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

function token(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn('npx', ['tsx', 'scripts/token.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'development', DATA_DIR: dataDir, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('npm run token', () => {
  it('prints only a token that the authenticator accepts', async () => {
    const result = await token([
      '--agency',
      'police',
      '--role',
      'police-offender-manager',
      '--sub',
      'pc-1234',
      '--name',
      'PC Jo Bloggs',
      '--team',
      'North IOM',
      '--client',
      'case-management',
      '--lifetime',
      '10m',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const authenticator = createAuthenticator({
      jwks: { file: join(dataDir, 'issuer', 'jwks.json') },
      issuer: LOCAL_ISSUER,
      audience: LOCAL_AUDIENCE,
      catalogue: loadPolicy('policies/iom-partnership.yaml'),
    });
    await expect(authenticator.authenticate(`Bearer ${result.stdout.trim()}`)).resolves.toEqual({
      userId: 'pc-1234',
      displayName: 'PC Jo Bloggs',
      agency: 'police',
      role: 'police-offender-manager',
      team: 'North IOM',
      clientApplication: 'case-management',
    });
  });

  it('explains bad arguments on stderr and prints no token', async () => {
    const result = await token(['--agency', 'police', '--role', 'police-offender-manager']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/--sub \(the user id\) is required/);
    expect(result.stderr).toMatch(/usage: npm run -s token/);
    expect(result.stderr).toMatch(/police\/police-offender-manager/);
  });

  it('refuses to mint a token for an agency and role the ISP does not pair', async () => {
    for (const [agency, role] of [
      ['housing', 'iom-coordinator'],
      ['police', 'ig-officer'],
      ['police', 'chief-constable'],
    ]) {
      const result = await token(['--agency', agency as string, '--role', role as string, '--sub', 'x-1']);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(new RegExp(`the ISP has no role "${role}" for the agency "${agency}"`));
    }
  });

  it('refuses in production without creating keys', async () => {
    const result = await token(['--agency', 'police', '--role', 'police-offender-manager', '--sub', 'pc-1234'], { NODE_ENV: 'production' });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/refuses to run with NODE_ENV=production/);
    expect(existsSync(join(dataDir, 'issuer'))).toBe(false);
  });
});
