/**
 * The identity index: every linked person, found by gateway id, by identifier, or by name and date of birth.
 * Holds identifying facts only (names, dates of birth, identifiers, agency keys), never agency records.
 * Every look-up is an indexed query on the identity store (store.ts); nothing per person stays in process memory
 * beyond one request's view, which answers a person asked for twice in that request without asking the database again.
 */
import { z } from 'zod';
import type { IdentifierKind } from '../../schema/identifiers.js';
import { contradicts, type LinkedPerson } from './link.js';
import { matchCandidate, type NameMatch, nameTokens, similarToken } from './match.js';
import { type FieldFrequencies, type MatchWeights, matchWeights, ValueFrequencies } from './match-weights.js';
import { type IdentityStore, initialsOf, nameKeys } from './store.js';

export interface Candidate extends NameMatch, MatchWeights {
  person: LinkedPerson;
}

export interface IdentityIndex {
  /** The person with this gateway id; an id merged into another answers as the survivor. */
  byId(id: string): Promise<LinkedPerson | undefined>;
  /**
   * Every gateway id that names the person `id` names: the id they go by now, then ids merged into it, oldest
   * first. Records written before a merge are under the old id: a subject access request must find them too.
   */
  idsOf(id: string): Promise<string[]>;
  /** Many people by gateway id in one query (a page of the cohort), in the order asked. */
  byIds(ids: readonly string[]): Promise<(LinkedPerson | undefined)[]>;
  byIdentifier(kind: IdentifierKind, canonical: string): Promise<LinkedPerson | undefined>;
  /** The person an agency's own key (PNC ID, CRN, prison number, local reference) belongs to, as that agency holds it. */
  byAgencyKey(agency: string, key: string): Promise<LinkedPerson | undefined>;
  /** The people many of an agency's keys belong to (a page of its events), in one query: key → person, the unknown absent. */
  byAgencyKeys(agency: string, keys: readonly string[]): Promise<Map<string, LinkedPerson>>;
  /**
   * People whose records match the name (and date of birth), best first. With `heldBy`, only that agency's own
   * records are matched and weighed: an agency's officer learns nothing of how another agency records a person.
   */
  search(name: string, dateOfBirth: string | undefined, limit: number, heldBy?: string): Promise<Candidate[]>;
  /**
   * Other people with the same name and date of birth and no contradicting identifier. With `heldBy`, only that
   * agency's records of either side are compared, as `search` does.
   */
  probableMatches(person: LinkedPerson, heldBy?: string): Promise<Candidate[]>;
  /** People linked. */
  size(): Promise<number>;
  /** Whether the index knows whom this agency holds (its identity feed has loaded at least once). */
  knowsHoldingsOf(agency: string): boolean;
  /** The agencies whose holdings the index does not know yet, in registry order. */
  notYetLoaded(): string[];
  /**
   * A page of the people this agency holds, by gateway id after `after`. For walking everyone: the request does not
   * keep them (a person it already holds comes back as that object); `keep` those it goes on to name.
   */
  peopleHeldBy(agency: string, after: string | null, limit: number): Promise<LinkedPerson[]>;
  /** This request's one object for the person, `person` itself if the request held none. */
  keep(person: LinkedPerson): LinkedPerson;
}

const Count = z.array(z.object({ n: z.coerce.number() }));

/** Shared by every request's view: the totals match weights divide by, counted again once the index changes. */
export class IndexTotals {
  private records: Promise<number> | undefined;
  private people: Promise<number> | undefined;

  constructor(private readonly store: IdentityStore) {}

  changed(): void {
    this.records = undefined;
    this.people = undefined;
  }

  recordCount(): Promise<number> {
    // Every record has one date of birth: their counts sum to the records, without reading the records.
    this.records ??= this.count(`SELECT coalesce(sum(n), 0) AS n FROM identity_value_counts WHERE field = 'dob'`);
    return this.records;
  }

  peopleCount(): Promise<number> {
    this.people ??= this.count('SELECT count(DISTINCT gateway_id) AS n FROM identity_records');
    return this.people;
  }

  private async count(sql: string): Promise<number> {
    try {
      const [row] = Count.parse(await this.store.database.query(sql));
      return row?.n ?? 0;
    } catch (error) {
      // A database that failed once is asked again next time, not answered from a remembered failure.
      this.changed();
      throw error;
    }
  }
}

/** The most records a name search weighs one by one; a search that would need more must say more about the person. */
export const SEARCH_POOL_LIMIT = 5_000;

export class SearchTooBroadError extends Error {
  constructor(withDateOfBirth: boolean) {
    super(
      withDateOfBirth
        ? `More than ${SEARCH_POOL_LIMIT} records share that date of birth: search by an identifier instead.`
        : `More than ${SEARCH_POOL_LIMIT} records share those initials: add a date of birth to the search.`,
    );
    this.name = 'SearchTooBroadError';
  }
}

