/**
 * Every argument of every root field, query, mutation and subscription, bounded at the edge before anything runs:
 * text of sane length without control characters or broken surrogates, numbers in range, dates in a sane span,
 * short lists. The bounds are derived from the argument types, so a new root field is bounded without code here;
 * a few arguments named for what they hold get their own. A bad argument refuses the whole operation with
 * BAD_USER_INPUT naming it, so nothing is looked up or recorded on its account.
 */
import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLArgument,
  GraphQLError,
  type GraphQLInputType,
  type GraphQLSchema,
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  Kind,
  type SelectionSetNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { z } from 'zod';
import { textFault } from '../bounded-text.js';

/** Free text a person writes (reasons, exit plans) may span lines and be longer; names and references may not. */
const TEXT_BOUNDS: Record<string, { max: number; multiline?: boolean }> = {
  reason: { max: 2000, multiline: true },
  exitPlan: { max: 2000, multiline: true },
  name: { max: 100 },
};
const DEFAULT_TEXT: { max: number; multiline?: boolean } = { max: 200 };

/** Page sizes are 1 to 100 everywhere; other integers are counts or thresholds. */
const INT_BOUNDS: Record<string, [number, number]> = { first: [1, 100] };
const DEFAULT_INT: [number, number] = [0, 1_000_000];

const MAX_LIST = 100;
/** The span a date in this domain can sensibly fall in: dates of birth to review dates. */
const EARLIEST = '1900-01-01';
const LATEST = '2100-12-31';

function textBound(name: string) {
  const { max, multiline } = TEXT_BOUNDS[name] ?? DEFAULT_TEXT;
  return z.string().superRefine((value, ctx) => {
    const fault = textFault(value, max, multiline);
    if (fault !== null) ctx.addIssue({ code: 'custom', message: fault });
  });
}

const dateBound = z.string().refine((value) => value.slice(0, 10) >= EARLIEST && value.slice(0, 10) <= LATEST, {
  message: `must fall between ${EARLIEST} and ${LATEST}`,
});

function boundOf(name: string, type: GraphQLInputType): z.ZodType {
  if (isNonNullType(type)) return boundOf(name, type.ofType);
  let bound: z.ZodType;
  if (isListType(type)) {
    bound = z.array(boundOf(name, type.ofType)).max(MAX_LIST, `must have at most ${MAX_LIST} items`);
  } else if (isInputObjectType(type)) {
    bound = z.looseObject(Object.fromEntries(Object.values(type.getFields()).map((field) => [field.name, boundOf(field.name, field.type)])));
  } else if (isEnumType(type)) {
    bound = z.unknown();
  } else if (isScalarType(type)) {
    switch (type.name) {
      case 'String':
      case 'ID':
        bound = textBound(name);
        break;
      case 'Int': {
        const [min, max] = INT_BOUNDS[name] ?? DEFAULT_INT;
        bound = z.number().int().min(min, `must be between ${min} and ${max}`).max(max, `must be between ${min} and ${max}`);
        break;
      }
      case 'Float':
        bound = z.number().finite();
        break;
      case 'Date':
      case 'DateTime':
        bound = dateBound;
        break;
      default:
        bound = z.unknown();
    }
  } else {
    bound = z.unknown();
  }
  return bound.nullish();
}

type FieldBounds = Map<string, z.ZodType>;

function boundsOf(args: readonly GraphQLArgument[]): FieldBounds {
  return new Map(args.map((arg) => [arg.name, boundOf(arg.name, arg.type)]));
}

/** The root fields an operation selects, fragments and inline fragments followed. */
function rootFields(selectionSet: SelectionSetNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>, seen = new Set<string>()): FieldNode[] {
  return selectionSet.selections.flatMap((selection) => {
    if (selection.kind === Kind.FIELD) return [selection];
    if (selection.kind === Kind.INLINE_FRAGMENT) return rootFields(selection.selectionSet, fragments, seen);
    const fragment = fragments.get(selection.name.value);
    if (!fragment || seen.has(fragment.name.value)) return [];
    seen.add(fragment.name.value);
    return rootFields(fragment.selectionSet, fragments, seen);
  });
}

export function argumentFault(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  cache: WeakMap<GraphQLSchema, Map<string, FieldBounds>>,
): GraphQLError | null {
  const operation = getOperationAST(document, operationName);
  const root = operation ? schema.getRootType(operation.operation) : undefined;
  if (!operation || !root) return null;
  const byField = cache.get(schema) ?? new Map<string, FieldBounds>();
  cache.set(schema, byField);
  // Variables as execution will see them; when they do not coerce, execution refuses them and nothing runs.
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {});
  if (!coerced.coerced) return null;
  const fragments = new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
  for (const node of rootFields(operation.selectionSet, fragments)) {
    const field = root.getFields()[node.name.value];
    if (!field || field.args.length === 0) continue;
    const key = `${root.name}.${field.name}`;
    let bounds = byField.get(key);
    if (!bounds) {
      bounds = boundsOf(field.args);
      byField.set(key, bounds);
    }
    let values: Record<string, unknown>;
    try {
      values = getArgumentValues(field, node, coerced.coerced);
    } catch {
      // Values the schema itself rejects are reported by execution, with graphql-js's own message.
      continue;
    }
    for (const [name, bound] of bounds) {
      const checked = bound.safeParse(values[name]);
      if (checked.success) continue;
      const issue = checked.error.issues[0];
      const argument = [name, ...(issue?.path ?? []).map(String)].join('.');
      return new GraphQLError(`The argument ${argument} of ${field.name} ${issue?.message ?? 'is not valid'}.`, {
        nodes: [node],
        extensions: { code: 'BAD_USER_INPUT', argument, field: field.name },
      });
    }
  }
  return null;
}

export function useArgumentBounds(): Plugin {
  const cache = new WeakMap<GraphQLSchema, Map<string, FieldBounds>>();
  const check = (args: { schema: GraphQLSchema; document: DocumentNode; operationName?: string | null; variableValues?: Record<string, unknown> | null }) =>
    argumentFault(args.schema, args.document, args.operationName, args.variableValues, cache);
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const fault = check(args);
      if (fault) setResultAndStopExecution({ errors: [fault] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const fault = check(args);
      if (fault) setResultAndStopExecution({ errors: [fault] });
    },
  };
}
