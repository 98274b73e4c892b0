/**
 * The batch call every agency contract has (adapters/README.md), served from the population one person at a time:
 * `POST /<records>/batch` with `{ "keys": [...] }`, the records held for those keys, each key read back to its person.
 * Nothing is built in advance, so a million people cost no more memory than a thousand. A bad body is a 400 with the
 * contract's Problem body, `{ "error": "<what>: <where>: <zod message>" }`, `what` in the agency's own words.
 * (Whom the agency holds is its identity change feed, which every simulator serves alike: identity-changes.ts.)
 */
import type { Router } from 'express';
import type { z } from 'zod';

/** Every agency's openapi.yaml answers 400 with `Problem`: `{ error: string }`. */
interface Problem {
  error: string;
}

export interface BatchRoute<R> {
  path: string;
  /** The contract's request body (client.ts), so the simulator refuses exactly what the contract does. */
  request: z.ZodType<{ keys: string[] }>;
  /** The record held under a key, or undefined for a key the agency does not hold. */
  recordOf(key: string): R | undefined;
  /** What the 400 says is wrong with a bad body, before the detail. */
  refusal: string;
}

function problem(what: string, error: z.ZodError): Problem {
  const first = error.issues[0];
  const where = first && first.path.length > 0 ? `${first.path.join('.')}: ` : '';
  return { error: `${what}: ${where}${first?.message ?? 'invalid'}` };
}

/**
 * The `routes` of a simulator definition (kit/simulator.ts) serving the batch call: each known key answered once,
 * in the order asked, unknown keys left out.
 */
export function batchRoute<R>(batch: BatchRoute<R>): (router: Router) => void {
  return (router) => {
    router.post(batch.path, (req, res) => {
      const body = batch.request.safeParse(req.body);
      if (!body.success) {
        res.status(400).json(problem(batch.refusal, body.error));
        return;
      }
      const records = [...new Set(body.data.keys)].flatMap((key) => batch.recordOf(key) ?? []);
      res.json({ records });
    });
  };
}
