/**
 * The console's settings from the environment: CONSOLE_CLIENT_ID (partnership-console), the client the identity
 * provider knows the console as; CONSOLE_PUBLIC_URL (http://localhost:<PORT>), where browsers reach the gateway.
 */
import { z } from 'zod';
import { CONSOLE_CLIENT_ID } from '../dev-idp/provider.js';

const settingsSchema = z.object({
  CONSOLE_CLIENT_ID: z.string().min(1).default(CONSOLE_CLIENT_ID),
  CONSOLE_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
});

export function consoleSettings(env: NodeJS.ProcessEnv, port: number): { clientId: string; publicUrl: string } {
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) throw new Error(`Invalid configuration:\n${z.prettifyError(parsed.error)}`);
  return { clientId: parsed.data.CONSOLE_CLIENT_ID, publicUrl: (parsed.data.CONSOLE_PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '') };
}
