import { readFileSync } from 'node:fs';
import { type EnumTypeDefinitionNode, Kind, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { RECORD_KINDS, RECORD_OUTCOMES } from '../ledger/index.js';

const sdl = parse(readFileSync(new URL('../../schema/audit.graphql', import.meta.url), 'utf8'));
const enumValues = (name: string) =>
  sdl.definitions
    .filter((d): d is EnumTypeDefinitionNode => d.kind === Kind.ENUM_TYPE_DEFINITION && d.name.value === name)
    .flatMap((d) => d.values?.map((v) => v.name.value) ?? []);
const graphqlNames = (values: readonly string[]) => values.map((value) => value.toUpperCase().replaceAll('-', '_'));

describe('the audit schema', () => {
  // A value the ledger gains without the schema stops start-up; one the schema keeps after the ledger drops it would never match.
  it('names exactly the ledger’s record kinds and outcomes', () => {
    expect(enumValues('DisclosureKind')).toEqual(graphqlNames(RECORD_KINDS));
    expect(enumValues('DisclosureOutcome')).toEqual(graphqlNames(RECORD_OUTCOMES));
  });
});
