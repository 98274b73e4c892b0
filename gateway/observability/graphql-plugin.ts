/**
 * What only GraphQL knows about a request, for its log line, metrics and trace (request.ts): the principal's
 * user id, the operation, the codes of its errors; and the policy and execution steps as spans. Per request,
 * never per field.
 */
import { type ExecutionArgs, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { observationOf } from './request.js';
import { SpanStatusCode, startChildSpan, withSpan } from './tracing.js';

function operationOf(args: ExecutionArgs): { name: string | null; type: string } {
  const operation = getOperationAST(args.document, args.operationName);
  return { name: operation?.name?.value ?? args.operationName ?? null, type: operation?.operation ?? 'query' };
}

function codesOf(result: unknown): string[] {
  const errors = (result as { errors?: readonly { extensions?: { code?: unknown } }[] } | null)?.errors;
  if (!Array.isArray(errors)) return [];
  const codes = new Set<string>();
  for (const error of errors) if (typeof error.extensions?.code === 'string') codes.add(error.extensions.code);
  return [...codes];
}

/** Placed right after authentication (the principal is known), before the purpose check. */
export function useObservation(): Plugin {
  return {
    onParams({ params, context }) {
      const observation = observationOf((context as { res?: unknown }).res);
      if (observation && typeof params.operationName === 'string') observation.operation = params.operationName;
    },
    onContextBuilding({ context }) {
      const observation = observationOf((context as { res?: unknown }).res);
      if (!observation) return;
      const principal = (context as { principal?: { userId: string } }).principal;
      if (principal) observation.userId = principal.userId;
      // Purpose, break-glass window and the caller's access under the ISP: the plugins after this one.
      const span = startChildSpan('gateway.policy');
      observation.policySpan = span;
      return () => {
        span?.end();
        observation.policySpan = null;
      };
    },
    onExecute({ args, executeFn, setExecuteFn }) {
      const observation = observationOf((args.contextValue as { res?: unknown }).res);
      const operation = operationOf(args);
      if (observation && operation.name) observation.operation = operation.name;
      const span = startChildSpan(`graphql.${operation.type}`, undefined, { 'graphql.operation.type': operation.type });
      if (!span) return;
      setExecuteFn(async (executed) => {
        try {
          return await withSpan(span, () => executeFn(executed));
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR });
          throw error;
        } finally {
          span.end();
        }
      });
    },
    onSubscribe({ args }) {
      const observation = observationOf((args.contextValue as { res?: unknown }).res);
      const { name } = operationOf(args);
      if (observation && name) observation.operation = name;
    },
    onResultProcess({ result, serverContext }) {
      const observation = observationOf((serverContext as { res?: unknown }).res);
      if (!observation) return;
      if (observation.policySpan) {
        // The policy step refused the request (a purpose, a window): its span ends with the refusal.
        observation.policySpan.setStatus({ code: SpanStatusCode.ERROR });
        observation.policySpan.end();
        observation.policySpan = null;
      }
      if (!Array.isArray(result) && !(Symbol.asyncIterator in result)) observation.codes = codesOf(result);
    },
  };
}
