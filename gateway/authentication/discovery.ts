/**
 * An issuer's keys found through its OpenID Connect discovery document (AUTH_ISSUER plus
 * /.well-known/openid-configuration), for when neither AUTH_JWKS_URL nor AUTH_JWKS_FILE is given.
 */
import { z } from 'zod';

const discoverySchema = z.looseObject({ issuer: z.string(), jwks_uri: z.url({ protocol: /^https?$/ }) });

export async function discoverJwksUrl(issuer: string, fetcher: typeof fetch = fetch): Promise<string> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let body: unknown;
  try {
    const response = await fetcher(url, { signal: AbortSignal.timeout(10_000), headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    body = await response.json();
  } catch (error) {
    throw new Error(`could not read the discovery document ${url}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = discoverySchema.safeParse(body);
  if (!parsed.success) throw new Error(`the discovery document ${url} names no jwks_uri`);
  if (parsed.data.issuer.replace(/\/+$/, '') !== issuer.replace(/\/+$/, '')) {
    throw new Error(`the discovery document ${url} is for the issuer ${parsed.data.issuer}, not ${issuer}`);
  }
  return parsed.data.jwks_uri;
}

/** Discovery at start-up, waiting up to `attempts` × 2 s for a provider that starts beside the gateway. */
export async function discoverJwksUrlAtStartUp(issuer: string, attempts = 15, fetcher: typeof fetch = fetch): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await discoverJwksUrl(issuer, fetcher);
    } catch (error) {
      if (attempt >= attempts) throw error;
      console.warn(`  identity provider: ${error instanceof Error ? error.message : String(error)} (trying again)`);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  }
}
