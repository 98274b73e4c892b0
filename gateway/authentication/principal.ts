/**
 * Who is asking: the verified token's claims turned into the principal that policy decisions
 * and the disclosure ledger use. The claims are the edge; this schema is the one parse of them.
 */
import { z } from 'zod';

/** The partnership's parties; `iom` is the partnership's own staff. */
export const AGENCIES = ['police', 'probation', 'prison', 'housing', 'drugs', 'iom'] as const;
export type Agency = (typeof AGENCIES)[number];

/** The roles the information-sharing protocol grants access to; anything else is refused. */
export const ROLES = [
  'police-offender-manager',
  'probation-practitioner',
  'prison-offender-manager',
  'housing-officer',
  'drug-worker',
  'iom-coordinator',
  'ig-officer',
] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  userId: string;
  displayName: string;
  agency: Agency;
  role: Role;
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
    .max(200, `${claim} must be at most 200 characters`);

/** A token-chosen value as an error message shows it: quoted and cut short. */
export function quoted(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The claims the gateway reads; other claims are ignored. */
export const tokenClaimsSchema = z.object({
  sub: claimText('sub (the user id)'),
  name: claimText('name').optional(),
  agency: z.enum(AGENCIES, {
    error: (issue) =>
      issue.input === undefined
        ? `agency is missing; expected one of ${AGENCIES.join(', ')}`
        : `agency ${quoted(issue.input)} is not a known agency; expected one of ${AGENCIES.join(', ')}`,
  }),
  role: z.enum(ROLES, {
    error: (issue) =>
      issue.input === undefined
        ? `role is missing; expected one of ${ROLES.join(', ')}`
        : `role ${quoted(issue.input)} is not a known role; expected one of ${ROLES.join(', ')}`,
  }),
  team: claimText('team').optional(),
  azp: claimText('azp').optional(),
  client_id: claimText('client_id').optional(),
});

/** Claims as an issuer writes them (the local issuer and the token CLI sign these). */
export type TokenClaims = z.input<typeof tokenClaimsSchema>;

export type PrincipalResult = { ok: true; principal: Principal } | { ok: false; reason: string };

/** Turns verified claims into a principal, or says in one sentence what is wrong with them. */
export function principalFromClaims(claims: unknown): PrincipalResult {
  const parsed = tokenClaimsSchema.safeParse(claims);
  if (!parsed.success) {
    return { ok: false, reason: parsed.error.issues.map((issue) => issue.message).join('; ') };
  }
  const { sub, name, agency, role, team, azp, client_id } = parsed.data;
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
