import { mkdtempSync } from 'node:fs';
import { createServer, type RequestListener } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Listening, listen } from '../../tests/hostile-requests.js';
import { createAuthenticator } from '../authentication/authenticator.js';
import { discoverJwksUrl } from '../authentication/discovery.js';
import { ensureLocalIssuer, type LocalIssuer } from '../authentication/local-issuer.js';
import { loadPolicy } from '../policy/index.js';
import { createDevIdp } from './provider.js';
import { devStaff } from './staff.js';

const policy = loadPolicy('policies/iom-partnership.yaml');

describe('the development identity provider', () => {
  let idp: Listening;
  let local: LocalIssuer;
  beforeAll(async () => {
    local = await ensureLocalIssuer(mkdtempSync(join(tmpdir(), 'dev-idp-')), policy);
    let app: RequestListener = (_req, res) => res.writeHead(503).end();
    idp = await listen(createServer((req, res) => app(req, res)));
    app = createDevIdp({
      issuer: idp.url,
      catalogue: policy,
      signingKey: local.signingKey,
      redirectUris: ['http://127.0.0.1:4000/console/callback'],
      postLogoutRedirectUris: ['http://127.0.0.1:4000/console/signed-out'],
    }).app;
  });
  afterAll(async () => {
    await idp.close();
  });

  it('offers two synthetic members of staff for every role of the ISP', () => {
    const staff = devStaff(policy);
    for (const role of policy.roles) expect(staff.filter((account) => account.role === role.name && account.agency === role.agency)).toHaveLength(2);
    expect(new Set(staff.map((account) => account.sub)).size).toBe(staff.length);
  });

  it("publishes the local issuer's key, so npm run token's tokens verify through the provider's discovery document", async () => {
    const jwksUrl = await discoverJwksUrl(idp.url);
    expect(jwksUrl.startsWith(idp.url)).toBe(true);
    const authenticator = createAuthenticator({ jwks: { url: jwksUrl }, issuer: local.issuer, audience: local.audience, catalogue: policy });
    const token = await local.sign({ sub: 'ig-officer-1', agency: 'iom', role: 'ig-officer', azp: 'developer-cli' });
    await expect(authenticator.authenticate(`Bearer ${token}`)).resolves.toMatchObject({ userId: 'ig-officer-1', role: 'ig-officer' });
  });

  it('refuses a discovery document naming another issuer, and says when there is none', async () => {
    const impostor = (async () => Response.json({ issuer: 'https://elsewhere.example', jwks_uri: 'https://elsewhere.example/jwks' })) as typeof fetch;
    await expect(discoverJwksUrl(idp.url, impostor)).rejects.toThrow(/is for the issuer https:\/\/elsewhere.example/);
    await expect(discoverJwksUrl('http://127.0.0.1:9')).rejects.toThrow(/could not read the discovery document/);
  });
});
