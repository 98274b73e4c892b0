/**
 * A stand-in for the police nominal record API (openapi.yaml), serving the people of the synthetic
 * population whom the police know, under the name and identifiers the police record for them. Its event
 * feed makes new arrests, charges on arrests under investigation, and court decisions on charges awaiting trial.
 */
import { fileURLToPath } from 'node:url';
import type { SimulatorApp } from '../kit/contract.js';
import type { EventSource } from '../kit/event-log.js';
import { populationIdentities } from '../kit/identity-changes.js';
import { createSimulatorApp } from '../kit/simulator.js';
import { batchRoute } from '../kit/simulator-routes.js';
import { type StreamedRecords, streamedRecords } from '../kit/streamed-records.js';
import { ACQUISITIVE_OFFENCES, OFFENCE_WORDING } from '../population/offences.js';
import type { Random } from '../population/random.js';
import { builtInSlice, type PopulationSlice } from '../population/slice.js';
import { asSeenBy, type OffenceCategory, type PoliceFacts, type Population, type SyntheticPerson, type WarningMarkerType } from '../population/types.js';
import type { components } from './api.js';
import { BatchRequest } from './client.js';

type Schemas = components['schemas'];

const ARREST_OUTCOMES: Record<PoliceFacts['arrests'][number]['outcome'], Schemas['Arrest']['arrestOutcome']> = {
  charged: 'CHARGED',
  'released-under-investigation': 'RUI',
  'no-further-action': 'NFA',
  cautioned: 'CAUTIONED',
};

const CHARGE_STATUSES: Record<PoliceFacts['charges'][number]['status'], Schemas['Charge']['chargeStatus']> = {
  'awaiting-trial': 'AWAITING_TRIAL',
  convicted: 'CONVICTED',
  acquitted: 'ACQUITTED',
  discontinued: 'DISCONTINUED',
};

const WARNING_SIGNALS: Record<WarningMarkerType, Schemas['WarningSignal']['code']> = {
  violence: 'VI',
  weapons: 'WE',
  drugs: 'DR',
  'mental-health': 'MH',
  'self-harm': 'SH',
  escaper: 'ES',
  contagion: 'CO',
};

function toNominal(pncId: string, facts: PoliceFacts): Schemas['Nominal'] {
  return {
    pncId,
    arrests: facts.arrests.map((a) => ({
      arrestSummonsNumber: a.id,
      arrestDate: a.date,
      offenceDescription: a.offence,
      offenceCategory: a.category,
      arrestOutcome: ARREST_OUTCOMES[a.outcome],
    })),
    charges: facts.charges.map((c) => ({
      chargeId: c.id,
      arrestSummonsNumber: c.arrestId,
      chargeDate: c.date,
      offenceDescription: c.offence,
      offenceCategory: c.category,
      chargeStatus: CHARGE_STATUSES[c.status],
    })),
    courtDisposals: facts.courtOutcomes.map((o) => ({
      disposalId: o.id,
      chargeId: o.chargeId,
      hearingDate: o.date,
      courtName: o.court,
      offenceDescription: o.offence,
      offenceCategory: o.category,
      adjudication: o.verdict === 'guilty' ? 'GUILTY' : 'NOT_GUILTY',
      disposalText: o.disposal,
    })),
    warningSignals: facts.warningMarkers.map((w) => ({ code: WARNING_SIGNALS[w.type], dateAdded: w.addedOn })),
    wantedReport: facts.wanted && { circulatedOn: facts.wanted.since, offenceDescription: facts.wanted.offence },
    missingReport: facts.missing && { reportedOn: facts.missing.since },
    ppoFlag: facts.prolificPriorityOffender,
    offenderManager: facts.offenderManager && {
      name: facts.offenderManager.name,
      unit: facts.offenderManager.team,
      telephone: facts.offenderManager.phone,
      email: facts.offenderManager.email,
    },
  };
}

const COURTS = ["Northby Magistrates' Court", "Saltmere Magistrates' Court"];

const SENTENCES: readonly (readonly [string, number])[] = [
  ['Community order 12 months', 4],
  ['Suspended sentence order 6 months suspended for 12 months', 2],
  ['Imprisonment 8 months', 2],
  ['Conditional discharge 12 months', 1],
  ['Fine £200', 1],
];

/** Most arrests repeat the person's usual offending; the rest are acquisitive crime. */
function nextOffence(random: Random, nominal: Schemas['Nominal']): { category: OffenceCategory; offence: string } {
  const usual = nominal.arrests.map((a) => a.offenceCategory);
  const category = usual.length > 0 && random.chance(0.7) ? random.pick(usual) : random.pick(ACQUISITIVE_OFFENCES);
  return { category, offence: random.pick(OFFENCE_WORDING[category]) };
}

