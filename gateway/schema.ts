/**
 * The executable unified schema: the core `Person` from schema/, each agency's section from its adapter,
 * and the resolvers that join them through the identity index.
 */
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { IResolvers } from '@graphql-tools/utils';
import { GraphQLScalarType, type GraphQLSchema, Kind } from 'graphql';
import type { AgencyModule } from '../adapters/kit/contract.js';
import { canonicalIdentifier, IDENTIFIER_KINDS, IDENTIFIER_LABELS, type IdentifierKind } from '../schema/identifiers.js';
import { coreDataItems, coreTypeDefs } from '../schema/index.js';
import { echo } from './bounded-text.js';
import type { Access, DisclosureSet, SectionLoaders } from './enforcement/index.js';
import { type Classification, classifySchema, sectionKey } from './enforcement/index.js';
import { gatewayError } from './errors.js';
import { type Candidate, type IdentityIndex, SearchTooBroadError } from './identity/index-of-people.js';
import type { LinkedPerson } from './identity/link.js';

/** What resolvers need from a request. Plugins add their own parts. */
export interface PersonContext {
  index: IdentityIndex;
  sections: SectionLoaders;
  /** The caller's standing under the ISP: a search shows only people in scope whose matched facts it may receive. */
  access: Pick<Access, 'visible' | 'found' | 'decide'>;
  disclosures: Pick<DisclosureSet, 'lookUp'>;
}

export interface GatewaySchema {
  schema: GraphQLSchema;
  classification: Classification;
  /** Every data item with its description: the catalogue the ISP is checked against. */
  dataItems: ReadonlyMap<string, string>;
}

function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

const DateScalar = new GraphQLScalarType<string, string>({
  name: 'Date',
  serialize: (value) => String(value),
  parseValue: (value) => {
    if (typeof value !== 'string' || !isCalendarDate(value)) {
      throw gatewayError('BAD_USER_INPUT', `A date is written YYYY-MM-DD, e.g. 1990-04-23; got ${JSON.stringify(value)}.`);
    }
    return value;
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING || !isCalendarDate(ast.value)) {
      throw gatewayError('BAD_USER_INPUT', 'A date is written YYYY-MM-DD, e.g. 1990-04-23.');
    }
    return ast.value;
  },
});

interface PersonArgs {
  id?: string | null;
  pnc?: string | null;
  cro?: string | null;
  nomsNumber?: string | null;
  crn?: string | null;
}

/**
 * The person one identifier names, if the caller may see them; otherwise null, the same for unknown and out of
 * scope, and the look-up noted for the ledger so that fishing for people is on record.
 */
export async function lookUpPerson(
  context: Pick<PersonContext, 'index' | 'access' | 'disclosures'>,
  field: string,
  args: PersonArgs,
): Promise<LinkedPerson | null> {
  const person = await findPerson(context.index, args);
  if (await context.access.found(person)) return person;
  const [argument, value] = Object.entries(args).find(([, given]) => typeof given === 'string') ?? ['', ''];
  context.disclosures.lookUp({ field, argument, value: String(value) });
  // Until every agency's identity feed has loaded, "no one you may see" could be a guess: say so instead. The same
  // for a person unknown and one out of scope, so it tells no one's existence.
  const unknown = context.index.notYetLoaded();
  if (unknown.length > 0) {
    throw gatewayError(
      'AGENCY_UNAVAILABLE',
      `The gateway has not yet read whom ${unknown.join(', ')} hold${unknown.length === 1 ? 's' : ''}, so it cannot say whether you may see this person. Try again shortly.`,
      { agencies: unknown, reason: 'not-linked' },
    );
  }
  return null;
}

export async function findPerson(index: IdentityIndex, args: PersonArgs): Promise<LinkedPerson | null> {
  const given = (['id', ...IDENTIFIER_KINDS] as const).filter((name) => args[name] !== undefined && args[name] !== null);
  if (given.length !== 1) {
    throw gatewayError('BAD_USER_INPUT', `Give exactly one of id, pnc, cro, nomsNumber or crn (got ${given.length}).`);
  }
  const [argument] = given as [keyof PersonArgs];
  const value = args[argument] as string;
  if (value.trim() === '') throw gatewayError('BAD_USER_INPUT', `The argument ${argument} is empty; give the identifier to look up.`, { argument });
  if (argument === 'id') return (await index.byId(value.trim())) ?? null;
  const kind: IdentifierKind = argument;
  const canonical = canonicalIdentifier(kind, value);
  if (!canonical.ok) {
    throw gatewayError('BAD_IDENTIFIER', `${IDENTIFIER_LABELS[kind]} ${echo(value)} is not valid: ${canonical.reason}.`, {
      identifier: kind,
    });
  }
  return (await index.byIdentifier(kind, canonical.value)) ?? null;
}

/** The name most of the person's records give; ties go to the earlier agency in the registry. */
function usualName(person: LinkedPerson): { givenName: string; familyName: string } {
  // A person has a record or two per agency: counted pairwise, without a map and a sort for every person of a page.
  const { records } = person;
  let best: (typeof records)[number] | undefined;
  let bestCount = 0;
  for (const record of records) {
    let count = 0;
    for (const other of records) if (other.givenName === record.givenName && other.familyName === record.familyName) count += 1;
    if (count > bestCount) {
      best = record;
      bestCount = count;
    }
  }
  return { givenName: best?.givenName ?? '', familyName: best?.familyName ?? '' };
}

