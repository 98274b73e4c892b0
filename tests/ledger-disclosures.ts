/**
 * What a GraphQL response discloses, read from the response itself, the operation and the schema's
 * `@dataItem` directives, independently of the gateway's own bookkeeping: the oracle the ledger suites
 * hold the ledger's records against.
 */
import { getDirective } from '@graphql-tools/utils';
import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  getNamedType,
  isAbstractType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

export interface Disclosure {
  /** Response keys from the root, joined with dots (aliases, list indexes), as the ledger writes paths. */
  path: string;
  /** Null where the response does not say which item (a candidate's edge: the rule's facts; an event that hides its item). */
  dataItem: string | null;
  /** The gateway id of the person it is about, where the response shows it (an `id`, a cursor); null where it does not. */
  subject: string | null;
}

export interface ResponseReading {
  /** Every classified field the response carries a non-null value for. */
  disclosed: Disclosure[];
  /** The ids of every `Person` object in the response. */
  people: Set<string>;
  /** How many `Person` objects in the response show no id. */
  anonymous: number;
  /** The enclosing person's id for each object in the response, by its path (for placing errors). */
  subjectAt: Map<string, string | null>;
  /** The response key → field nodes of each object in the response, by its path. */
  selectionAt: Map<string, Map<string, FieldNode[]>>;
  /** The id of the person each event in the response is about, where it shows it. */
  subjectOfEvent: Map<string, string | null>;
}

interface Walk {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  reading: ResponseReading;
}

function operationOf(document: DocumentNode, operationName: string | undefined): OperationDefinitionNode {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName === undefined ? operations[0] : operations.find((o) => o.name?.value === operationName);
  if (!operation) throw new Error(`no operation ${operationName ?? ''} in the document`);
  return operation;
}

/** A fragment applies to an object of `type` when it names the type or an abstract type that includes it. */
function applies(walk: Walk, condition: string | undefined, type: GraphQLObjectType): boolean {
  if (condition === undefined || condition === type.name) return true;
  const named: GraphQLNamedType | undefined = walk.schema.getType(condition);
  return named !== undefined && isAbstractType(named) && walk.schema.isSubType(named, type);
}

/** Response key → the field nodes behind it, through inline fragments and fragment spreads. */
function collectFields(walk: Walk, type: GraphQLObjectType, sets: readonly SelectionSetNode[], into = new Map<string, FieldNode[]>()) {
  for (const set of sets) {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        into.set(key, [...(into.get(key) ?? []), selection]);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (applies(walk, selection.typeCondition?.name.value, type)) collectFields(walk, type, [selection.selectionSet], into);
      } else {
        const fragment = walk.fragments.get(selection.name.value);
        if (!fragment) throw new Error(`unknown fragment ${selection.name.value}`);
        if (applies(walk, fragment.typeCondition.name.value, type)) collectFields(walk, type, [fragment.selectionSet], into);
      }
    }
  }
  return into;
}

function dataItemOf(walk: Walk, type: GraphQLObjectType, fieldName: string): string | undefined {
  const field = type.getFields()[fieldName];
  if (!field) throw new Error(`${type.name} has no field ${fieldName}`);
  const name: unknown = getDirective(walk.schema, field, 'dataItem')?.[0]?.name;
  return typeof name === 'string' ? name : undefined;
}

/** An agency's section of Person: a type whose own fields carry data items, reached by a field that carries none. */
function isSection(walk: Walk, type: GraphQLObjectType): boolean {
  return Object.keys(type.getFields()).some((name) => dataItemOf(walk, type, name) !== undefined);
}

function walkValue(walk: Walk, type: GraphQLObjectType, sets: readonly SelectionSetNode[], value: unknown, path: (string | number)[], subject: string | null) {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      walkValue(walk, type, sets, item, [...path, index], subject);
    });
    return;
  }
  if (typeof value !== 'object') throw new Error(`expected an object of type ${type.name} at ${path.join('.')}`);
  const object = value as Record<string, unknown>;
  let at = subject;
  const fields = collectFields(walk, type, sets);
  if (type.name === 'Person') {
    // The person's id under whatever alias the operation gave it.
    const idKey = [...fields].find(([, nodes]) => nodes[0]?.name.value === 'id')?.[0];
    const id = idKey === undefined ? undefined : object[idKey];
    at = typeof id === 'string' ? id : null;
    if (at !== null) walk.reading.people.add(at);
    else walk.reading.anonymous += 1;
  }
  walk.reading.subjectAt.set(path.join('.'), at);
  walk.reading.selectionAt.set(path.join('.'), fields);
  for (const [key, child] of Object.entries(object)) {
    if (key === '__typename') continue;
    const nodes = fields.get(key);
    const first = nodes?.[0];
    if (!nodes || !first) throw new Error(`the response has ${path.concat(key).join('.')}, which the operation did not ask for`);
    const fieldName = first.name.value;
    const childPath = [...path, key];
    const dataItem = dataItemOf(walk, type, fieldName);
    if (dataItem !== undefined && child !== null) walk.reading.disclosed.push({ path: childPath.join('.'), dataItem, subject: at });
    const named = getNamedType(type.getFields()[fieldName]?.type);
    if (named && isObjectType(named)) {
      const childSets = nodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
      const before = walk.reading.disclosed.length;
      walkValue(walk, named, childSets, child, childPath, at);
      // An agency section shown says the agency holds the person: disclosed in itself when nothing in it is.
      const nothingBeneath = walk.reading.disclosed.length === before;
      if (nothingBeneath && child !== null && dataItem === undefined && type.name === 'Person' && isSection(walk, named)) {
        walk.reading.disclosed.push({ path: childPath.join('.'), dataItem: `${fieldName}.*`, subject: at });
      }
    } else if (named && isAbstractType(named)) {
      throw new Error(`abstract type ${named.name} at ${childPath.join('.')}: the walk does not resolve __typename yet`);
    }
  }
  noteConnectionValues(walk, type.name, fields, object, path, at);
}

