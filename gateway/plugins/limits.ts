/**
 * Query limits (depth, aliases, cost, tokens, directives), checked at validation before anything runs,
 * so one request cannot ask for the whole population or hammer every agency.
 */
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';

export interface Limits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
  maxTokens: number;
}

export const DEFAULT_LIMITS: Limits = { maxDepth: 12, maxAliases: 100, maxCost: 50_000, maxTokens: 10_000 };

export function useLimits(limits: Limits = DEFAULT_LIMITS) {
  return EnvelopArmorPlugin({
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true },
    maxAliases: { n: limits.maxAliases },
    costLimit: { maxCost: limits.maxCost, ignoreIntrospection: true },
    maxTokens: { n: limits.maxTokens },
    maxDirectives: { n: 20 },
    // Field suggestions would let a caller map fields they may not see.
    blockFieldSuggestion: { enabled: true },
  });
}
