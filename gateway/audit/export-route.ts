/**
 * GET /audit/export: the ledger, or the part a filter selects, streamed as NDJSON (verifiable offline), CSV
 * or FHIR R4 AuditEvent NDJSON. The same bearer tokens and the same rule as the audit queries: IG officers,
 * declaring X-Purpose: audit. The export is recorded in the ledger before its first byte leaves, and
 * covers the ledger up to and including that record.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { AuthenticationError, type Authenticator, KeySetUnavailableError } from '../authentication/authenticator.js';
import type { Principal } from '../authentication/principal.js';
import { type RateLimiter, rateLimitedMessage } from '../authentication/rate-limit.js';
import { recordEnvelope, recordedIdentifiers } from '../enforcement/index.js';
import { type ErrorCode, gatewayError, recordRefusedMessage } from '../errors.js';
import type { IdentityIndex } from '../identity/index-of-people.js';
import {
  canonicalJson,
  type DisclosureRecordInput,
  EXPORT_FORMATS,
  type ExportFormat,
  exportPage,
  type Ledger,
  type LedgerFilter,
  LedgerRecordError,
  LedgerUnavailableError,
} from '../ledger/index.js';
import { requestIdOf } from '../plugins/disclosure-recording.js';
import type { CompiledPolicy } from '../policy/index.js';
import { type AuditFilter, checkAuditFilter, described, type PersonReference } from './filter.js';
import { AUDIT_PURPOSE, auditRefusal, auditScopeOf } from './gate.js';
import { gatewayIdsOf, identifiersOf, personCriterion } from './people.js';
import { scopedCriteria } from './scope.js';

export interface AuditRouterOptions {
  ledger: Ledger;
  authenticator: Authenticator;
  rateLimiter: RateLimiter;
  /** The compiled ISP: whether it grants IG officers the purpose `audit`, and its version for the record. */
  policy: CompiledPolicy;
  /** The identity index as it stands, to name the person an export is about. */
  index: () => IdentityIndex;
}

const MAX_JUSTIFICATION = 500;
const PAGE_SIZE = 1_000;

const FORMATS: Record<ExportFormat, { contentType: string; extension: string }> = {
  ndjson: { contentType: 'application/x-ndjson; charset=utf-8', extension: 'ndjson' },
  csv: { contentType: 'text/csv; charset=utf-8; header=present', extension: 'csv' },
  fhir: { contentType: 'application/fhir+ndjson; charset=utf-8', extension: 'fhir.ndjson' },
};

const parameter = z.string({ error: 'must be given once, as text' });

/** The query parameters, named as in the GraphQL filter except `person` (a gateway id) and `user`. */
const exportQuerySchema = z.strictObject({
  format: z.enum(EXPORT_FORMATS, { error: `must be one of ${EXPORT_FORMATS.join(', ')}` }),
  person: parameter.optional(),
  pnc: parameter.optional(),
  cro: parameter.optional(),
  nomsNumber: parameter.optional(),
  crn: parameter.optional(),
  user: parameter.optional(),
  agency: parameter.optional(),
  role: parameter.optional(),
  purpose: parameter.optional(),
  clause: parameter.optional(),
  kind: parameter.optional(),
  outcome: parameter.optional(),
  from: parameter.optional(),
  to: parameter.optional(),
});

function refuse(res: Response, status: number, code: ErrorCode, message: string): void {
  res
    .status(status)
    .type('application/json')
    .json({ errors: [gatewayError(code, message).toJSON()] });
}

/** A form leaves unused fields empty (`?person=&from=`); an empty parameter is no criterion. */
function given(query: unknown): Record<string, unknown> {
  return Object.fromEntries(Object.entries(query as Record<string, unknown>).filter(([, value]) => value !== ''));
}

function checkJustification(header: string | undefined): { ok: true; value: string | undefined } | { ok: false } {
  const value = header?.trim() || undefined;
  if (value !== undefined && (value.length > MAX_JUSTIFICATION || /[\u0000-\u001f]/.test(value))) return { ok: false };
  return { ok: true, value };
}

/** The people the export is about, as the ledger names people: none for an export not about one person. */
async function subjectsOf(reference: PersonReference | undefined, ledger: Ledger, index: IdentityIndex): Promise<DisclosureRecordInput['subjects']> {
  if (reference === undefined) return [];
  const ids = await gatewayIdsOf(reference, ledger, index);
  return Promise.all(
    ids.map(async (gatewayId) => {
      const person = await index.byId(gatewayId);
      return { gatewayId, identifiers: { ...identifiersOf(reference), ...(person ? recordedIdentifiers(person) : {}) }, disclosed: [], withheld: [] };
    }),
  );
}

function auditRecord(options: {
  principal: Principal;
  justification: string | undefined;
  subjects: DisclosureRecordInput['subjects'];
  policy: CompiledPolicy;
  request: unknown;
  requestId: string;
}): DisclosureRecordInput {
  const { principal, justification } = options;
  return {
    ...recordEnvelope({ principal, purpose: AUDIT_PURPOSE, justification, policy: options.policy }),
    kind: 'audit',
    subjects: options.subjects,
    operationName: 'AuditExport',
    // The export's equivalent of a query's document hash: which export, with which criteria.
    documentHash: createHash('sha256').update(canonicalJson(options.request)).digest('hex'),
    requestId: options.requestId,
    outcome: 'nothing-disclosed',
  };
}

