import { buildSchema, type ExecutionResult, type FieldNode, GraphQLError, parse, visit } from 'graphql';
import { createYoga, processRegularResult } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { sentAsJson } from './error-discipline.js';

const { fetchAPI } = createYoga({ schema: buildSchema('type Query { person: String }') });
const document = parse('query Page { cohort { edges { node { drugs { engaged } police { arrests { on } } } } } }');
function field(name: string): FieldNode {
  let found: FieldNode | undefined;
  visit(document, {
    Field(node) {
      if (node.name.value === name) found = node;
    },
  });
  if (!found) throw new Error(`no field ${name}`);
  return found;
}

const withheld = (i: number) =>
  new GraphQLError('drugs.* is withheld: no clause of the ISP shares it with police-officer for iom-case-management.', {
    nodes: [field('drugs')],
    path: ['cohort', 'edges', i, 'node', 'drugs'],
    extensions: { code: 'WITHHELD', dataItem: 'drugs.*', reason: 'no-clause' },
  });

const page: ExecutionResult = {
  errors: [withheld(0), withheld(1)],
  data: { cohort: { edges: [{ node: { drugs: null, police: { arrests: [] } } }, { node: { drugs: null, police: null } }] } },
  extensions: { requestId: 'req-00000001' },
};

/** What yoga sends for a result: status, content type and body. */
async function sent(result: ExecutionResult, mediaType: string) {
  const response = processRegularResult(result, fetchAPI, mediaType);
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

describe('an answer’s errors sent as JSON', () => {
  it('leaves yoga nothing to copy, and sends exactly what yoga would have sent', async () => {
    const plain = sentAsJson(page);
    expect(plain.errors?.some((error) => error instanceof GraphQLError)).toBe(false);
    for (const mediaType of ['application/json', 'application/graphql-response+json']) {
      const expected = await sent(page, mediaType);
      expect(expected.body).toContain('"locations":[{"line":1,"column":38}]');
      expect(await sent(plain, mediaType)).toEqual(expected);
    }
  });

  it('leaves to yoga an answer whose status an error or extension sets, or that never ran', () => {
    const unavailable = new GraphQLError('The disclosure ledger could not record this request.', {
      extensions: { code: 'LEDGER_UNAVAILABLE', http: { status: 503 } },
    });
    const unexpected = new GraphQLError('Unexpected error.', { extensions: { code: 'INTERNAL', unexpected: true } });
    for (const result of [
      { data: null, errors: [unavailable] },
      { ...page, errors: [...(page.errors ?? []), unexpected] },
      { ...page, extensions: { http: { status: 403 } } },
      { errors: [withheld(0)] },
      { data: page.data },
    ] satisfies ExecutionResult[]) {
      expect(sentAsJson(result)).toBe(result);
    }
  });
});
