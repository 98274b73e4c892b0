/**
 * How much one request may ask for, so that no single caller can take the gateway from the others: tokens when
 * parsing; depth, aliases and directives when validating; and cost when the variables are known, since a
 * `first: $n` costs what `$n` says. Each refusal is LIMIT_EXCEEDED naming the limit, its maximum and what was found.
 */
import {
  type ASTVisitor,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  GraphQLError,
  type GraphQLField,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  getOperationAST,
  getVariableValues,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  parse,
  type SelectionSetNode,
  type ValidationContext,
  valueFromAST,
  visit,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { gatewayError } from '../errors.js';
import { type Refusal, Turns } from './turns.js';

export interface Limits {
  /** Nesting of fields, fragments expanded; introspection's own fields do not count. */
  maxDepth: number;
  /** Aliased fields in the whole document. */
  maxAliases: number;
  /** Directives in the whole document. */
  maxDirectives: number;
  /** Lexical tokens in the document. */
  maxTokens: number;
  /** Cost as `operationCost` counts it. */
  maxCost: number;
  /**
   * Characters in any one name the document writes: its operation, aliases, fragments, variables, fields. The ledger
   * records the operation's name and each disclosed value's path of response keys, and bounds both (200 and 1,000
   * characters): names past this would have a request's record refused after it ran.
   */
  maxNameLength: number;
  /**
   * Costly operations one caller may have waiting for their turn. The rate limit and the wait's deadline bound the
   * queue anyway; this refuses a burst at once, and the rotation keeps it from delaying anyone else by more than a turn.
   */
  maxCostlyWaiting: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxDepth: 12,
  maxAliases: 100,
  maxDirectives: 20,
  maxTokens: 10_000,
  maxCost: 10_000,
  maxNameLength: 64,
  maxCostlyWaiting: 50,
};

/**
 * A list field without a `first` argument is counted as this many items. Such lists (a person's arrests, a
 * record's subjects) are as long as the data makes them, not as the caller asks; counting them at 2 keeps deep
 * nesting of them dear without making an ordinary page of 100 cost more than the limit.
 */
const LIST_SIZE = 2;

type LimitName = 'depth' | 'nesting' | 'aliases' | 'directives' | 'tokens' | 'cost' | 'names';

const ADVICE: Record<LimitName, string> = {
  depth: 'nest fewer fields',
  nesting: 'nest lists and input objects less deeply',
  aliases: 'use fewer aliases, or several requests',
  directives: 'use fewer directives',
  tokens: 'send a shorter document',
  cost: 'ask for fewer items (a smaller first:) or fewer fields per item, or split the request',
  names: 'give the operation, its aliases, fragments and variables shorter names',
};

/** `found` is null where counting stopped at the limit (tokens: the parser gives up there). */
export function limitError(limit: LimitName, max: number, found: number | null, nodes?: GraphQLError['nodes']): GraphQLError {
  return new GraphQLError(`The request exceeds the ${limit} limit: at most ${max}, found ${found ?? `more`}; ${ADVICE[limit]}.`, {
    nodes: nodes ?? undefined,
    extensions: { code: 'LIMIT_EXCEEDED', limit, max, ...(found === null ? {} : { found }) },
  });
}

const isIntrospection = (name: string) => name.startsWith('__');

function depthRule(max: number) {
  return (context: ValidationContext): ASTVisitor => {
    const depthOf = (selectionSet: SelectionSetNode | undefined, seen: ReadonlySet<string>): number => {
      let deepest = 0;
      for (const selection of selectionSet?.selections ?? []) {
        if (selection.kind === Kind.FIELD) {
          if (isIntrospection(selection.name.value)) continue;
          deepest = Math.max(deepest, 1 + depthOf(selection.selectionSet, seen));
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          deepest = Math.max(deepest, depthOf(selection.selectionSet, seen));
        } else if (!seen.has(selection.name.value)) {
          const fragment = context.getFragment(selection.name.value);
          deepest = Math.max(deepest, depthOf(fragment?.selectionSet, new Set([...seen, selection.name.value])));
        }
        if (deepest > max) return deepest;
      }
      return deepest;
    };
    return {
      OperationDefinition(node) {
        const depth = depthOf(node.selectionSet, new Set());
        if (depth > max) context.reportError(limitError('depth', max, depth, [node]));
      },
    };
  };
}

/** Lists and input objects written in the document, nested within one another. */
function nestingRule(max: number) {
  return (context: ValidationContext): ASTVisitor => {
    let depth = 0;
    let deepest = 0;
    const enter = () => {
      depth += 1;
      deepest = Math.max(deepest, depth);
    };
    const leave = () => {
      depth -= 1;
    };
    return {
      ListValue: { enter, leave },
      ObjectValue: { enter, leave },
      Document: {
        leave() {
          if (deepest > max) context.reportError(limitError('nesting', max, deepest));
        },
      },
    };
  };
}

function countRule(limit: 'aliases' | 'directives', max: number) {
  return (context: ValidationContext): ASTVisitor => {
    let found = 0;
    return {
      Field(node) {
        if (limit === 'aliases' && node.alias) found += 1;
      },
      Directive() {
        if (limit === 'directives') found += 1;
      },
      Document: {
        leave() {
          if (found > max) context.reportError(limitError(limit, max, found));
        },
      },
    };
  };
}

function parseWithin(source: Parameters<typeof parse>[0], options: Parameters<typeof parse>[1], maxTokens: number): DocumentNode {
  try {
    return parse(source, { ...options, maxTokens });
  } catch (error) {
    if (error instanceof GraphQLError && TOKEN_LIMIT_MESSAGE.test(error.message)) throw limitError('tokens', maxTokens, null);
    // Lists and objects nested thousands deep, within the token limit, exhaust graphql-js's recursive parser.
    if (error instanceof RangeError) throw limitError('nesting', MAX_NESTING, null);
    throw error;
  }
}

function longestName(document: DocumentNode): number {
  let longest = 0;
  visit(document, {
    Name(node) {
      longest = Math.max(longest, node.value.length);
    },
  });
  return longest;
}

/**
 * What an operation costs: every field 1, plus its selection times the number of items it can return (its
 * `first` argument, from literals, variables or the default, else LIST_SIZE for a list). Fragments are counted
 * where they are spread, so aliases and fragments cannot hide work.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): number {
  const operation = getOperationAST(document, operationName);
  return operation ? costing(schema, document, operation, variables).cost : 0;
}

/**
 * The cost, and whether it read a variable (a `first: $n`): one that did not is the same for every request of the
 * operation. Only `first` is worked out, so a variable in another argument (`people(name: $n, first: 100)`) neither
 * changes the count nor makes it depend on the request.
 */
function costing(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | null | undefined,
): { cost: number; readVariables: boolean } {
  const root = schema.getRootType(operation.operation);
  if (!root) return { cost: 0, readVariables: false };
  // Variables as execution will see them, coerced only when a `first:` names one; when they do not coerce,
  // execution refuses them and nothing runs.
  let values: Record<string, unknown> | undefined;
  const variableValues = () => {
    values ??= getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {}).coerced ?? {};
    return values;
  };
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }

  /** `first` as execution will see it: the variable's value or the argument's default, the literal, or none written. */
  const firstOf = (field: GraphQLField<unknown, unknown>, node: FieldNode): unknown => {
    const argument = field.args.find((arg) => arg.name === 'first');
    if (!argument) return undefined;
    const given = node.arguments?.find((written) => written.name.value === 'first');
    if (!given) return argument.defaultValue;
    if (given.value.kind !== Kind.VARIABLE) return valueFromAST(given.value, argument.type);
    const name = given.value.name.value;
    const coerced = variableValues();
    return Object.hasOwn(coerced, name) ? coerced[name] : argument.defaultValue;
  };

  const itemsOf = (field: GraphQLField<unknown, unknown>, node: FieldNode): number => {
    const first = firstOf(field, node);
    if (typeof first === 'number' && Number.isFinite(first)) return Math.max(1, first);
    return isListType(getNullableType(field.type)) ? LIST_SIZE : 1;
  };

  const costOf = (selectionSet: SelectionSetNode | undefined, type: GraphQLCompositeType, seen: ReadonlySet<string>): number => {
    let total = 0;
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        if (isIntrospection(selection.name.value)) continue;
        const field = isObjectType(type) || isInterfaceType(type) ? type.getFields()[selection.name.value] : undefined;
        if (!field) continue;
        const named = getNamedType(field.type);
        const inner = selection.selectionSet && isCompositeType(named) ? costOf(selection.selectionSet, named, seen) : 0;
        total += 1 + itemsOf(field, selection) * inner;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
        total += costOf(selection.selectionSet, condition && isCompositeType(condition) ? condition : type, seen);
      } else if (!seen.has(selection.name.value)) {
        const fragment = fragments.get(selection.name.value);
        const condition = fragment ? schema.getType(fragment.typeCondition.name.value) : undefined;
        if (fragment && condition && isCompositeType(condition)) {
          total += costOf(fragment.selectionSet, condition, new Set([...seen, selection.name.value]));
        }
      }
      // Beyond any limit already: stop counting rather than overflow.
      if (total > Number.MAX_SAFE_INTEGER / 1000) return total;
    }
    return total;
  };
  const cost = costOf(operation.selectionSet, root, new Set());
  return { cost, readVariables: values !== undefined };
}

