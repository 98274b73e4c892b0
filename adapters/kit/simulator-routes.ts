/**
 * The two calls every agency contract shares (adapters/README.md), served from data a simulator builds once:
 * `GET /identities?cursor=&limit=`, a paged identity feed over a prebuilt array, and `POST /<records>/batch`
 * with `{ "keys": [...] }`, the records held for those keys. A bad query or body is a 400 with the contract's
 * Problem body, `{ "error": "<what>: <where>: <zod message>" }`, `what` in the agency's own words.
 */
import type { Router } from 'express';
import { z } from 'zod';

/** Every agency's openapi.yaml answers 400 with `Problem`: `{ error: string }`. */
export interface Problem {
  error: string;
}

/** How the feed's cursor names where the next page starts; opaque to callers either way. */
export type FeedCursor<I> =
  /** The offset of the next page's first item. */
  | { kind: 'offset' }
  /** The key of the previous page's last item, for a feed the agency pages in key order. */
  | { kind: 'after-key'; key: (item: I) => string };

export interface IdentityFeedRoute<I> {
  path: string;
  /** Complete before the routes are made: the after-key cursor indexes it once. */
  items: readonly I[];
  cursor: FeedCursor<I>;
  /** The contract's `limit` maximum. */
  maxLimit: number;
  /** What the 400 says is wrong with a bad query, before the detail. */
  refusal: string;
}

export interface BatchRoute<R> {
  path: string;
  /** The contract's request body (client.ts), so the simulator refuses exactly what the contract does. */
  request: z.ZodType<{ keys: string[] }>;
  records: ReadonlyMap<string, R>;
  /** What the 400 says is wrong with a bad body, before the detail. */
  refusal: string;
}

function problem(what: string, error: z.ZodError): Problem {
  const first = error.issues[0];
  const where = first && first.path.length > 0 ? `${first.path.join('.')}: ` : '';
  return { error: `${what}: ${where}${first?.message ?? 'invalid'}` };
}

/** Index of the first item after `cursor`, or undefined for a cursor this feed never issued. */
function pageStart<I>(items: readonly I[], cursor: FeedCursor<I>): (value: string) => number | undefined {
  if (cursor.kind === 'offset') {
    return (value) => {
      const offset = /^\d+$/.test(value) ? Number(value) : Number.NaN;
      return offset <= items.length ? offset : undefined;
    };
  }
  const position = new Map(items.map((item, index) => [cursor.key(item), index]));
  return (value) => {
    const last = position.get(value);
    return last === undefined ? undefined : last + 1;
  };
}

/**
 * The `routes` of a simulator definition (kit/simulator.ts) serving the identity feed and the batch call.
 * A batch answers each known key once, in the order asked, and leaves unknown keys out.
 */
export function identityAndBatchRoutes<I, R>(identities: IdentityFeedRoute<I>, batch: BatchRoute<R>): (router: Router) => void {
  const { items, cursor } = identities;
  const IdentityQuery = z.object({
    cursor: z.string().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(identities.maxLimit).default(100),
  });
  const startAfter = pageStart(items, cursor);

  return (router) => {
    router.get(identities.path, (req, res) => {
      const query = IdentityQuery.safeParse(req.query);
      if (!query.success) {
        res.status(400).json(problem(identities.refusal, query.error));
        return;
      }
      const start = query.data.cursor === undefined ? 0 : startAfter(query.data.cursor);
      if (start === undefined) {
        res.status(400).json({ error: `${identities.refusal}: cursor: not a nextCursor this feed issued` } satisfies Problem);
        return;
      }
      const end = start + query.data.limit;
      const page = items.slice(start, end);
      const last = page.at(-1);
      const nextCursor = end < items.length && last !== undefined ? (cursor.kind === 'offset' ? String(end) : cursor.key(last)) : null;
      res.json({ items: page, nextCursor });
    });

    router.post(batch.path, (req, res) => {
      const body = batch.request.safeParse(req.body);
      if (!body.success) {
        res.status(400).json(problem(batch.refusal, body.error));
        return;
      }
      const records = [...new Set(body.data.keys)].flatMap((key) => batch.records.get(key) ?? []);
      res.json({ records });
    });
  };
}
