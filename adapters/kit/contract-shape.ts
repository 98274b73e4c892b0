/**
 * An agency's OpenAPI contract read as data: its three routes (identity change feed, batch, events) and a comparison of
 * its component schemas with the zod schemas its client parses payloads with. The type check already holds the zod
 * schemas to the generated types (`satisfies`); this holds them to the contract itself, field by field, at run time.
 */
import { parse } from 'yaml';
import { z } from 'zod';
import { IDENTITY_CHANGES_PATH } from './identity-changes.js';

type Json = { [key: string]: unknown };

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

export interface ContractRoutes {
  /** `GET /identity-changes?after=&limit=`: the identity change feed, the one way the gateway learns whom the agency holds. */
  identityChanges: { path: string; maxLimit: number; page: string };
  /** `POST .../batch` with `{ keys }`. */
  batch: { path: string; maxKeys: number; request: string; answer: string };
  /** `GET /events?after=&limit=`, where the agency has events. */
  events: { path: string; maxLimit: number; page: string } | null;
  /** The component schemas by name. */
  components: Readonly<Record<string, Json>>;
}

const refName = (schema: unknown): string => {
  const ref = isObject(schema) ? schema.$ref : undefined;
  if (typeof ref !== 'string') throw new Error('the contract names its payloads by $ref to components.schemas');
  return ref.replace('#/components/schemas/', '');
};

const jsonAnswer = (operation: Json): string => {
  const content = (operation.responses as Json | undefined)?.['200'] as Json | undefined;
  return refName(((content?.content as Json | undefined)?.['application/json'] as Json | undefined)?.schema);
};

const maximumOf = (operation: Json, name: string): number | undefined => {
  const parameter = (operation.parameters as Json[] | undefined)?.find((p) => p.name === name);
  const maximum = (parameter?.schema as Json | undefined)?.maximum;
  return typeof maximum === 'number' ? maximum : undefined;
};

/** The routes of an agency contract, found by their shape; throws naming what the contract lacks. */
export function contractRoutes(openapiText: string): ContractRoutes {
  const spec = parse(openapiText) as Json;
  const components = ((spec.components as Json | undefined)?.schemas ?? {}) as Record<string, Json>;
  const paths = Object.entries((spec.paths ?? {}) as Record<string, Json>);
  let identityChanges: ContractRoutes['identityChanges'] | undefined;
  let batch: ContractRoutes['batch'] | undefined;
  let events: ContractRoutes['events'] = null;
  for (const [path, item] of paths) {
    const get = item.get as Json | undefined;
    const post = item.post as Json | undefined;
    if (get && path === IDENTITY_CHANGES_PATH) {
      identityChanges = { path, maxLimit: maximumOf(get, 'limit') ?? 100, page: jsonAnswer(get) };
    } else if (get && (get.parameters as Json[] | undefined)?.some((p) => p.name === 'after')) {
      events = { path, maxLimit: maximumOf(get, 'limit') ?? 100, page: jsonAnswer(get) };
    }
    if (post && path.endsWith('/batch')) {
      const body = ((post.requestBody as Json | undefined)?.content as Json | undefined)?.['application/json'] as Json | undefined;
      const request = refName(body?.schema);
      const keys = (components[request]?.properties as Json | undefined)?.keys as Json | undefined;
      batch = { path, maxKeys: typeof keys?.maxItems === 'number' ? keys.maxItems : Number.POSITIVE_INFINITY, request, answer: jsonAnswer(post) };
    }
  }
  if (!identityChanges) throw new Error(`the contract has no identity change feed (GET ${IDENTITY_CHANGES_PATH})`);
  if (!batch) throw new Error('the contract has no batch call (POST .../batch)');
  return { identityChanges, batch, events, components };
}