const uncharged = (nominal: Schemas['Nominal']) => {
  const charged = new Set(nominal.charges.map((c) => c.arrestSummonsNumber));
  return nominal.arrests.filter((a) => a.arrestOutcome === 'RUI' && !charged.has(a.arrestSummonsNumber));
};
const awaitingTrial = (nominal: Schemas['Nominal']) => nominal.charges.filter((c) => c.chargeStatus === 'AWAITING_TRIAL');

/**
 * New events for the force's nominals, each applied to the nominal the simulator serves: a charge follows an
 * arrest released under investigation, a court decision a charge awaiting trial; otherwise a new arrest.
 */
function policeEvents(population: Population, nominals: StreamedRecords<Schemas['Nominal']>): EventSource<Schemas['NominalEvent']> {
  return {
    seed: population.seed,
    referenceDate: population.referenceDate,
    next(random, { id, at, date }) {
      const serial = id.slice('EV-'.length);
      const base = { eventId: id, recordedAt: at.toISOString(), arrest: null, charge: null, courtDisposal: null };
      const kind = random.weighted([
        ['ARREST', 5],
        ['CHARGE', 3],
        ['COURT_DISPOSAL', 2],
      ] as const);

      const toCharge = kind === 'CHARGE' ? nominals.pick(random, (n) => uncharged(n).length > 0) : null;
      if (toCharge) {
        const arrest = random.pick(uncharged(toCharge));
        arrest.arrestOutcome = 'CHARGED';
        const charge: Schemas['Charge'] = {
          chargeId: `CHG-${serial}`,
          arrestSummonsNumber: arrest.arrestSummonsNumber,
          chargeDate: date,
          offenceDescription: arrest.offenceDescription,
          offenceCategory: arrest.offenceCategory,
          chargeStatus: 'AWAITING_TRIAL',
        };
        toCharge.charges.push(charge);
        return { ...base, pncId: toCharge.pncId, eventType: 'CHARGE', charge };
      }

      const toTry = kind === 'COURT_DISPOSAL' ? nominals.pick(random, (n) => awaitingTrial(n).length > 0) : null;
      if (toTry) {
        const charge = random.pick(awaitingTrial(toTry));
        const guilty = random.chance(0.8);
        charge.chargeStatus = guilty ? 'CONVICTED' : 'ACQUITTED';
        const courtDisposal: Schemas['CourtDisposal'] = {
          disposalId: `CRT-${serial}`,
          chargeId: charge.chargeId,
          hearingDate: date,
          courtName: random.pick(COURTS),
          offenceDescription: charge.offenceDescription,
          offenceCategory: charge.offenceCategory,
          adjudication: guilty ? 'GUILTY' : 'NOT_GUILTY',
          disposalText: guilty ? random.weighted(SENTENCES) : 'Acquitted',
        };
        toTry.courtDisposals.push(courtDisposal);
        return { ...base, pncId: toTry.pncId, eventType: 'COURT_DISPOSAL', courtDisposal };
      }

      const nominal = nominals.pick(random);
      if (!nominal) return null;
      const { category, offence } = nextOffence(random, nominal);
      const arrest: Schemas['Arrest'] = {
        arrestSummonsNumber: `ARR-${serial}`,
        arrestDate: date,
        offenceDescription: offence,
        offenceCategory: category,
        // Most arrests are released under investigation, so a charge can follow later in the feed.
        arrestOutcome: random.weighted([
          ['RUI', 7],
          ['NFA', 2],
          ['CAUTIONED', 1],
        ] as const),
      };
      nominal.arrests.push(arrest);
      return { ...base, pncId: nominal.pncId, eventType: 'ARREST', arrest };
    },
  };
}

/** The PNC ID is the nominal's key: the police cannot hold a record without one. */
function pncIdOf(person: SyntheticPerson): string | null {
  return person.police === null ? null : asSeenBy(person, 'police').pnc;
}
/** Whom the agency holds and under which key: its part of the population. */
export const policePopulation: PopulationSlice<PoliceFacts> = builtInSlice(
  'police',
  (person) => person.police,
  (person) => asSeenBy(person, 'police').pnc,
);

export function createPoliceSimulator(population: Population): SimulatorApp {
  const nominals = streamedRecords(
    population,
    (person) => {
      const pncId = pncIdOf(person);
      const facts = person.police;
      return pncId === null || facts === null ? null : { key: pncId, record: () => toNominal(pncId, facts) };
    },
    (pncId) => population.indexOf('pnc', pncId),
  );
  const routes = batchRoute({
    path: '/nominals/batch',
    request: BatchRequest,
    recordOf: nominals.byKey,
    refusal: 'the body must be {"keys": [PNC IDs]} with 1 to 100 keys',
  });

  return createSimulatorApp({
    identities: populationIdentities('police', policePopulation, population),
    agency: 'police',
    openapiPath: fileURLToPath(new URL('./openapi.yaml', import.meta.url)),
    routes,
    events: policeEvents(population, nominals),
  });
}