// graphql-js 16 writes "more that"; a later release may correct it.
/** What a document's values can be nested to: no argument of the schema needs more than a few levels. */
const MAX_NESTING = 32;

const TOKEN_LIMIT_MESSAGE = /Document contains more th(?:at|an) \d+ tokens/;

/**
 * Operations costing more than this share of the limit run one at a time, in turns by caller (turns.ts). Each is
 * allowed, but several at once would keep the process busy end to end and everyone else (a cheap look-up, /health)
 * would queue behind them; one at a time leaves turns of the event loop free for the rest.
 */
const EXPENSIVE_SHARE = 0.25;

/** How long a costly operation may wait for its turn before it is refused. */
const MAX_WAIT_MS = 20_000;

/** Whose turn an operation takes: the caller's agency and user, as the rate limit counts them. */
function callerOf(context: unknown): string {
  const principal = (context as { principal?: { agency: string; userId: string } } | undefined)?.principal;
  return principal ? `${principal.agency}\u0000${principal.userId}` : '';
}

function turnRefused(why: Refusal, maxWaiting: number): GraphQLError {
  if (why === 'too-many-waiting') {
    return gatewayError(
      'RATE_LIMITED',
      `You already have ${maxWaiting} costly operations waiting to run; wait for their answers before sending more, or ask for less.`,
      { retryAfterSeconds: 1, http: { status: 429, headers: { 'retry-after': '1' } } },
    );
  }
  if (why === 'abandoned') return gatewayError('BAD_REQUEST', 'The client closed the request before its turn came; nothing was run.');
  return gatewayError(
    'GATEWAY_BUSY',
    `The gateway is busy with costly operations (yours among them, perhaps) and this one did not start within ${MAX_WAIT_MS / 1000} s; nothing was run. Try again shortly, or ask for less (a smaller first:).`,
    { retryAfterSeconds: 5, http: { status: 503, headers: { 'retry-after': '5' } } },
  );
}

