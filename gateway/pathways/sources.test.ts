import { describe, expect, it } from 'vitest';
import { byPathway, PATHWAY_SOURCES, type PathwayEntry } from './sources.js';

/** Sections shaped as the adapters map them (the SDL's field names and enum values); synthetic values. */
const SECTIONS: Record<string, unknown> = {
  probation: {
    criminogenicNeeds: [
      { area: 'ACCOMMODATION', severity: 'SIGNIFICANT' },
      { area: 'EMOTIONAL_WELLBEING', severity: 'SOME' },
      { area: 'RELATIONSHIPS', severity: 'SOME' },
    ],
    requirements: [
      { type: 'DRUG_REHABILITATION', startDate: '2026-03-01', status: 'ACTIVE' },
      { type: 'UNPAID_WORK', startDate: '2026-03-01', status: 'ACTIVE' },
    ],
    registrations: [
      { type: 'IOM', startDate: '2026-02-01', note: 'fixed' },
      { type: 'CHILD_CONCERNS', startDate: '2025-11-20', note: null },
    ],
  },
  housing: {
    accommodationStatus: 'NO_FIXED_ABODE',
    accommodationStatusSince: '2026-08-01',
    supportReferrals: [
      { service: 'Debt and benefits advice', referredOn: '2026-08-10', status: 'OPEN' },
      { service: 'Housing First', referredOn: '2026-08-12', status: 'ACCEPTED' },
    ],
  },
  drugs: {
    treatmentEngagement: { engaged: true, since: '2026-09-01' },
    testsOnArrest: [
      { testedOn: '2026-07-01', result: 'POSITIVE', substances: ['OPIATES'] },
      { testedOn: '2026-08-30', result: 'POSITIVE', substances: ['OPIATES', 'CRACK'] },
      { testedOn: '2026-09-15', result: 'NEGATIVE', substances: [] },
    ],
  },
  prison: {
    licenceConditions: [
      { code: 'STD-1', description: 'Be of good behaviour' },
      { code: 'STD-4', description: 'Reside permanently at an approved address' },
      { code: 'DRG-1', description: 'Attend drug testing as required' },
    ],
  },
  police: {
    warningMarkers: [
      { type: 'VIOLENCE', addedOn: '2020-01-01' },
      { type: 'SELF_HARM', addedOn: '2024-05-05' },
    ],
  },
};

const entriesFrom = (dataItem: string) => {
  const source = PATHWAY_SOURCES.find((s) => s.dataItem === dataItem);
  if (!source) throw new Error(`no source ${dataItem}`);
  return source.entries(SECTIONS[source.agency]);
};
const brief = (entries: PathwayEntry[]) => entries.map(({ pathway, kind, description, status, since }) => ({ pathway, kind, description, status, since }));

