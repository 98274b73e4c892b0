/**
 * The two calls every agency contract shares (adapters/README.md), served from the population one person at a time:
 * `GET /identities?cursor=&limit=`, a paged identity feed whose positions are the population's indexes, and
 * `POST /<records>/batch` with `{ "keys": [...] }`, the records held for those keys, each key read back to its person.
 * Nothing is built in advance, so a million people cost no more memory than a thousand. A bad query or body is a 400
 * with the contract's Problem body, `{ "error": "<what>: <where>: <zod message>" }`, `what` in the agency's own words.
 */
import type { Router } from 'express';
import { z } from 'zod';

/** Every agency's openapi.yaml answers 400 with `Problem`: `{ error: string }`. */
export interface Problem {
  error: string;
}

/** How the feed's cursor names where the next page starts; opaque to callers either way. */
export type FeedCursor<I> =
  /** The position (population index) the next page starts at. */
  | { kind: 'position' }
  /** The key of the previous page's last item, read back to its position. */
  | { kind: 'after-key'; key: (item: I) => string; positionOf: (key: string) => number | undefined };

export interface IdentityFeedRoute<I> {
  path: string;
  /** Positions run from 0 to positions − 1: the population's size. */
  positions: number;
  /** The item at a position, or null where the agency holds no one there. */
  itemAt(position: number): I | null;
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

/** The position the page after `cursor` starts at, or undefined for a cursor this feed never issued. */
function pageStart<I>(identities: IdentityFeedRoute<I>): (value: string) => number | undefined {
  const { cursor, positions, itemAt } = identities;
  if (cursor.kind === 'position') {
    return (value) => {
      const position = /^\d+$/.test(value) ? Number(value) : Number.NaN;
      return position <= positions ? position : undefined;
    };
  }
  return (value) => {
    const last = cursor.positionOf(value);
    if (last === undefined || last >= positions) return undefined;
    const item = itemAt(last);
    return item !== null && cursor.key(item) === value ? last + 1 : undefined;
  };
}

/**
 * The `routes` of a simulator definition (kit/simulator.ts) serving the identity feed and the batch call.
 * A page holds `limit` items unless it is the last; a batch answers each known key once, in the order asked, and
 * leaves unknown keys out.
 */
export function identityAndBatchRoutes<I, R>(identities: IdentityFeedRoute<I>, batch: BatchRoute<R>): (router: Router) => void {
  const { cursor, positions, itemAt } = identities;
  const IdentityQuery = z.object({
    cursor: z.string().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(identities.maxLimit).default(100),
  });
  const startAfter = pageStart(identities);
  // The item found past a full page starts the next one: kept, so a feed read page by page makes each item once.
  let ahead: { position: number; item: I } | undefined;
  const itemAtPosition = (position: number) => (ahead?.position === position ? ahead.item : itemAt(position));

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
      const items: I[] = [];
      let next: number | null = null;
      for (let position = start; position < positions; position++) {
        const item = itemAtPosition(position);
        if (item === null) continue;
        if (items.length === query.data.limit) {
          next = position;
          ahead = { position, item };
          break;
        }
        items.push(item);
      }
      const last = items.at(-1);
      const nextCursor = next === null || last === undefined ? null : cursor.kind === 'position' ? String(next) : cursor.key(last);
      res.json({ items, nextCursor });
    });

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
