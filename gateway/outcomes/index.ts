/**
 * `Query.cohortOutcomes`: is the scheme reducing reoffending? Aggregate figures per strand and quarter from the
 * cohort register and the police record, for the declared purpose performance-monitoring only. The police
 * records of the members are read through the request's batch loader (one batch for the whole cohort) and
 * never leave the gateway; the response carries suppressed aggregates only, and the ledger records it as an
 * aggregate disclosure about no one in particular.
 */
import type { GraphQLResolveInfo } from 'graphql';
import { z } from 'zod';
import type { CohortRegister } from '../cohort/register.js';
import type { Access, SectionLoaders } from '../enforcement/index.js';
import { type DisclosureSet, responsePath } from '../enforcement/index.js';
import { gatewayError } from '../errors.js';
import type { IdentityIndex } from '../identity/index-of-people.js';
import { partnershipDate } from '../partnership-date.js';
import type { SchemaExtension } from '../schema.js';
import { type MembershipPeriod, membershipPeriods, type Offending, outcomeFigures, overlaps, SUPPRESSION_THRESHOLD } from './figures.js';
import { quarterOf, quartersBetween } from './quarters.js';

/** The one purpose the report answers to; the ISP says which roles may declare it. */
export const PERFORMANCE_MONITORING = 'performance-monitoring';

const MAX_QUARTERS = 40;

interface OutcomesContext {
  access: Access;
  index: IdentityIndex;
  sections: SectionLoaders;
  disclosures: DisclosureSet;
}

const PoliceOffending = z
  .object({
    arrests: z.array(z.object({ arrestedOn: z.iso.date() })),
    charges: z.array(z.object({ chargedOn: z.iso.date() })),
  })
  .nullable();

/** Each member's arrest and charge dates, one police batch for all of them; a person the police do not know has none. */
async function offendingOf(gatewayIds: readonly string[], context: OutcomesContext): Promise<Map<string, Offending>> {
  const police = context.sections.get('police');
  const found = await Promise.all(
    gatewayIds.map(async (gatewayId) => {
      const key = (await context.index.byId(gatewayId))?.keys.get('police')?.[0];
      // A failing police service rejects with its AGENCY_UNAVAILABLE error: figures without it would be wrong, not partial.
      const record = PoliceOffending.parse(key === undefined || !police ? null : await police.load(key));
      const offending: Offending = {
        arrests: record?.arrests.map((arrest) => arrest.arrestedOn) ?? [],
        charges: record?.charges.map((charge) => charge.chargedOn) ?? [],
      };
      return [gatewayId, offending] as const;
    }),
  );
  return new Map(found);
}

export function outcomesExtension(options: { register: CohortRegister }): SchemaExtension {
  const { register } = options;
  return {
    resolvers: {
      Query: {
        cohortOutcomes: async (_root: unknown, args: { from: string; to: string }, context: OutcomesContext, info: GraphQLResolveInfo) => {
          const { access } = context;
          if (access.declaration.purpose !== PERFORMANCE_MONITORING) {
            throw gatewayError(
              'FORBIDDEN',
              `The outcomes report is for the purpose ${PERFORMANCE_MONITORING}; declare it in X-Purpose (if the ISP lets your role).`,
            );
          }
          const asOf = partnershipDate(access.now);
          if (args.from > args.to) throw gatewayError('BAD_USER_INPUT', `from (${args.from}) is after to (${args.to}).`);
          if (args.from > asOf)
            throw gatewayError('BAD_USER_INPUT', `from (${args.from}) is in the future; the report counts what has happened, up to ${asOf}.`);
          const quarters = quartersBetween(args.from, args.to < asOf ? args.to : asOf);
          if (quarters.length > MAX_QUARTERS)
            throw gatewayError('BAD_USER_INPUT', `The report covers at most ${MAX_QUARTERS} quarters; this asks for ${quarters.length}.`);
          const first = quarters[0] ?? quarterOf(args.from);
          const last = quarters.at(-1) ?? first;

          const periods: MembershipPeriod[] = membershipPeriods(await register.everyMembership()).filter((period) => overlaps(period, first.start, last.end));
          const offending = await offendingOf([...new Set(periods.map((period) => period.gatewayId))], context);
          const figures = outcomeFigures({ periods, offending, quarters, asOf });

          context.disclosures.aggregate(responsePath(info.path));
          return {
            from: first.start,
            to: last.end,
            asOf,
            suppressionThreshold: SUPPRESSION_THRESHOLD,
            quarters: figures.map((quarter) => ({ ...quarter, strands: quarter.strands.map((s) => ({ ...s, strand: s.strand.toUpperCase() })) })),
          };
        },
      },
    },
  };
}
