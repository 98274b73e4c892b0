import { expect, it } from 'vitest';
import { createPopulation } from '../../adapters/population/generate.js';
import { indexOver } from '../identity/fixtures.js';
import { openLedger } from '../ledger/index.js';
import { describeOnBackends, useDatabase } from '../ledger/test-backends.js';
import { CohortRegister } from './register.js';
import { seedCohort } from './seed.js';

describeOnBackends('cohort seed', (backend) => {
  const database = useDatabase(backend);

  it('records a large starting cohort in records of bounded size, all under one request', async () => {
    const population = createPopulation({ seed: 20261101, size: 400 });
    // Each person as the probation or police feed would give them: enough for the seed to find them by CRN or PNC.
    const index = await indexOver(
      database().admin,
      population.people.flatMap((person) => {
        const { crn, pnc } = person.identifiers;
        const key = crn ?? pnc;
        if (!key) return [];
        const identifiers = { ...(crn ? { crn } : {}), ...(pnc ? { pnc } : {}) };
        return [
          {
            agency: crn ? 'probation' : 'police',
            key,
            identifiers,
            givenName: person.givenName,
            familyName: person.familyName,
            dateOfBirth: person.dateOfBirth,
          },
        ];
      }),
    );
    const ledger = await openLedger(database().ledgerOptions());
    const register = await CohortRegister.open(database().admin);

    const seeded = await seedCohort(register, ledger, population, index, 10);

    expect(seeded).toBeGreaterThan(20);
    const records = (await ledger.query({ kind: 'alteration' }, { limit: 100 })).entries.map((entry) => entry.record);
    const seeds = records.filter((record) => record.operationName === 'cohort:seed');
    expect(seeds).toHaveLength(Math.ceil(seeded / 10));
    expect(Math.max(...seeds.map((record) => record.subjects.length))).toBe(10);
    expect(new Set(seeds.map((record) => record.requestId)).size).toBe(1);
    expect(seeds.reduce((sum, record) => sum + record.subjects.length, 0)).toBe(seeded);
    expect(await register.count({})).toBe(seeded);
    // Seeded once: a second start adds nothing.
    expect(await seedCohort(register, ledger, population, index, 10)).toBe(0);
    await ledger.close();
  });
});
