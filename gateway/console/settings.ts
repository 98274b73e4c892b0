/**
 * The console's settings from the environment: CONSOLE_CLIENT_ID (partnership-console), the client the identity
 * provider knows the console as; CONSOLE_PUBLIC_URL (http://localhost:<PORT>), where browsers reach the gateway.
 * In production the console's cookies are Secure, so browsers keep them only over HTTPS (or on localhost, which
 * browsers treat as secure): a production public URL must be one of those, and must be set.
 */
import { z } from 'zod';
import { CONSOLE_CLIENT_ID } from '../dev-idp/provider.js';

export const consoleSettingsSchema = z.object({
  CONSOLE_CLIENT_ID: z.string().min(1).default(CONSOLE_CLIENT_ID),
  CONSOLE_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
});

const LOCALHOST = new Set(['localhost', '127.0.0.1', '[::1]']);

export function consoleSettings(env: NodeJS.ProcessEnv, port: number): { clientId: string; publicUrl: string } {
  const parsed = consoleSettingsSchema.safeParse(env);
  if (!parsed.success) throw new Error(`Invalid configuration:\n${z.prettifyError(parsed.error)}`);
  const publicUrl = parsed.data.CONSOLE_PUBLIC_URL;
  if (env.NODE_ENV === 'production') {
    const url = publicUrl === undefined ? undefined : new URL(publicUrl);
    if (url === undefined || (url.protocol !== 'https:' && !LOCALHOST.has(url.hostname))) {
      throw new Error(
        `Invalid configuration: CONSOLE_PUBLIC_URL must be the https:// address browsers reach the gateway at in production (http:// only for localhost), so the console's Secure cookies are kept; it is ${publicUrl ?? 'not set'}.`,
      );
    }
  }
  return { clientId: parsed.data.CONSOLE_CLIENT_ID, publicUrl: (publicUrl ?? `http://localhost:${port}`).replace(/\/+$/, '') };
}
