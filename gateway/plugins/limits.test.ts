import { describe, expect, it } from 'vitest';
import { sampleRecord, sampleSubject } from '../ledger/fixtures.js';
import { parseRecord } from '../ledger/record.js';
import { DEFAULT_LIMITS } from './limits.js';

describe('the name limit and the ledger', () => {
  it('lets the longest path a document within the limits can give a value fit in a ledger record', () => {
    const { maxDepth, maxNameLength } = DEFAULT_LIMITS;
    // Every field at the depth limit aliased to the longest name, and each inside a list 100,000 long.
    const keys = Array.from({ length: maxDepth }, (_, level) => [`${String.fromCharCode(97 + level)}${'x'.repeat(maxNameLength - 1)}`, '99999']).flat();
    const path = keys.join('.');
    const subject = sampleSubject(1, { disclosed: [{ clauseId: 'C-01', dataItem: 'identity.name', path }], withheld: [] });
    expect(() => parseRecord(sampleRecord(1, { operationName: 'O'.repeat(maxNameLength), subjects: [subject] }))).not.toThrow();
  });
});