describe('pathway sources', () => {
  it('each read one data item of one agency, and name it on every entry', () => {
    const items = PATHWAY_SOURCES.map((s) => s.dataItem);
    expect(new Set(items).size).toBe(items.length);
    for (const source of PATHWAY_SOURCES) {
      expect(source.dataItem.startsWith(`${source.agency}.`)).toBe(true);
      for (const entry of source.entries(SECTIONS[source.agency])) expect(entry).toMatchObject({ agency: source.agency, dataItem: source.dataItem });
    }
  });

  it('turn OASys needs into needs on their pathways', () => {
    expect(brief(entriesFrom('probation.criminogenicNeeds'))).toEqual([
      { pathway: 'ACCOMMODATION', kind: 'NEED', description: 'OASys criminogenic need: accommodation', status: 'significant need', since: null },
      { pathway: 'HEALTH', kind: 'NEED', description: 'OASys criminogenic need: emotional well-being', status: 'some need', since: null },
      { pathway: 'CHILDREN_FAMILIES', kind: 'NEED', description: 'OASys criminogenic need: relationships', status: 'some need', since: null },
    ]);
  });

  it('list supporting requirements and registrations, not punishments or the IOM flag', () => {
    expect(brief(entriesFrom('probation.requirements'))).toEqual([
      { pathway: 'DRUGS_ALCOHOL', kind: 'INTERVENTION', description: 'Drug rehabilitation requirement', status: 'active', since: '2026-03-01' },
    ]);
    expect(brief(entriesFrom('probation.registrations'))).toEqual([
      { pathway: 'CHILDREN_FAMILIES', kind: 'NEED', description: 'Probation registration: child concerns', status: null, since: '2025-11-20' },
    ]);
  });

  it('read accommodation, and referrals by the service they go to', () => {
    expect(brief(entriesFrom('housing.accommodationStatus'))).toEqual([
      { pathway: 'ACCOMMODATION', kind: 'NEED', description: 'No fixed abode', status: null, since: '2026-08-01' },
    ]);
    expect(entriesFrom('housing.supportReferrals').map((e) => [e.pathway, e.description, e.status])).toEqual([
      ['FINANCE_BENEFIT_DEBT', 'Referred to Debt and benefits advice', 'open'],
      ['ACCOMMODATION', 'Referred to Housing First', 'accepted'],
    ]);
    const settled = PATHWAY_SOURCES.find((s) => s.dataItem === 'housing.accommodationStatus');
    expect(settled?.entries({ accommodationStatus: 'SETTLED', accommodationStatusSince: '2020-01-01' })).toEqual([]);
  });

  it('read treatment engagement and the latest positive test from the drug service', () => {
    expect(brief(entriesFrom('drugs.treatmentEngagement'))).toEqual([
      {
        pathway: 'DRUGS_ALCOHOL',
        kind: 'INTERVENTION',
        description: 'Engaged in structured drug and alcohol treatment',
        status: 'engaged',
        since: '2026-09-01',
      },
    ]);
    expect(brief(entriesFrom('drugs.testOnArrest'))).toEqual([
      { pathway: 'DRUGS_ALCOHOL', kind: 'NEED', description: 'Tested positive on arrest: opiates, crack', status: null, since: '2026-08-30' },
    ]);
  });

  it('read licence conditions on drugs and residence, and health warning markers', () => {
    expect(entriesFrom('prison.licenceConditions').map((e) => [e.pathway, e.description])).toEqual([
      ['ACCOMMODATION', 'Licence condition: Reside permanently at an approved address'],
      ['DRUGS_ALCOHOL', 'Licence condition: Attend drug testing as required'],
    ]);
    expect(brief(entriesFrom('police.warningMarkers'))).toEqual([
      { pathway: 'HEALTH', kind: 'NEED', description: 'Police warning marker: self-harm or risk of suicide', status: null, since: '2024-05-05' },
    ]);
  });

  it('refuse a section not shaped as they read it, rather than guess', () => {
    const needs = PATHWAY_SOURCES.find((s) => s.dataItem === 'probation.criminogenicNeeds');
    expect(() => needs?.entries({ criminogenicNeeds: [{ area: 'ASTROLOGY', severity: 'SOME' }] })).toThrow(/probation section/);
  });

  it('order entries by pathway, needs first, the latest first and undated last', () => {
    const all = PATHWAY_SOURCES.flatMap((s) => s.entries(SECTIONS[s.agency])).sort(byPathway);
    expect(all.map((e) => `${e.pathway} ${e.kind} ${e.since ?? '-'}`)).toEqual([
      'ACCOMMODATION NEED 2026-08-01',
      'ACCOMMODATION NEED -',
      'ACCOMMODATION INTERVENTION 2026-08-12',
      'ACCOMMODATION INTERVENTION -',
      'HEALTH NEED 2024-05-05',
      'HEALTH NEED -',
      'DRUGS_ALCOHOL NEED 2026-08-30',
      'DRUGS_ALCOHOL INTERVENTION 2026-09-01',
      'DRUGS_ALCOHOL INTERVENTION 2026-03-01',
      'DRUGS_ALCOHOL INTERVENTION -',
      'FINANCE_BENEFIT_DEBT INTERVENTION 2026-08-10',
      'CHILDREN_FAMILIES NEED 2025-11-20',
      'CHILDREN_FAMILIES NEED -',
    ]);
  });
});
