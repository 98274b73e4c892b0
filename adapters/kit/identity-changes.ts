/**
 * The identity change feed every agency serves the same way (`GET /identity-changes`): each record the agency holds
 * once from the start, then every change after it, so the gateway keeps its identity index current from a durable
 * cursor instead of re-reading whole feeds. Here: its part of the OpenAPI contract, the zod schemas the adapters
 * parse it with, the reader they share, and the simulator's route over the population in index order.
 */

import type express from 'express';
import type { Router } from 'express';
import { z } from 'zod';
import type { PopulationSlice } from '../population/slice.js';
import type { Population } from '../population/types.js';
import { type IdentityChangePage as ChangePage, IdentityFeedRestartedError } from './contract.js';
import { AgencyUnavailableError } from './errors.js';
import { CONTRACT_LIMITS, IdentityItem, identityItemOf, identityRecordOf } from './identity-feed.js';
import type { Upstream } from './upstream.js';

export const IDENTITY_CHANGES_PATH = '/identity-changes';

/** One change: the record as the agency now holds it, or null where it no longer holds it. */
export const IdentityChange = z.object({ reference: z.string().min(1).max(128), identity: IdentityItem.nullable() });
export const IdentityChangePage = z.object({
  items: z.array(IdentityChange).max(CONTRACT_LIMITS.identityPage),
  cursor: z.string().min(1).max(256),
  more: z.boolean(),
});

/**
 * A feed page's deadline. Pages are read in the background, up to 500 records each, by no caller waiting: a
 * request's agency timeout (a second or two) would fail a busy agency's feed, and with it the index's word on
 * whom that agency holds, for a slowness nobody sees.
 */
export const FEED_PAGE_TIMEOUT_MS = 15_000;

/** The change feed as an adapter reads it: one page after `after`, as partnership identity records. */
export function readIdentityChanges(agency: string, upstream: Upstream): (after: string | null) => Promise<ChangePage> {
  return async (after) => {
    let page: z.infer<typeof IdentityChangePage>;
    try {
      page = await upstream.get(IDENTITY_CHANGES_PATH, { after: after ?? undefined, limit: CONTRACT_LIMITS.identityPage }, IdentityChangePage, {
        timeoutMs: FEED_PAGE_TIMEOUT_MS,
        background: true,
      });
    } catch (error) {
      if (error instanceof AgencyUnavailableError && error.status === 410) throw new IdentityFeedRestartedError(agency);
      throw error;
    }
    const changes = page.items.map(({ reference, identity }) => {
      if (identity !== null && identity.reference !== reference) {
        throw new AgencyUnavailableError(agency, 'malformed-payload', `the identity change for ${reference} carries the record of ${identity.reference}`);
      }
      return { key: reference, record: identity === null ? null : identityRecordOf(agency, identity) };
    });
    return { changes, cursor: page.cursor, more: page.more };
  };
}

/** What a simulator's change feed is read from: the population, one position per person, in index order. */
export interface IdentityChangeSource {
  /** Names the population the positions belong to: a cursor from another population is not served. */
  generation: string;
  /** Positions 1 to `size` are the population's people. */
  size: number;
  /** The identity item the agency holds for the person at `position`, or null where it holds none. */
  itemAt(position: number): IdentityItem | null;
}

export function populationIdentities<Facts>(agency: string, slice: PopulationSlice<Facts>, population: Population): IdentityChangeSource {
  // Made one person at a time (population/generate.ts), so the feed costs no memory however large the population.
  return {
    generation: `${population.seed}-${population.referenceDate.replaceAll('-', '')}-${population.size}`,
    size: population.size,
    itemAt(position) {
      if (position < 1 || position > population.size) return null;
      const person = population.person(position - 1);
      const facts = slice.factsFor(person, population);
      return facts !== null ? identityItemOf(agency, slice, person, facts) : null;
    },
  };
}

const ChangeQuery = z.object({
  after: z
    .string()
    .regex(/^[0-9a-z-]{1,64}\.[0-9a-z]{1,16}\.\d{1,12}$/)
    .optional(),
  limit: z.coerce.number().int().min(1).max(CONTRACT_LIMITS.identityPage).default(100),
});

const Amendment = z.object({ reference: z.string().min(1).max(64), identity: IdentityItem.nullable() }).strict();

/** Amendments a simulator keeps: enough for any test or demonstration, bounded so a loop cannot fill its memory. */
const MOST_AMENDMENTS = 100_000;

/** A page scans at most this many positions per item asked for, so an agency holding few people still answers quickly. */
const SCAN_PER_ITEM = 20;