export function useLimits(limits: Limits = DEFAULT_LIMITS): Plugin {
  const turns = new Turns(limits.maxCostlyWaiting, MAX_WAIT_MS);
  // An operation's cost where no variable changes it, by its node: yoga's parse cache hands each request of a document
  // the same DocumentNode, so a registered profile is counted once, not on every request. An operation name that
  // names none is execution's to refuse, and nothing is kept for it.
  const known = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, WeakMap<OperationDefinitionNode, number>>>();
  const costOf = (args: { schema: GraphQLSchema; document: DocumentNode; operationName?: string | null; variableValues?: Record<string, unknown> | null }) => {
    const operation = getOperationAST(args.document, args.operationName);
    if (!operation) return 0;
    let bySchema = known.get(args.schema);
    if (bySchema === undefined) {
      bySchema = new WeakMap();
      known.set(args.schema, bySchema);
    }
    // By document too: the operation's fragments are the document's.
    let byDocument = bySchema.get(args.document);
    if (byDocument === undefined) {
      byDocument = new WeakMap();
      bySchema.set(args.document, byDocument);
    }
    const cached = byDocument.get(operation);
    if (cached !== undefined) return cached;
    const { cost, readVariables } = costing(args.schema, args.document, operation, args.variableValues);
    if (!readVariables) byDocument.set(operation, cost);
    return cost;
  };
  const checkCost = (args: Parameters<typeof costOf>[0]) => {
    const cost = costOf(args);
    return cost > limits.maxCost ? limitError('cost', limits.maxCost, cost) : null;
  };
  return {
    onParse({ setParseFn }) {
      setParseFn((source, options) => {
        const document = parseWithin(source, options, limits.maxTokens);
        // Checked before validation, whose messages would quote a long field name back.
        const longest = longestName(document);
        if (longest > limits.maxNameLength) throw limitError('names', limits.maxNameLength, longest);
        return document;
      });
    },
    onValidate({ addValidationRule }) {
      addValidationRule(depthRule(limits.maxDepth));
      addValidationRule(nestingRule(MAX_NESTING));
      addValidationRule(countRule('aliases', limits.maxAliases));
      addValidationRule(countRule('directives', limits.maxDirectives));
    },
    onExecute({ args, setResultAndStopExecution, executeFn, setExecuteFn }) {
      const cost = costOf(args);
      if (cost > limits.maxCost) return setResultAndStopExecution({ errors: [limitError('cost', limits.maxCost, cost)] });
      if (cost > limits.maxCost * EXPENSIVE_SHARE) {
        setExecuteFn((executeArgs) =>
          turns.run(
            callerOf(executeArgs.contextValue),
            async () => executeFn(executeArgs),
            (why) => ({ errors: [turnRefused(why, limits.maxCostlyWaiting)] }),
            (executeArgs.contextValue as { request?: Request } | undefined)?.request?.signal,
          ),
        );
      }
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const refusal = checkCost(args);
      if (refusal) setResultAndStopExecution({ errors: [refusal] });
    },
  };
}
