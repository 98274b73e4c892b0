import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { contractRoutes, shapeDifferences } from './contract-shape.js';

const components = {
  Case: {
    type: 'object',
    required: ['reference', 'status', 'worker'],
    properties: {
      reference: { type: 'string' },
      status: { type: 'string', enum: ['OPEN', 'CLOSED'] },
      worker: { allOf: [{ $ref: '#/components/schemas/Worker' }], nullable: true },
    },
  },
  Worker: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
};

describe('a zod schema against its contract component', () => {
  it('finds nothing where they agree', () => {
    const agreeing = z.object({ reference: z.string(), status: z.enum(['OPEN', 'CLOSED']), worker: z.object({ name: z.string() }).nullable() });
    expect(shapeDifferences(components, 'Case', agreeing)).toEqual([]);
  });

  it('names a missing or extra field, a field null on one side only, and an enum with other values', () => {
    const drifted = z.object({
      reference: z.string(),
      status: z.enum(['OPEN', 'SHUT']),
      worker: z.object({ name: z.string(), age: z.number() }),
      extra: z.string(),
    });
    expect(shapeDifferences(components, 'Case', drifted).sort()).toEqual(
      [
        'Case.extra: in the zod schema only',
        'Case.status: enum [CLOSED, OPEN] in the contract, [OPEN, SHUT] in the zod schema',
        'Case.worker: nullable in the contract only',
        'Case.worker.age: in the zod schema only',
      ].sort(),
    );
    expect(shapeDifferences(components, 'Nothing', drifted)).toEqual(['Nothing: not a component of the contract']);
  });

  it('finds the three routes of a contract, and says which is missing', () => {
    expect(() => contractRoutes('openapi: 3.0.3\npaths: {}\n')).toThrow(/no identity change feed/);
  });
});