const asMatch = (candidate: Candidate) => ({
  person: candidate.person,
  confidence: candidate.confidence,
  matchedOn: candidate.matchedOn,
  score: candidate.score,
  matchWeight: candidate.matchWeight,
  weights: candidate.weights,
});

/** Every data item the core schema and the agencies declare, with its description. */
export function describeDataItems(agencies: readonly AgencyModule[]): Map<string, string> {
  const dataItems = new Map<string, string>(Object.entries(coreDataItems));
  for (const module of agencies) for (const [item, description] of Object.entries(module.dataItems)) dataItems.set(item, description);
  return dataItems;
}

/** Resolvers for the gateway's own parts of the schema (explain, audit, cohort); their SDL is in schema/. */
export interface SchemaExtension {
  resolvers: IResolvers;
}

export function buildGatewaySchema(agencies: readonly AgencyModule[], extensions: readonly SchemaExtension[] = []): GatewaySchema {
  const sectionResolvers = Object.fromEntries(
    agencies.map(({ agency, title }) => [
      agency,
      (person: LinkedPerson, _args: unknown, context: PersonContext) => {
        const key = sectionKey(person, agency);
        const loader = context.sections.get(agency);
        if (key === undefined && !context.index.knowsHoldingsOf(agency)) {
          // Its identity feed never loaded: "holds nothing on them" would be a guess, so say it is not known.
          throw gatewayError(
            'AGENCY_UNAVAILABLE',
            `${title} has not answered since the gateway started, so whether it holds anything on this person is not known yet. Try again shortly.`,
            {
              agency,
              reason: 'not-linked',
            },
          );
        }
        if (key === undefined || !loader) return null;
        // Read already (the person made ready with the rest of a page): answered at once.
        const read = loader.readNow(key);
        if (read === undefined) return loader.load(key);
        if ('failure' in read) throw read.failure;
        return read.section;
      },
    ]),
  );

  const schema = makeExecutableSchema<PersonContext>({
    typeDefs: [...coreTypeDefs, ...agencies.map((a) => a.typeDefs)],
    resolvers: [
      ...extensions.map((e) => e.resolvers),
      {
        Date: DateScalar,
        Query: {
          person: (_root: unknown, args: PersonArgs, context: PersonContext) => lookUpPerson(context, 'person', args),
          people: async (_root: unknown, args: { name: string; dateOfBirth?: string | null; first: number }, context: PersonContext) => {
            if (args.name.trim().length < 2) throw gatewayError('BAD_USER_INPUT', 'Give a name of at least two letters to search for.');
            if (args.first < 1 || args.first > 100) throw gatewayError('BAD_USER_INPUT', '`first` must be between 1 and 100.');
            // A match confirms the name (and date of birth) searched on, so a candidate is shown only where the ISP
            // shares those; and the filter comes before the cut, or hidden people would use up `first` and show.
            const candidates = await context.index.search(args.name, args.dateOfBirth ?? undefined, Number.MAX_SAFE_INTEGER).catch((error: unknown) => {
              throw error instanceof SearchTooBroadError ? gatewayError('BAD_USER_INPUT', error.message) : error;
            });
            const matched = ['identity.name', ...(args.dateOfBirth ? ['identity.dateOfBirth'] : [])];
            const shown = await Promise.all(
              candidates.map(async ({ person }) => {
                if (!(await context.access.visible(person))) return false;
                const decisions = await Promise.all(matched.map((item) => context.access.decide(person, item)));
                return decisions.every((decision) => decision.allowed);
              }),
            );
            return candidates
              .filter((_, i) => shown[i])
              .slice(0, args.first)
              .map(asMatch);
          },
        },
        Person: {
          id: (person: LinkedPerson) => person.id,
          name: usualName,
          dateOfBirth: (person: LinkedPerson) => person.records[0]?.dateOfBirth ?? null,
          identifiers: (person: LinkedPerson) => ({
            ...person.identifiers,
            // An agency key that is not itself a partnership identifier is the agency's own reference.
            localReferences: person.records.filter((r) => !Object.values(r.identifiers).includes(r.key)).map((r) => ({ agency: r.agency, reference: r.key })),
          }),
          recordedNames: (person: LinkedPerson) => person.records.map(({ agency, givenName, familyName }) => ({ agency, givenName, familyName })),
          identifierConflicts: (person: LinkedPerson) => person.conflicts,
          probableMatches: async (person: LinkedPerson, _args: unknown, context: PersonContext) => (await context.index.probableMatches(person)).map(asMatch),
          ...sectionResolvers,
        },
      },
    ],
  });

  const classification = classifySchema(schema);
  const dataItems = describeDataItems(agencies);

  const faults: string[] = [];
  if (classification.nonNullClassified.length > 0) {
    faults.push(`classified fields must be nullable, so that withholding one nulls only it: ${classification.nonNullClassified.join(', ')}`);
  }
  if (classification.unclassified.length > 0) {
    faults.push(`fields with no data item (add @dataItem): ${classification.unclassified.join(', ')}`);
  }
  const undeclared = [...classification.dataItems].filter((item) => !dataItems.has(item));
  if (undeclared.length > 0) faults.push(`data items used in the schema but not declared by any adapter: ${undeclared.join(', ')}`);
  const unused = [...dataItems.keys()].filter((item) => !classification.dataItems.has(item));
  if (unused.length > 0) faults.push(`data items declared but carried by no field: ${unused.join(', ')}`);
  if (faults.length > 0) throw new Error(`The unified schema is not fully classified:\n- ${faults.join('\n- ')}`);

  return { schema, classification, dataItems };
}
