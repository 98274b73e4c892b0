/**
 * The disclosure invariant, enforced where the result leaves execution: walk the final result, record in
 * the ledger exactly what it carries about each person (and what was withheld, and who was consulted),
 * and release the result only once that record is committed. If the ledger cannot write, the caller gets
 * LEDGER_UNAVAILABLE and no data. In `reject` mode an operation that would withhold anything is refused whole.
 * A subscription is recorded payload by payload, each before it is sent; a ledger failure ends its stream.
 */
import { createHash, randomUUID } from 'node:crypto';
import { type DocumentNode, type ExecutionArgs, type ExecutionResult, print } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Access } from '../enforcement/index.js';
import { DisclosureSet, recordEnvelope, recordedIdentifiers } from '../enforcement/index.js';
import { gatewayError, recordRefused } from '../errors.js';
import type { IdentityIndex } from '../identity/index-of-people.js';
import type { LinkedPerson } from '../identity/link.js';
import { type DisclosureRecordInput, type Ledger, LedgerRecordError, type RecordKind, type RecordOutcome } from '../ledger/index.js';
import { yieldToEventLoop } from '../ledger/store.js';

export type EnforcementMode = 'redact' | 'reject';

interface RecordingContext {
  access: Access;
  index: IdentityIndex;
  disclosures: DisclosureSet;
  requestId: string;
  /** Set by gateway/documents/ when the request ran a registered document by id. */
  documentId?: string;
}

type SubjectInput = DisclosureRecordInput['subjects'][number];

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** The caller's X-Request-Id when it is a sensible token, so both sides can quote one id; otherwise a new one. */
export function requestIdOf(request: Request): string {
  const given = request.headers.get('x-request-id');
  return given && REQUEST_ID.test(given) ? given : randomUUID();
}

/** As many as the aliases limit lets one request make; more are the same fishing trip. */
const MAX_LOOKUPS = 100;

/** Per parsed document: yoga reuses the document of a query it has seen, so each is printed and hashed once. */
const documentHashes = new WeakMap<DocumentNode, string>();
function documentHash(document: DocumentNode): string {
  let hash = documentHashes.get(document);
  if (hash === undefined) {
    hash = createHash('sha256').update(print(document)).digest('hex');
    documentHashes.set(document, hash);
  }
  return hash;
}

function isResult(value: unknown): value is ExecutionResult {
  return typeof value === 'object' && value !== null && !(Symbol.asyncIterator in value);
}

async function recordOf(
  args: ExecutionArgs,
  context: RecordingContext,
  result: ExecutionResult,
  outcomeOverride: RecordOutcome | null,
): Promise<DisclosureRecordInput | null> {
  const { access, disclosures } = context;
  const disclosed = disclosures.disclosedIn(result.data);
  const people = new Set<LinkedPerson>([...disclosures.consulted, ...disclosed.map((d) => d.subject)]);
  // An aggregate report is about no one in particular: recorded although it lists no subjects.
  const aggregated = disclosures.aggregatesIn(result.data).length > 0;
  const { lookups } = disclosures;
  if (people.size === 0 && disclosures.audited === null && !aggregated && lookups.length === 0) return null;

  // Each person's entries, gathered in one pass (a page of 50 people carries hundreds), their keys in the order the
  // record keeps them (code-unit order), so that the ledger takes them as they are (ledger/record.ts).
  const entries = new Map<LinkedPerson, Pick<SubjectInput, 'disclosed' | 'withheld'>>([...people].map((person) => [person, { disclosed: [], withheld: [] }]));
  for (const { subject, dataItem, path, clauseId } of disclosed) entries.get(subject)?.disclosed.push({ clauseId, dataItem, path });
  for (const { subject, dataItem, path, reason, clauseId } of disclosures.withheld) {
    entries.get(subject)?.withheld.push({ ...(clauseId ? { clauseId } : {}), dataItem, path, reason });
  }
  const subjects: SubjectInput[] = await Promise.all(
    [...entries].map(async ([person, { disclosed, withheld }]) => ({
      gatewayId: person.id,
      identifiers: recordedIdentifiers(person),
      // From the register: a person consulted but asked nothing of (a page of cursors) costs the agencies nothing.
      inActiveCohort: await access.inActiveCohort(person),
      disclosed,
      withheld,
    })),
  );
  // An audit names people as the ledger does: with what the index knows of them now, and what the ledger named them by.
  // A page of the ledger can name thousands: read in one query, not one each.
  const named = new Set(subjects.map((s) => s.gatewayId));
  const audited = [...(disclosures.audited ?? [])].filter(([gatewayId]) => !named.has(gatewayId));
  const indexed = await context.index.byIds(audited.map(([gatewayId]) => gatewayId));
  for (const [i, [gatewayId, identifiers]] of audited.entries()) {
    const person = indexed[i];
    subjects.push({ gatewayId, identifiers: { ...identifiers, ...(person ? recordedIdentifiers(person) : {}) }, disclosed: [], withheld: [] });
  }
  const anyDisclosed = subjects.some((s) => s.disclosed.length > 0);
  const kind: RecordKind = anyDisclosed
    ? 'disclosure'
    : aggregated
      ? 'aggregate'
      : disclosures.audited
        ? 'audit'
        : people.size === 0
          ? 'lookup'
          : 'consultation';
  const outcome: RecordOutcome = outcomeOverride ?? (anyDisclosed || aggregated ? 'disclosed' : 'nothing-disclosed');
  const { principal, declaration } = access;
  return {
    ...recordEnvelope({ principal, purpose: declaration.purpose, justification: declaration.justification, policy: access.policy }),
    kind,
    subjects: outcomeOverride === 'refused' ? subjects.map((s) => ({ ...s, disclosed: [] })) : subjects,
    ...(args.operationName ? { operationName: args.operationName } : {}),
    documentHash: documentHash(args.document),
    ...(context.documentId ? { documentId: context.documentId } : {}),
    requestId: context.requestId,
    outcome,
    ...(declaration.emergency ? { emergency: true } : {}),
    ...(lookups.length > 0 ? { lookups: lookups.slice(0, MAX_LOOKUPS) } : {}),
  };
}