const GatewayIds = z.array(z.object({ gateway_id: z.string() }));
const Counts = z.array(z.object({ field: z.enum(['given', 'family', 'dob']), value: z.string(), n: z.coerce.number() }));

/** One request's view of the index. */
export class StoredIdentityIndex implements IdentityIndex {
  private readonly seen = new Map<string, LinkedPerson | undefined>();

  constructor(
    private readonly store: IdentityStore,
    private readonly totals: IndexTotals,
    private readonly loaded: (agency: string) => boolean,
    private readonly agencies: readonly string[],
  ) {}

  knowsHoldingsOf(agency: string): boolean {
    return this.loaded(agency);
  }

  notYetLoaded(): string[] {
    return this.agencies.filter((agency) => !this.loaded(agency));
  }

  size(): Promise<number> {
    return this.totals.peopleCount();
  }

  async byId(id: string): Promise<LinkedPerson | undefined> {
    return (await this.byIds([id]))[0];
  }

  async idsOf(id: string): Promise<string[]> {
    const rows = GatewayIds.parse(
      await this.store.database.query(
        `WITH now AS (SELECT coalesce(merged_into, gateway_id) AS id FROM identity_people WHERE gateway_id = $1)
           SELECT p.gateway_id FROM identity_people p, now WHERE p.gateway_id = now.id OR p.merged_into = now.id
           ORDER BY p.gateway_id <> now.id, p.seq`,
        [id],
      ),
    );
    return rows.length === 0 ? [id] : rows.map((row) => row.gateway_id);
  }

  async byIds(ids: readonly string[]): Promise<(LinkedPerson | undefined)[]> {
    const unread = [...new Set(ids.filter((id) => !this.seen.has(id)))];
    if (unread.length > 0) {
      const found = await this.store.peopleByIds(unread);
      for (const id of unread) {
        const person = found.get(id);
        this.seen.set(id, person && this.keep(person));
      }
    }
    return ids.map((id) => this.seen.get(id));
  }

  /**
   * People as this request already holds them: one object per person however many ways it was found, so the
   * disclosure record (which groups by person) names each person once.
   */
  private async people(sql: string, params: readonly unknown[], remember = true): Promise<LinkedPerson[]> {
    return (await this.store.people(sql, params)).map((person) => (remember ? this.keep(person) : (this.seen.get(person.id) ?? person)));
  }

  keep(person: LinkedPerson): LinkedPerson {
    const held = this.seen.get(person.id);
    if (held) return held;
    this.seen.set(person.id, person);
    return person;
  }

  async byIdentifier(kind: IdentifierKind, canonical: string): Promise<LinkedPerson | undefined> {
    const found = await this.store.personWith(kind, canonical);
    return found && this.keep(found);
  }

  async byAgencyKey(agency: string, key: string): Promise<LinkedPerson | undefined> {
    return (await this.byAgencyKeys(agency, [key])).get(key);
  }

  async byAgencyKeys(agency: string, keys: readonly string[]): Promise<Map<string, LinkedPerson>> {
    const wanted = new Set(keys);
    const found = new Map<string, LinkedPerson>();
    if (wanted.size === 0) return found;
    const people = await this.people('SELECT gateway_id FROM identity_records WHERE agency = $1 AND key = ANY($2::text[])', [agency, [...wanted]]);
    for (const person of people) {
      for (const record of person.records) if (record.agency === agency && wanted.has(record.key)) found.set(record.key, person);
    }
    return found;
  }

  peopleHeldBy(agency: string, after: string | null, limit: number): Promise<LinkedPerson[]> {
    return this.people(
      'SELECT DISTINCT gateway_id FROM identity_records WHERE agency = $1 AND gateway_id > $2 ORDER BY gateway_id LIMIT $3',
      [agency, after ?? '', limit],
      false,
    ).then((people) => people.sort((a, b) => a.id.localeCompare(b.id)));
  }

  async search(name: string, dateOfBirth: string | undefined, limit: number, heldBy?: string): Promise<Candidate[]> {
    const tokens = nameTokens(name);
    if (tokens.length === 0) return [];
    // A date of birth narrows to those born that day; without one, to names with the same initials, which every
    // spelling variant match.ts accepts keeps. Each candidate is then checked as before.
    const [column, value] = dateOfBirth !== undefined ? ['date_of_birth', dateOfBirth] : ['initials', initialsOf(tokens)];
    const narrowed = `${column} = $1 AND ($2::text IS NULL OR agency = $2)`;
    // Counted before anyone is read: a search too broad to answer is refused without reading thousands of people first.
    const [pooled] = Count.parse(
      await this.store.database.query(`SELECT count(*) AS n FROM (SELECT 1 FROM identity_records WHERE ${narrowed} LIMIT $3) s`, [
        value,
        heldBy ?? null,
        SEARCH_POOL_LIMIT + 1,
      ]),
    );
    if ((pooled?.n ?? 0) > SEARCH_POOL_LIMIT) throw new SearchTooBroadError(dateOfBirth !== undefined);
    const pool = await this.people(`SELECT gateway_id FROM identity_records WHERE ${narrowed}`, [value, heldBy ?? null]);
    const found: { person: LinkedPerson; seen: LinkedPerson; match: NameMatch }[] = [];
    for (const person of pool) {
      const seen = heldBy === undefined ? person : { ...person, records: person.records.filter((record) => record.agency === heldBy) };
      const match = matchPerson(seen, tokens, dateOfBirth);
      if (match) found.push({ person, seen, match });
    }
    const frequencies = await this.frequencies(found.map((f) => f.seen));
    return found
      .map(({ person, seen, match }) => ({ person, ...match, ...weigh(seen, tokens, dateOfBirth, frequencies) }))
      .sort((a, b) => b.score - a.score || a.person.id.localeCompare(b.person.id))
      .slice(0, limit);
  }

