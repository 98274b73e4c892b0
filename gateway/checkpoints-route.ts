/**
 * GET /ledger/checkpoints: the gateway's witness file, page by page, with the public key that signed
 * it, so that each partner can keep its own copy (`npm run ledger -- witness --from URL --out FILE`).
 *
 * No token: a checkpoint is a record count, a hash and a time, signed; it says nothing about any
 * person, and a statement meant to be copied by every partner is worth more the fewer credentials
 * copying it needs (docs/adr/0106-published-checkpoints-need-no-token.md).
 */
import express from 'express';
import { z } from 'zod';
import { gatewayError } from './errors.js';
import { type Ledger, LedgerUnavailableError } from './ledger/index.js';

export const CHECKPOINT_PAGE_MAX = 1_000;

const pageSchema = z.strictObject({
  /** The `next` of the previous page: how many lines of the witness have been read. */
  from: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  limit: z.coerce.number().int().min(1).max(CHECKPOINT_PAGE_MAX).default(CHECKPOINT_PAGE_MAX),
});

export function checkpointsRouter(ledger: Ledger): express.Router {
  const router = express.Router();
  router.get('/checkpoints', (req, res) => {
    res.setHeader('cache-control', 'no-store');
    const page = pageSchema.safeParse(req.query);
    if (!page.success) {
      const message = `from must be a line number (0 or more) and limit between 1 and ${CHECKPOINT_PAGE_MAX}.`;
      res.status(400).json({ errors: [gatewayError('BAD_USER_INPUT', message).toJSON()] });
      return;
    }
    const { from, limit } = page.data;
    ledger.witnessed().then(
      (entries) => {
        const checkpoints = entries.slice(from, from + limit);
        const next = from + checkpoints.length;
        res.json({ publicKey: ledger.publicKey, checkpoints, next: next < entries.length ? next : null });
      },
      (error: unknown) => {
        const detail = error instanceof LedgerUnavailableError ? error.message : 'The ledger witness could not be read. Try again shortly.';
        res.status(503).json({ errors: [gatewayError('LEDGER_UNAVAILABLE', detail).toJSON()] });
      },
    );
  });
  return router;
}
