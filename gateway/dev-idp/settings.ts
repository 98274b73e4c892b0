/**
 * Where the development identity provider listens and whom it serves, from the environment: DEV_IDP_PORT (4400),
 * DEV_IDP_HOST (127.0.0.1 embedded,
 * 0.0.0.0 alone), DEV_IDP_ISSUER (http://localhost:4400; `npm run token` signs under the same name), and
 * the console it sends people back to, CONSOLE_PUBLIC_URL (http://localhost:<PORT>, the gateway's port, 4000; also
 * accepted at 127.0.0.1).
 */
import { z } from 'zod';
import { LOCAL_ISSUER } from '../authentication/local-issuer.js';

const settingsSchema = z.object({
  DEV_IDP_PORT: z.coerce.number().int().min(0).max(65_535).default(4400),
  DEV_IDP_HOST: z.string().min(1).optional(),
  CONSOLE_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  PORT: z.coerce.number().int().min(0).max(65_535).default(4000),
});

export interface DevIdpSettings {
  port: number;
  host: string;
  issuer: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
}

/** The console's callback and sign-out landing, at the public URL and at its loopback twin. */
export function consoleReturnUris(consoleUrl: string): { redirectUris: string[]; postLogoutRedirectUris: string[] } {
  const base = consoleUrl.replace(/\/+$/, '');
  const bases = [base, base.replace('//localhost', '//127.0.0.1')].filter((value, index, all) => all.indexOf(value) === index);
  return { redirectUris: bases.map((b) => `${b}/console/callback`), postLogoutRedirectUris: bases.map((b) => `${b}/console/signed-out`) };
}

/** `defaultHost`: loopback when embedded in `npm start`; every interface when run alone as a service (`npm run idp`). */
export function devIdpSettings(env: NodeJS.ProcessEnv, defaultHost: string): DevIdpSettings {
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) throw new Error(`Invalid configuration:\n${z.prettifyError(parsed.error)}`);
  const { DEV_IDP_PORT, DEV_IDP_HOST, CONSOLE_PUBLIC_URL, PORT } = parsed.data;
  return {
    port: DEV_IDP_PORT,
    host: DEV_IDP_HOST ?? defaultHost,
    issuer: LOCAL_ISSUER,
    ...consoleReturnUris(CONSOLE_PUBLIC_URL ?? `http://localhost:${PORT}`),
  };
}
