/**
 * "What may I see about this person, and why?": every data item with the ISP's decision for the caller's
 * role and declared purpose, the clause and lawful basis, and never a value.
 */

import type { DisclosureSet } from './enforcement/index.js';
import { type Access, assertMayLookUpPeople } from './enforcement/index.js';
import type { IdentityIndex } from './identity/index-of-people.js';
import type { LawfulBasis } from './policy/index.js';
import { type findPerson, lookUpPerson, type SchemaExtension } from './schema.js';

interface ExplainContext {
  index: IdentityIndex;
  access: Access;
  disclosures: DisclosureSet;
}

const basisText = (basis: Readonly<LawfulBasis>) =>
  [`${basis.statute} ${basis.section}`, basis.ukGdprArticle6, basis.article9Condition, basis.dpa2018Part3].filter(Boolean).join('; ');

export function explainExtension(descriptions: ReadonlyMap<string, string>): SchemaExtension {
  return {
    resolvers: {
      Query: {
        accessExplanation: async (_root: unknown, args: Parameters<typeof findPerson>[1], context: ExplainContext) => {
          const { access } = context;
          assertMayLookUpPeople(access);
          const person = await lookUpPerson(context, 'accessExplanation', args);
          if (!person) return null;
          context.disclosures.consult(person);
          const explanation = access.policy.explain(
            access.principal.role,
            access.declaration.purpose,
            await access.factsOf(person),
            access.now,
            access.declaration.emergency,
          );
          return {
            ispId: explanation.ispId,
            ispVersion: explanation.ispVersion,
            role: explanation.role,
            purpose: explanation.purpose,
            personId: person.id,
            items: await Promise.all(
              explanation.items.map(async (item) => {
                // A refusal that turns on a fact an agency could not give says so (agency-unavailable:<agency>).
                const refusal = item.allowed ? null : await access.decide(person, item.dataItem);
                return {
                  dataItem: item.dataItem,
                  description: descriptions.get(item.dataItem) ?? item.dataItem,
                  allowed: item.allowed,
                  clause: item.clauseId ?? null,
                  reason: refusal && !refusal.allowed ? refusal.reason : null,
                  lawfulBasis: item.allowed ? basisText(item.lawfulBasis) : null,
                };
              }),
            ),
          };
        },
      },
    },
  };
}