/** The response keys an object's selection gives field `name` (several where it is aliased twice). */
const keysOf = (fields: Map<string, FieldNode[]>, name: string) => [...fields].filter(([, nodes]) => nodes[0]?.name.value === name).map(([key]) => key);

/** The first string the object carries under any of `keys`. */
function stringAt(object: Record<string, unknown>, keys: readonly string[]): string | null {
  for (const key of keys) if (typeof object[key] === 'string') return object[key];
  return null;
}

/**
 * Values that disclose something about a person beside the classified fields: an entry of the cohort, of the
 * candidates or of the events, whatever of it is asked for (a cursor is a gateway id; an event, its item); a page's
 * end cursor, which names the last person listed; an event and a pathway entry, under their own data item.
 */
function noteConnectionValues(
  walk: Walk,
  typeName: string,
  fields: Map<string, FieldNode[]>,
  object: Record<string, unknown>,
  path: (string | number)[],
  at: string | null,
) {
  const note = (dataItem: string | null, subject: string | null, where = path) => walk.reading.disclosed.push({ path: where.join('.'), dataItem, subject });
  const here = (...keys: string[]) => [...path, ...keys].join('.');
  /** Keys of field `name` in the selection of the object at `at`. */
  const keysAt = (where: string, name: string) => keysOf(walk.reading.selectionAt.get(where) ?? new Map(), name);
  const first = <T>(values: (T | null | undefined)[]): T | null => values.find((v) => v !== null && v !== undefined) ?? null;
  const nodes = keysOf(fields, 'node').map((key) => here(key));
  const cursor = stringAt(object, keysOf(fields, 'cursor'));
  if (typeName === 'CohortEdge') note('iom.membership', cursor ?? first(nodes.map((node) => walk.reading.subjectAt.get(node))));
  if (typeName === 'CohortCandidateEdge') {
    note(null, cursor ?? first(nodes.flatMap((node) => keysAt(node, 'person').map((key) => walk.reading.subjectAt.get(`${node}.${key}`)))));
  }
  if (typeName === 'CohortEventEdge') {
    note(
      first(nodes.map((node) => walk.reading.disclosed.find((d) => d.path === node)?.dataItem)),
      first(nodes.map((node) => walk.reading.subjectOfEvent.get(node))),
    );
  }
  if (typeName === 'CohortEvent') {
    const personKeys = keysOf(fields, 'person');
    const subject = personKeys.map((key) => walk.reading.subjectAt.get([...path, key].join('.'))).find(Boolean) ?? null;
    walk.reading.subjectOfEvent.set(path.join('.'), subject);
    note(stringAt(object, keysOf(fields, 'dataItem')), subject);
  }
  if (typeName === 'PathwayNeed') note(stringAt(object, keysOf(fields, 'dataItem')), at);
  if (typeName === 'CohortConnection' || typeName === 'CohortCandidateConnection') {
    for (const key of keysOf(fields, 'pageInfo')) {
      const page = object[key] as Record<string, unknown> | null;
      for (const cursorKey of keysAt(here(key), 'endCursor')) {
        const last = page?.[cursorKey];
        if (typeof last === 'string') note(typeName === 'CohortConnection' ? 'iom.membership' : null, last, [...path, key, cursorKey]);
      }
    }
  }
}

/** Reads `data` as the answer to `document` on `schema`. */
export function readResponse(schema: GraphQLSchema, document: DocumentNode, data: unknown, operationName?: string): ResponseReading {
  const walk: Walk = {
    schema,
    fragments: new Map(
      document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((fragment) => [fragment.name.value, fragment]),
    ),
    reading: { disclosed: [], people: new Set(), anonymous: 0, subjectAt: new Map(), selectionAt: new Map(), subjectOfEvent: new Map() },
  };
  const operation = operationOf(document, operationName);
  const root = schema.getRootType(operation.operation);
  if (!root) throw new Error(`the schema has no ${operation.operation} type`);
  walkValue(walk, root, [operation.selectionSet], data, [], null);
  return walk.reading;
}
