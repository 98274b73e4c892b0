import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { AgencyAdapter } from '../../adapters/kit/contract.js';
import { AgencyUnavailableError } from '../../adapters/kit/errors.js';
import { type AgencyConnection, createSectionLoaders } from './sections.js';

/** An agency whose records calls are counted, answering or failing as `answer` says. */
function agency(answer: (keys: readonly string[]) => Promise<Map<string, unknown>>) {
  const calls: string[][] = [];
  const adapter: AgencyAdapter = {
    identityChanges: () => Promise.reject(new Error('not used')),
    records: (keys) => {
      calls.push([...keys]);
      return answer(keys);
    },
  };
  const connection: AgencyConnection = { agency: 'testing', title: 'Testing service', adapter };
  return { calls, connection };
}

const held = (keys: readonly string[]) => Promise.resolve(new Map(keys.filter((key) => key !== 'unknown').map((key) => [key, { key }])));

describe('section loaders', () => {
  it('send the keys of every request in one turn to the agency in one call, each request given its own', async () => {
    const { calls, connection } = agency(held);
    const first = createSectionLoaders([connection]).get('testing');
    const second = createSectionLoaders([connection]).get('testing');
    const answers = await Promise.all([first?.load('A1'), second?.load('B2'), second?.load('A1'), first?.load('unknown')]);
    expect(calls).toEqual([['A1', 'unknown', 'B2']]);
    expect(answers).toEqual([{ key: 'A1' }, { key: 'B2' }, { key: 'A1' }, null]);
  });

  it('call the agency again for a later request: nothing is kept between turns', async () => {
    const { calls, connection } = agency(held);
    await createSectionLoaders([connection]).get('testing')?.load('A1');
    await createSectionLoaders([connection]).get('testing')?.load('A1');
    expect(calls).toEqual([['A1'], ['A1']]);
  });

  it('give every request in a call that timed out the agency’s failure, by name', async () => {
    const { calls, connection } = agency(() => Promise.reject(new AgencyUnavailableError('testing', 'timeout', 'no answer within 5000 ms')));
    const loads = [createSectionLoaders([connection]).get('testing')?.load('A1'), createSectionLoaders([connection]).get('testing')?.load('B2')];
    const settled = await Promise.allSettled(loads);
    // An agency that is down is down for everyone: not asked again key by key.
    expect(calls).toEqual([['A1', 'B2']]);
    for (const outcome of settled) {
      const failure = outcome.status === 'rejected' ? outcome.reason : outcome.value;
      expect(failure).toBeInstanceOf(GraphQLError);
      expect((failure as GraphQLError).extensions).toMatchObject({ code: 'AGENCY_UNAVAILABLE', agency: 'testing', reason: 'timeout' });
      expect((failure as GraphQLError).message).toContain('Testing service could not answer (timeout)');
    }
  });

  it('ask again for each request’s own keys when a joined answer was malformed, so one is not failed by another’s', async () => {
    const { calls, connection } = agency((keys) =>
      keys.includes('BAD') ? Promise.reject(new AgencyUnavailableError('testing', 'malformed-payload', 'the answer did not match the contract')) : held(keys),
    );
    const [bad, good] = await Promise.allSettled([
      createSectionLoaders([connection]).get('testing')?.load('BAD'),
      createSectionLoaders([connection]).get('testing')?.load('A1'),
    ]);
    expect(calls).toEqual([['BAD', 'A1'], ['BAD'], ['A1']]);
    expect(bad?.status === 'rejected' && (bad.reason as GraphQLError).extensions).toMatchObject({ code: 'AGENCY_UNAVAILABLE', reason: 'malformed-payload' });
    expect(good).toEqual({ status: 'fulfilled', value: { key: 'A1' } });
  });

  it('ask a struggling agency no more: a 5xx to a joined call is every request’s answer', async () => {
    const { calls, connection } = agency(() =>
      Promise.reject(new AgencyUnavailableError('testing', 'error-status', 'the agency system answered HTTP 503', 503)),
    );
    const settled = await Promise.allSettled([
      createSectionLoaders([connection]).get('testing')?.load('A1'),
      createSectionLoaders([connection]).get('testing')?.load('B2'),
    ]);
    expect(calls).toEqual([['A1', 'B2']]);
    expect(settled.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
  });

  it('send more keys than one call carries in further calls, at once', async () => {
    const { calls, connection } = agency(held);
    const keys = (prefix: string) => Array.from({ length: 600 }, (_, i) => `${prefix}${i}`);
    const first = createSectionLoaders([connection]).get('testing');
    const second = createSectionLoaders([connection]).get('testing');
    const answers = await Promise.all([first?.loadMany(keys('A')), second?.loadMany(keys('B'))]);
    expect(calls.map((call) => call.length)).toEqual([600, 600]);
    expect(answers.map((answer) => answer?.length)).toEqual([600, 600]);
  });
});