interface RecordingOptions {
  ledger: Ledger;
  mode: EnforcementMode;
  /** Told of a record the ledger's own checks refused: a fault in the gateway, which an outage never is. */
  onRecordRefused?: (error: LedgerRecordError) => void;
  /** Told of each record once committed, with the request's context (graceful shutdown follows its delivery). */
  onRecorded?: (record: DisclosureRecordInput, context: RecordingContext) => void;
}

/** The result as it may leave: refused in `reject` mode if anything was withheld, and recorded first; `recorded` false if the ledger failed. */
async function release(
  options: RecordingOptions,
  args: ExecutionArgs,
  context: RecordingContext,
  result: ExecutionResult,
): Promise<{ result: ExecutionResult; recorded: boolean }> {
  const { ledger, mode } = options;
  // What an unavailable agency kept out is not the ISP withholding it: it does not make `reject` refuse.
  const byPolicy = context.disclosures.withheld.filter((w) => !w.reason.startsWith('agency-unavailable:'));
  const refused = mode === 'reject' && byPolicy.length > 0;
  const released: ExecutionResult = refused
    ? {
        data: null,
        errors: [
          gatewayError(
            'WITHHELD',
            'This operation asks for data the ISP does not share with you for this purpose, and the gateway refuses such operations whole. Ask only for what accessExplanation allows.',
            {
              dataItems: [...new Set(byPolicy.map((w) => w.dataItem))],
              http: { status: 403 },
            },
          ),
        ],
      }
    : result;
  // A page's execution and its record are each long enough to hold up other callers: not one task together.
  await yieldToEventLoop();
  const record = await recordOf(args, context, released, refused ? 'refused' : null);
  if (record) {
    try {
      await yieldToEventLoop();
      await ledger.append(record);
      options.onRecorded?.(record, context);
    } catch (error) {
      if (!(error instanceof LedgerRecordError)) {
        const unavailable = gatewayError(
          'LEDGER_UNAVAILABLE',
          'The disclosure ledger could not record this request, so nothing was disclosed. Try again shortly.',
          { http: { status: 503 } },
        );
        return { recorded: false, result: { data: null, errors: [unavailable] } };
      }
      options.onRecordRefused?.(error);
      return { recorded: false, result: { data: null, errors: [recordRefused('nothing was disclosed', context.requestId)] } };
    }
  }
  return { recorded: true, result: { ...released, extensions: { ...released.extensions, requestId: context.requestId } } };
}

/**
 * A subscription's payloads, each released (recorded) before it is passed on, with the disclosure set emptied
 * after it: the context is the subscription's for all its payloads. Pulled one at a time, so a payload is recorded
 * only when the client's stream asks for it; a ledger failure sends LEDGER_UNAVAILABLE and ends the stream.
 */
function recordedPayloads(
  options: RecordingOptions,
  args: ExecutionArgs,
  context: RecordingContext,
  payloads: AsyncGenerator<ExecutionResult, void, void>,
): AsyncGenerator<ExecutionResult, void, void> {
  let ended = false;
  const end = async (): Promise<IteratorReturnResult<void>> => {
    ended = true;
    await payloads.return();
    return { done: true, value: undefined };
  };
  const recorded: AsyncGenerator<ExecutionResult, void, void> = {
    [Symbol.asyncIterator]: () => recorded,
    async next() {
      if (ended) return { done: true, value: undefined };
      const payload = await payloads.next();
      if (payload.done) {
        ended = true;
        return payload;
      }
      const released = await release(options, args, context, payload.value);
      context.disclosures = new DisclosureSet();
      if (!released.recorded) await end();
      return { done: false, value: released.result };
    },
    return: end,
    async throw(error: unknown) {
      await end();
      throw error;
    },
  };
  return recorded;
}

export function useDisclosureRecording(options: RecordingOptions): Plugin {
  return {
    onExecute({ setExecuteFn, executeFn }) {
      setExecuteFn(async (args: ExecutionArgs) => {
        const result: unknown = await executeFn(args);
        if (!isResult(result)) return result;
        return (await release(options, args, args.contextValue as RecordingContext, result)).result;
      });
    },
    onSubscribe({ setSubscribeFn, subscribeFn }) {
      setSubscribeFn(async (args) => {
        const result = await subscribeFn(args);
        const context = args.contextValue as RecordingContext;
        return isResult(result) ? (await release(options, args, context, result)).result : recordedPayloads(options, args, context, result);
      });
    },
  };
}
