/**
 * Who is asking: the verified token's claims turned into the principal that policy decisions
 * and the disclosure ledger use. The claims are the edge; this schema is the one parse of them.
 */
import { z } from 'zod';
import { textFault } from '../bounded-text.js';

/**
 * The roles a token may claim and the agency each belongs to, as the ISP's `roles` section says; a token whose
 * claims the ISP contradicts (a housing officer claiming to be the IOM coordinator) names no principal.
 */
export interface RoleCatalogue {
  readonly roles: readonly { readonly name: string; readonly agency: string }[];
}

export interface Principal {
  userId: string;
  displayName: string;
  /** An agency the ISP names as a party, and the one the role belongs to. */
  agency: string;
  /** A role of the ISP. */
  role: string;
  team?: string;
  /** The partner application that obtained the token (OAuth `azp` or `client_id`). */
  clientApplication: string;
}

// Claim values end up in the ledger and in error messages, so they are bounded.
const claimText = (claim: string) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? `${claim} is missing` : `${claim} must be a string`) })
    .trim()
    .min(1, `${claim} must not be empty`)
    .superRefine((value, ctx) => {
      const fault = textFault(value, 200);
      if (fault !== null) ctx.addIssue({ code: 'custom', message: `${claim} ${fault}` });
    });

/** A token-chosen value as an error message shows it: quoted and cut short. */
export function quoted(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The claims the gateway reads; other claims are ignored. */
export const tokenClaimsSchema = z.object({
  sub: claimText('sub (the user id)'),
  name: claimText('name').optional(),
  agency: claimText('agency'),
  role: claimText('role'),
  team: claimText('team').optional(),
  azp: claimText('azp').optional(),
  client_id: claimText('client_id').optional(),
});

/** Claims as an issuer writes them (the local issuer and the token CLI sign these). */
export type TokenClaims = z.input<typeof tokenClaimsSchema>;

export type PrincipalResult = { ok: true; principal: Principal } | { ok: false; reason: string };

/** Turns verified claims into a principal, or says in one sentence what is wrong with them. */
export function principalFromClaims(claims: unknown, catalogue: RoleCatalogue): PrincipalResult {
  const parsed = tokenClaimsSchema.safeParse(claims);
  if (!parsed.success) {
    return { ok: false, reason: parsed.error.issues.map((issue) => issue.message).join('; ') };
  }
  const { sub, name, agency, role, team, azp, client_id } = parsed.data;
  const claimed = catalogue.roles.find((candidate) => candidate.name === role);
  if (claimed === undefined) {
    return { ok: false, reason: `role ${quoted(role)} is not a role of the ISP; expected one of ${catalogue.roles.map((r) => r.name).join(', ')}` };
  }
  if (claimed.agency !== agency) {
    return { ok: false, reason: `agency ${quoted(agency)} does not hold the role ${role}: the ISP gives that role to ${claimed.agency} only` };
  }
  // The ledger records which application received each disclosure, so a token must name one.
  const clientApplication = azp ?? client_id;
  if (clientApplication === undefined) {
    return { ok: false, reason: 'the token names no client application (azp or client_id claim)' };
  }
  return {
    ok: true,
    principal: {
      userId: sub,
      displayName: name ?? sub,
      agency,
      role,
      ...(team === undefined ? {} : { team }),
      clientApplication,
    },
  };
}