/**
 * The simulator's change feed: the population from position 1, then amendments (`POST /__admin/identity-changes`,
 * `{ "reference", "identity": {...} | null }`) appended after it. Amendments live as long as the process: a cursor
 * past the population from an earlier run is answered 410, and the reader starts again.
 */
export function identityChangeRoutes(source: IdentityChangeSource): { admin(app: express.Express): void; feed(router: Router): void } {
  const run = Date.now().toString(36);
  const amendments: z.infer<typeof IdentityChange>[] = [];
  const end = () => source.size + amendments.length;
  const changeAt = (position: number) => {
    if (position > source.size) return amendments[position - source.size - 1] ?? null;
    const item = source.itemAt(position);
    return item === null ? null : { reference: item.reference, identity: item };
  };
  return {
    admin(app) {
      app.post(`/__admin${IDENTITY_CHANGES_PATH}`, (req, res) => {
        const amendment = Amendment.safeParse(req.body);
        if (amendments.length >= MOST_AMENDMENTS) {
          res.status(409).json({ error: `this simulator keeps at most ${MOST_AMENDMENTS} amendments: restart it to begin again` });
          return;
        }
        if (!amendment.success || (amendment.data.identity !== null && amendment.data.identity.reference !== amendment.data.reference)) {
          res.status(400).json({ error: 'the body is {"reference": key, "identity": an Identity with that reference, or null for a record no longer held}' });
          return;
        }
        amendments.push(amendment.data);
        res.status(201).json({ position: end() });
      });
    },
    feed(router) {
      router.get(IDENTITY_CHANGES_PATH, (req, res) => {
        const query = ChangeQuery.safeParse(req.query);
        if (!query.success) {
          res.status(400).json({ error: 'bad identity change query: after is a cursor this feed issued, limit 1 to 500' });
          return;
        }
        const { after, limit } = query.data;
        let position = 0;
        if (after !== undefined) {
          const [generation, issuedBy, at] = after.split('.') as [string, string, string];
          position = Number(at);
          if (generation !== source.generation || (position > source.size && issuedBy !== run) || position > end()) {
            res.status(410).json({ error: 'this cursor is not served any more: read the feed again from the start' });
            return;
          }
        }
        const items: z.infer<typeof IdentityChange>[] = [];
        const last = Math.min(end(), position + limit * SCAN_PER_ITEM);
        while (position < last && items.length < limit) {
          position += 1;
          const change = changeAt(position);
          if (change) items.push(change);
        }
        res.json({ items, cursor: `${source.generation}.${run}.${position}`, more: position < end() });
      });
    },
  };
}

/** The change feed's route, under `paths:` of openapi.yaml. */
export const IDENTITY_CHANGES_PATH_YAML = `  ${IDENTITY_CHANGES_PATH}:
    get:
      operationId: listIdentityChanges
      summary: Every record the system holds, once, then each change to a record's identifying details, in order.
      description: >-
        Read from the start (no cursor) to learn everyone the system holds; keep the cursor of the last page and read
        after it to learn only what changed since. A later entry for a reference replaces an earlier one.
      parameters:
        - name: after
          in: query
          required: false
          description: The cursor of the last page read; omit to read from the start.
          schema:
            type: string
        - name: limit
          in: query
          required: false
          schema:
            type: integer
            minimum: 1
            maximum: ${CONTRACT_LIMITS.identityPage}
            default: 100
      responses:
        '200':
          description: One page of changes.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/IdentityChangePage'
        '400':
          description: The cursor or limit is not valid.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Problem'
        '410':
          description: The cursor is no longer served (the feed was rebuilt); read again from the start.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Problem'
`;

/** The change feed's schemas, under `components: schemas:` of openapi.yaml. */
export const IDENTITY_CHANGES_SCHEMAS_YAML = `    IdentityChangePage:
      type: object
      required: [items, cursor, more]
      properties:
        items:
          type: array
          items:
            $ref: '#/components/schemas/IdentityChange'
        cursor:
          type: string
          description: Where this page ends; pass as after to read on.
        more:
          type: boolean
          description: True when more changes follow now; false at the end of the feed.
    IdentityChange:
      type: object
      required: [reference, identity]
      properties:
        reference:
          type: string
          minLength: 1
          description: The system's own key for the record that changed.
        identity:
          type: object
          nullable: true
          description: The record's identifying details as they now stand; null when the system no longer holds the record.
          required: [reference, givenName, familyName, dateOfBirth, pnc, cro, nomsNumber, crn]
          properties:
            reference:
              type: string
              minLength: 1
            givenName:
              type: string
            familyName:
              type: string
            dateOfBirth:
              type: string
              format: date
            pnc:
              type: string
              nullable: true
            cro:
              type: string
              nullable: true
            nomsNumber:
              type: string
              nullable: true
            crn:
              type: string
              nullable: true
`;
