/**
 * Requests by document id (`{"documentId": "sha256:<hex>", "variables": ...}`, the GraphQL-over-HTTP persisted
 * documents convention) are served from the registered documents; a client marked trusted-documents-only can run
 * nothing else where enforced (production by default). The id of the document run goes into the ledger record.
 */
import type { Plugin } from 'graphql-yoga';
import { principalOf } from '../authentication/plugin.js';
import { gatewayError } from '../errors.js';
import type { Logger } from '../observability/logging.js';
import { observationOf } from '../observability/request.js';
import type { TrustedDocuments } from './manifest.js';

/** What this plugin adds to the GraphQL context: the id of the registered document being run, if one is. */
export interface DocumentContext {
  documentId?: string;
}

const DOCUMENT_ID = /^(?:sha256:)?([0-9a-fA-F]{64})$/;

export interface TrustedDocumentOptions {
  /** Refuse a trusted-documents-only client anything else (production); otherwise log it once per client. */
  enforce: boolean;
  logger: Logger;
}

export function useTrustedDocuments(store: TrustedDocuments, options: TrustedDocumentOptions): Plugin<DocumentContext> {
  const byRequest = new WeakMap<Request, string>();
  const warned = new Set<string>();
  return {
    onParams({ params, setParams, request }) {
      const given = (params as { documentId?: unknown }).documentId;
      if (given === undefined || given === null) return;
      const match = typeof given === 'string' ? DOCUMENT_ID.exec(given) : null;
      if (!match?.[1]) {
        throw gatewayError('BAD_REQUEST', 'documentId must be "sha256:" followed by the 64 hex digits of a registered document.', { http: { status: 400 } });
      }
      if (typeof params.query === 'string' && params.query !== '') {
        throw gatewayError('BAD_REQUEST', 'Send a documentId or a query, not both.', { http: { status: 400 } });
      }
      const hash = match[1].toLowerCase();
      const text = store.text(hash);
      if (text === undefined) {
        throw gatewayError(
          'PERSISTED_DOCUMENT_NOT_FOUND',
          `No document is registered as sha256:${hash.slice(0, 12)}...; register it with npm run documents and deploy, or send the query itself.`,
          { http: { status: 400 } },
        );
      }
      const { documentId: _documentId, ...rest } = params as typeof params & { documentId?: unknown };
      setParams({ ...rest, query: text });
      byRequest.set(request, hash);
    },
    onContextBuilding({ context, extendContext }) {
      const principal = principalOf(context);
      const hash = byRequest.get(context.request);
      const client = store.client(principal.clientApplication);
      if (client?.trustedDocumentsOnly && !(hash !== undefined && client.documents.has(hash))) {
        if (options.enforce) {
          throw gatewayError(
            'TRUSTED_DOCUMENTS_ONLY',
            `The client application "${client.id}" may run only the documents registered for it: send {"documentId": "sha256:..."} of one of them (npm run documents registers a client's .graphql files).`,
            { http: { status: 403 } },
          );
        }
        if (!warned.has(client.id)) {
          warned.add(client.id);
          options.logger.warn({ client: client.id }, `client ${client.id} ran a document it has not registered; in production it would be refused`);
        }
      }
      if (hash === undefined) return;
      const documentId = `sha256:${hash}`;
      const observation = observationOf((context as { res?: unknown }).res);
      if (observation) observation.documentId = documentId;
      extendContext({ documentId });
    },
  };
}
