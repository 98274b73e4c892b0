import { describe, expect, it } from 'vitest';
import { useSimulator } from '../kit/agency-test-kit.js';
import { createPopulation } from '../population/generate.js';
import { servedBy } from '../population/slice.js';
import youth from './index.js';

const population = createPopulation({ seed: 20260101, size: 500 });
const served = servedBy(population, youth.population);
const sim = useSimulator(() => youth.createSimulator(population));

describe('youth records', () => {
  it('maps every case field by field from the population facts', async () => {
    const records = await youth.createAdapter({ baseUrl: sim.url, timeoutMs: 2_000 }).records(served.map((s) => s.key));
    expect(records.size).toBe(served.length);
    for (const { key, facts } of served) {
      expect(records.get(key)).toEqual({
        caseStatus: facts.status === 'open' ? 'OPEN' : 'CLOSED',
        caseOpenedOn: facts.openedOn,
        caseWorker: facts.caseWorker,
      });
    }
  });
});
