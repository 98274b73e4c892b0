/**
 * Which data item each disclosable field of the schema belongs to, read from `@dataItem` directives.
 * A field is disclosable if it is reachable from `Person` (other than `Person.id`). It is classified when it carries a
 * data item, when an enclosing field does, or when it is a container (an agency section) whose fields all are.
 * An unclassified disclosable field is a fault: the gateway refuses to start rather than guess.
 */
import { getDirective } from '@graphql-tools/utils';
import { type GraphQLField, type GraphQLNamedType, type GraphQLSchema, getNamedType, isNonNullType, isObjectType } from 'graphql';

export interface Classification {
  /** `Type.field` → data item, for every field that carries one. */
  readonly items: ReadonlyMap<string, string>;
  /** Every data item named in the schema. */
  readonly dataItems: ReadonlySet<string>;
  /** Disclosable fields that no data item covers. */
  readonly unclassified: readonly string[];
  /** Classified fields declared non-null: withholding one would null its parent, so they are faults. */
  readonly nonNullClassified: readonly string[];
}

const UNCLASSIFIED_ROOT_FIELDS = new Set(['Person.id']);

export function classifySchema(schema: GraphQLSchema): Classification {
  const items = new Map<string, string>();
  const nonNullClassified: string[] = [];
  const person = schema.getType('Person');
  if (!person || !isObjectType(person)) throw new Error('the schema has no Person type');

  const dataItemOf = (field: GraphQLField<unknown, unknown>): string | undefined => {
    const [directive] = getDirective(schema, field, 'dataItem') ?? [];
    const name: unknown = directive?.name;
    return typeof name === 'string' ? name : undefined;
  };

  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const item = dataItemOf(field);
      if (item) items.set(`${type.name}.${field.name}`, item);
      if (item && isNonNullType(field.type)) nonNullClassified.push(`${type.name}.${field.name}`);
    }
  }

  const unclassified: string[] = [];
  // Whether every field of `type` is classified, recording the faults; Person is judged once, from the top.
  const visiting = new Set<string>();
  const containerClassified = (type: GraphQLNamedType): boolean => {
    if (!isObjectType(type)) return false;
    if (type.name === 'Person' && visiting.has('Person')) return true;
    if (visiting.has(type.name)) return true;
    visiting.add(type.name);
    let all = true;
    for (const field of Object.values(type.getFields())) {
      const coordinate = `${type.name}.${field.name}`;
      if (items.has(coordinate) || UNCLASSIFIED_ROOT_FIELDS.has(coordinate)) continue;
      if (!containerClassified(getNamedType(field.type))) {
        all = false;
        if (!isObjectType(getNamedType(field.type))) unclassified.push(coordinate);
      }
    }
    return all;
  };
  containerClassified(person);

  return { items, dataItems: new Set(items.values()), unclassified, nonNullClassified };
}
