/**
 * `npm run idp`: the development identity provider on its own (e.g. as a compose service). Settings:
 * gateway/dev-idp/settings.ts; ISP_FILE names the roles to offer, DATA_DIR holds the signing key shared with
 * `npm run token`.
 */
import { ensureLocalIssuer } from '../authentication/local-issuer.js';
import { loadPolicy } from '../policy/index.js';
import { createDevIdp } from './provider.js';
import { devIdpSettings } from './settings.js';

export async function startDevIdp(env: NodeJS.ProcessEnv, dataDir: string, ispFile: string, defaultHost = '127.0.0.1') {
  const settings = devIdpSettings(env, defaultHost);
  const catalogue = loadPolicy(ispFile);
  const local = await ensureLocalIssuer(dataDir, catalogue);
  const { app } = createDevIdp({ ...settings, catalogue, signingKey: local.signingKey });
  const server = app.listen(settings.port, settings.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  return { server, issuer: settings.issuer };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  startDevIdp(process.env, process.env.DATA_DIR ?? './data', process.env.ISP_FILE ?? 'policies/iom-partnership.yaml', '0.0.0.0').then(
    ({ issuer }) => console.log(`Development identity provider: ${issuer} (synthetic staff of every ISP role)`),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
