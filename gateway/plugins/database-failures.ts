/**
 * A database that is down or hung is named in the answer: field errors it caused become LEDGER_UNAVAILABLE (HTTP
 * 503) here, before yoga would mask them as INTERNAL_SERVER_ERROR and log a stack trace per request. The database
 * layer logs its own change of state, once (gateway/database/availability.ts).
 */
import type { ExecutionResult } from 'graphql';
import { handleStreamOrSingleExecutionResult, type Plugin } from 'graphql-yoga';
import { namedDatabaseFailure } from '../errors.js';

function named(result: ExecutionResult): ExecutionResult | undefined {
  if (!result.errors?.some((error) => namedDatabaseFailure(error))) return undefined;
  return { ...result, errors: result.errors.map((error) => namedDatabaseFailure(error) ?? error) };
}

export function useDatabaseFailures(): Plugin {
  const rename = (payload: { result: ExecutionResult; setResult: (result: ExecutionResult) => void }) => {
    const renamed = named(payload.result);
    if (renamed) payload.setResult(renamed);
  };
  return {
    onExecute: () => ({ onExecuteDone: (payload) => handleStreamOrSingleExecutionResult(payload, rename) }),
    onSubscribe: () => ({ onSubscribeResult: (payload) => handleStreamOrSingleExecutionResult(payload, rename) }),
  };
}