/** The matching entries up to and including `last`, page by page, in the chosen format. */
async function* exported(ledger: Ledger, filter: LedgerFilter, format: ExportFormat, last: number): AsyncGenerator<string> {
  let after: string | undefined;
  let first = true;
  do {
    const page = await ledger.query(filter, { limit: PAGE_SIZE, after });
    const entries = page.entries.filter((entry) => entry.sequence <= last);
    const text = exportPage(entries, format, first);
    if (text !== '') yield text;
    first = false;
    after = entries.length === page.entries.length ? (page.nextCursor ?? undefined) : undefined;
  } while (after !== undefined);
}

export function auditRouter(options: AuditRouterOptions): express.Router {
  const { ledger, authenticator, policy } = options;
  const router = express.Router();

  const exportLedger = async (req: Request, res: Response): Promise<void> => {
    // One rule for request ids on every route: the GraphQL path's, which reads a fetch Request's headers.
    const requestId = requestIdOf(
      new globalThis.Request('http://gateway.invalid/audit/export', { headers: { 'x-request-id': req.get('x-request-id') ?? '' } }),
    );
    res.setHeader('x-request-id', requestId);
    res.setHeader('cache-control', 'no-store');

    let principal: Principal;
    try {
      principal = await authenticator.authenticate(req.get('authorization') ?? null);
    } catch (error) {
      if (error instanceof KeySetUnavailableError) {
        res.setHeader('retry-after', '5');
        return refuse(res, 503, 'AUTHENTICATION_UNAVAILABLE', error.sentence);
      }
      if (!(error instanceof AuthenticationError)) throw error;
      res.setHeader('www-authenticate', `Bearer realm="partnership-gateway"${error.bearerError ? `, error="${error.bearerError}"` : ''}`);
      return refuse(res, 401, 'UNAUTHENTICATED', `authentication failed: ${error.reason}`);
    }
    const rate = options.rateLimiter.take(principal);
    if (!rate.allowed) {
      res.setHeader('retry-after', String(rate.retryAfterSeconds));
      return refuse(res, 429, 'RATE_LIMITED', rateLimitedMessage(rate, principal.role));
    }
    const refusal = auditRefusal(principal.role, req.get('x-purpose')?.trim() || null, policy);
    if (refusal) return refuse(res, refusal.status, refusal.code, refusal.message);
    const justification = checkJustification(req.get('x-justification'));
    if (!justification.ok) return refuse(res, 400, 'BAD_USER_INPUT', `X-Justification must be one line of at most ${MAX_JUSTIFICATION} characters.`);

    const query = exportQuerySchema.safeParse(given(req.query));
    if (!query.success) return refuse(res, 400, 'BAD_USER_INPUT', `The export parameters are not valid: ${described(query.error)}.`);
    const { format, person, user, ...criteria } = query.data;
    const checked = checkAuditFilter({ ...criteria, personId: person, userId: user });
    if (!checked.ok) return refuse(res, 400, checked.code, checked.message);
    const filter: AuditFilter = checked.value;

    let last: number;
    try {
      const subjects = await subjectsOf(filter.person, ledger, options.index());
      const record = auditRecord({
        principal,
        justification: justification.value,
        subjects,
        policy,
        request: { path: '/audit/export', ...query.data },
        requestId,
      });
      last = (await ledger.append(record)).sequence;
    } catch (error) {
      if (error instanceof LedgerRecordError) return refuse(res, 500, 'RECORD_REFUSED', recordRefusedMessage('nothing was exported'));
      if (!(error instanceof LedgerUnavailableError)) throw error;
      return refuse(res, 503, 'LEDGER_UNAVAILABLE', 'The disclosure ledger could not record this export, so nothing was exported. Try again shortly.');
    }

    res.status(200);
    res.setHeader('content-type', FORMATS[format].contentType);
    res.setHeader('content-disposition', `attachment; filename="disclosures-to-${last}.${FORMATS[format].extension}"`);
    res.setHeader('x-audit-record', String(last));
    // A failure part-way destroys the response: a cut-off download, never a short file that looks whole.
    const selected = scopedCriteria(
      filter.person === undefined ? filter.ledger : { ...filter.ledger, ...(await personCriterion(filter.person, options.index())) },
      auditScopeOf(principal, policy),
    );
    await pipeline(Readable.from(exported(ledger, selected, format, last)), res).catch((error: unknown) => {
      // A client that leaves early is no fault of the export.
      if ((error as { code?: unknown }).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw error;
    });
  };

  router.get('/export', (req, res) => {
    exportLedger(req, res).catch((error: unknown) => {
      process.emitWarning(
        `audit export ${String(res.getHeader('x-request-id'))} failed: ${error instanceof Error ? error.message : String(error)}`,
        'AuditExportWarning',
      );
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof LedgerUnavailableError) {
        return refuse(res, 503, 'LEDGER_UNAVAILABLE', 'The disclosure ledger could not be read just now, so nothing was exported. Try again shortly.');
      }
      res.status(500).json({ errors: [{ message: 'The export could not be completed; try again.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    });
  });
  return router;
}