  async probableMatches(person: LinkedPerson, heldBy?: string): Promise<Candidate[]> {
    const seen = (someone: LinkedPerson): LinkedPerson =>
      heldBy === undefined ? someone : { ...someone, records: someone.records.filter((record) => record.agency === heldBy) };
    const subject = seen(person);
    const dates = [...new Set(subject.records.map((r) => r.dateOfBirth))];
    const pool = await this.people(
      'SELECT gateway_id FROM identity_records WHERE date_of_birth = ANY($1::text[]) AND gateway_id <> $2 AND ($3::text IS NULL OR agency = $3)',
      [dates, person.id, heldBy ?? null],
    );
    const found: { person: LinkedPerson; other: LinkedPerson; match: NameMatch; tokens: string[]; dateOfBirth: string }[] = [];
    for (const record of subject.records) {
      for (const candidate of pool) {
        if (found.some((c) => c.person.id === candidate.id) || contradicts(person, candidate)) continue;
        const other = seen(candidate);
        const tokens = nameTokens(`${record.givenName} ${record.familyName}`);
        const match = matchPerson(other, tokens, record.dateOfBirth);
        if (match?.confidence === 'PROBABLE') found.push({ person: candidate, other, match, tokens, dateOfBirth: record.dateOfBirth });
      }
    }
    const frequencies = await this.frequencies(found.map((f) => f.other));
    return found.map(({ person: candidate, other, match, tokens, dateOfBirth }) => ({
      person: candidate,
      ...match,
      ...weigh(other, tokens, dateOfBirth, frequencies),
    }));
  }

  /** How often the candidates' names and dates of birth occur among all records: kept counts (migration 004), one query. */
  private async frequencies(people: readonly LinkedPerson[]): Promise<FieldFrequencies> {
    const records = people.flatMap((p) => p.records);
    const keys = records.map((r) => nameKeys(r.givenName, r.familyName));
    const [rows, total] = await Promise.all([
      records.length === 0
        ? Promise.resolve([])
        : this.store.database.query(
            `SELECT field, value, n FROM identity_value_counts
              WHERE (field = 'given' AND value = ANY($1::text[])) OR (field = 'family' AND value = ANY($2::text[])) OR (field = 'dob' AND value = ANY($3::text[]))`,
            [[...new Set(keys.map((k) => k.given))], [...new Set(keys.map((k) => k.family))], [...new Set(records.map((r) => r.dateOfBirth))]],
          ),
      this.totals.recordCount(),
    ]);
    const counts = { given: new Map<string, number>(), family: new Map<string, number>(), dob: new Map<string, number>() };
    for (const row of Counts.parse(rows)) counts[row.field].set(row.value, row.n);
    return {
      givenName: new ValueFrequencies(counts.given, total),
      familyName: new ValueFrequencies(counts.family, total),
      dateOfBirth: new ValueFrequencies(counts.dob, total),
    };
  }
}

/** The weights of the person's record that agrees best with what was asked. */
function weigh(person: LinkedPerson, tokens: string[], dateOfBirth: string | undefined, frequencies: FieldFrequencies): MatchWeights {
  let best: MatchWeights | undefined;
  for (const record of person.records) {
    const recorded = { name: { given: nameTokens(record.givenName), family: nameTokens(record.familyName) }, dateOfBirth: record.dateOfBirth };
    const weights = matchWeights({ tokens, ...(dateOfBirth === undefined ? {} : { dateOfBirth }) }, recorded, frequencies, similarToken);
    if (!best || weights.matchWeight > best.matchWeight) best = weights;
  }
  return best ?? { matchWeight: 0, weights: [] };
}

function matchPerson(person: LinkedPerson, tokens: string[], dateOfBirth: string | undefined): NameMatch | null {
  const names = person.records.map((r) => nameTokens(`${r.givenName} ${r.familyName}`));
  let best: NameMatch | null = null;
  for (const record of person.records) {
    const match = matchCandidate({ tokens, dateOfBirth }, { names, dateOfBirth: record.dateOfBirth });
    if (match && (!best || match.score > best.score)) best = match;
  }
  return best;
}