/** A JSON schema without `null` allowed, and whether it allowed it. */
function unNull(schema: Json): { schema: Json; nullable: boolean } {
  if (Array.isArray(schema.anyOf)) {
    const others = (schema.anyOf as Json[]).filter((s) => s.type !== 'null');
    if (others.length === 1 && others.length < (schema.anyOf as Json[]).length) return { schema: others[0] as Json, nullable: true };
  }
  if (Array.isArray(schema.type) && schema.type.includes('null')) {
    const types = schema.type.filter((t) => t !== 'null');
    return { schema: { ...schema, type: types.length === 1 ? types[0] : types }, nullable: true };
  }
  return { schema, nullable: false };
}

/**
 * Where the zod schema and the contract's component disagree: a field one has and the other lacks, a field
 * required by one only, a nullable field one side does not allow null in, an enum with other values.
 */
export function shapeDifferences(components: Readonly<Record<string, Json>>, name: string, schema: z.ZodType): string[] {
  const differences: string[] = [];
  // `allOf` of one schema is how OpenAPI 3.0 makes a referenced schema nullable.
  const resolve = (s: Json): Json => {
    if (typeof s.$ref === 'string') return resolve(components[refName(s)] ?? {});
    if (Array.isArray(s.allOf) && s.allOf.length === 1) {
      const { allOf, ...rest } = s;
      return { ...resolve(allOf[0] as Json), ...rest };
    }
    return s;
  };
  const compare = (contractSide: Json, zodSide: Json, at: string) => {
    const contract = resolve(contractSide);
    const zod = unNull(zodSide);
    if ((contract.nullable === true) !== zod.nullable)
      differences.push(`${at}: nullable in ${contract.nullable === true ? 'the contract' : 'the zod schema'} only`);
    const parsed = zod.schema;
    // zod writes a union of literals as `anyOf` of `const`s, and a single literal as `const`.
    const literals =
      Array.isArray(parsed.anyOf) && (parsed.anyOf as Json[]).every((s) => 'const' in s) ? (parsed.anyOf as Json[]).map((s) => s.const) : undefined;
    const zodEnum = (parsed.enum as unknown[] | undefined) ?? literals ?? ('const' in parsed ? [parsed.const] : undefined);
    if (Array.isArray(contract.enum) || zodEnum !== undefined) {
      const a = [...((contract.enum as unknown[]) ?? [])]
        .filter((value) => value !== null)
        .map(String)
        .sort();
      const b = [...(zodEnum ?? [])].map(String).sort();
      if (a.join() !== b.join()) differences.push(`${at}: enum [${a.join(', ')}] in the contract, [${b.join(', ')}] in the zod schema`);
      return;
    }
    if (contract.type === 'array' || parsed.type === 'array') {
      if (contract.type !== parsed.type) differences.push(`${at}: a list on one side only`);
      else compare((contract.items ?? {}) as Json, (parsed.items ?? {}) as Json, `${at}[]`);
      return;
    }
    if (contract.type === 'object' || contract.properties || parsed.type === 'object') {
      const ours = (contract.properties ?? {}) as Record<string, Json>;
      const theirs = (parsed.properties ?? {}) as Record<string, Json>;
      for (const key of Object.keys(ours)) if (!(key in theirs)) differences.push(`${at}.${key}: in the contract only`);
      for (const key of Object.keys(theirs)) if (!(key in ours)) differences.push(`${at}.${key}: in the zod schema only`);
      const requiredA = new Set((contract.required ?? []) as string[]);
      const requiredB = new Set((parsed.required ?? []) as string[]);
      for (const key of Object.keys(ours)) {
        if (!(key in theirs)) continue;
        if (requiredA.has(key) !== requiredB.has(key))
          differences.push(`${at}.${key}: required in ${requiredA.has(key) ? 'the contract' : 'the zod schema'} only`);
        compare(ours[key] as Json, theirs[key] as Json, `${at}.${key}`);
      }
      return;
    }
    const scalar = (t: unknown) => (t === 'integer' ? 'number' : t);
    if (contract.type !== undefined && scalar(contract.type) !== scalar(parsed.type)) {
      differences.push(`${at}: ${String(contract.type)} in the contract, ${String(parsed.type)} in the zod schema`);
    }
  };
  const component = components[name];
  if (!component) return [`${name}: not a component of the contract`];
  compare(component, z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json, name);
  return differences;
}
