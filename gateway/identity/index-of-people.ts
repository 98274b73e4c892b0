/**
 * The identity index: every linked person, found by gateway id, by identifier, or by name and date of birth.
 * Holds identifying facts only (names, dates of birth, identifiers, agency keys), never agency records.
 */
import type { IdentityRecord } from '../../adapters/kit/contract.js';
import type { IdentifierKind } from '../../schema/identifiers.js';
import { contradicts, type LinkedPerson, linkRecords } from './link.js';
import { matchCandidate, type NameMatch, nameTokens, similarToken } from './match.js';
import { type FieldFrequencies, type MatchWeights, matchWeights, type RecordedName, ValueFrequencies } from './match-weights.js';

export interface Candidate extends NameMatch, MatchWeights {
  person: LinkedPerson;
}

export class IdentityIndex {
  private readonly byGatewayId = new Map<string, LinkedPerson>();
  private readonly byIdentifierToken = new Map<string, LinkedPerson>();
  private readonly byAgencyKeyToken = new Map<string, LinkedPerson>();
  private readonly byDateOfBirth = new Map<string, LinkedPerson[]>();
  private readonly names = new Map<LinkedPerson, string[][]>();
  /** Each person's records as given and family name, for the weights behind a match. */
  private readonly recordedNames = new Map<LinkedPerson, { name: RecordedName; dateOfBirth: string }[]>();
  private readonly frequencies: FieldFrequencies = {
    givenName: new ValueFrequencies(),
    familyName: new ValueFrequencies(),
    dateOfBirth: new ValueFrequencies(),
  };

  /** Agencies whose identity feed never loaded: whom they hold is unknown, not "nobody". */
  private readonly unlinked: ReadonlySet<string>;

  constructor(records: readonly IdentityRecord[], unloadedFeeds: readonly string[] = []) {
    this.unlinked = new Set(unloadedFeeds);
    for (const person of linkRecords(records)) {
      this.byGatewayId.set(person.id, person);
      for (const record of person.records) {
        for (const [kind, value] of Object.entries(record.identifiers)) this.byIdentifierToken.set(`${kind}:${value}`, person);
        this.byAgencyKeyToken.set(`${record.agency}\u0000${record.key}`, person);
      }
      for (const dob of new Set(person.records.map((r) => r.dateOfBirth))) {
        this.byDateOfBirth.set(dob, [...(this.byDateOfBirth.get(dob) ?? []), person]);
      }
      this.names.set(
        person,
        person.records.map((r) => nameTokens(`${r.givenName} ${r.familyName}`)),
      );
      const recorded = person.records.map((r) => ({ name: { given: nameTokens(r.givenName), family: nameTokens(r.familyName) }, dateOfBirth: r.dateOfBirth }));
      this.recordedNames.set(person, recorded);
      for (const { name, dateOfBirth } of recorded) {
        this.frequencies.givenName.add(name.given.slice(0, 1).join(' '));
        this.frequencies.familyName.add(name.family.join(' '));
        this.frequencies.dateOfBirth.add(dateOfBirth);
      }
    }
  }

  /** Whether the index knows whom this agency holds (its identity feed has loaded at least once). */
  knowsHoldingsOf(agency: string): boolean {
    return !this.unlinked.has(agency);
  }

  get size(): number {
    return this.byGatewayId.size;
  }

  people(): IterableIterator<LinkedPerson> {
    return this.byGatewayId.values();
  }

  byId(id: string): LinkedPerson | undefined {
    return this.byGatewayId.get(id);
  }

  byIdentifier(kind: IdentifierKind, canonical: string): LinkedPerson | undefined {
    return this.byIdentifierToken.get(`${kind}:${canonical}`);
  }

  /** The person an agency's own key (PNC ID, CRN, prison number, local reference) belongs to, as that agency holds it. */
  byAgencyKey(agency: string, key: string): LinkedPerson | undefined {
    return this.byAgencyKeyToken.get(`${agency}\u0000${key}`);
  }

  search(name: string, dateOfBirth: string | undefined, limit: number): Candidate[] {
    const tokens = nameTokens(name);
    const pool = dateOfBirth !== undefined ? (this.byDateOfBirth.get(dateOfBirth) ?? []) : this.byGatewayId.values();
    const found: Candidate[] = [];
    for (const person of pool) {
      const match = this.matchPerson(person, tokens, dateOfBirth);
      if (match) found.push({ person, ...match, ...this.weigh(person, tokens, dateOfBirth) });
    }
    return found.sort((a, b) => b.score - a.score || a.person.id.localeCompare(b.person.id)).slice(0, limit);
  }

  /** Other people with the same name and date of birth and no contradicting identifier. */
  probableMatches(person: LinkedPerson): Candidate[] {
    const found: Candidate[] = [];
    for (const record of person.records) {
      for (const other of this.byDateOfBirth.get(record.dateOfBirth) ?? []) {
        if (other === person || found.some((c) => c.person === other) || contradicts(person, other)) continue;
        const tokens = nameTokens(`${record.givenName} ${record.familyName}`);
        const match = this.matchPerson(other, tokens, record.dateOfBirth);
        if (match?.confidence === 'PROBABLE') found.push({ person: other, ...match, ...this.weigh(other, tokens, record.dateOfBirth) });
      }
    }
    return found;
  }

  /** The weights of the person's record that agrees best with what was asked. */
  private weigh(person: LinkedPerson, tokens: string[], dateOfBirth: string | undefined): MatchWeights {
    let best: MatchWeights | undefined;
    for (const recorded of this.recordedNames.get(person) ?? []) {
      const weights = matchWeights({ tokens, ...(dateOfBirth === undefined ? {} : { dateOfBirth }) }, recorded, this.frequencies, similarToken);
      if (!best || weights.matchWeight > best.matchWeight) best = weights;
    }
    return best ?? { matchWeight: 0, weights: [] };
  }

  private matchPerson(person: LinkedPerson, tokens: string[], dateOfBirth: string | undefined): NameMatch | null {
    let best: NameMatch | null = null;
    for (const record of person.records) {
      const match = matchCandidate({ tokens, dateOfBirth }, { names: this.names.get(person) ?? [], dateOfBirth: record.dateOfBirth });
      if (match && (!best || match.score > best.score)) best = match;
    }
    return best;
  }
}
