/**
 * The declared purpose: every request names one in `X-Purpose` (and may add a case reference or reason in
 * `X-Justification`), checked against the ISP for the caller's role before anything runs. A break-glass
 * emergency needs a justification and lasts the purpose's `maxMinutes` from its first use.
 */
import type { Plugin } from 'graphql-yoga';
import { type AuthenticatedContext, principalOf } from '../authentication/plugin.js';
import type { EmergencyWindows, WindowDecision } from '../emergency/windows.js';
import type { Declaration } from '../enforcement/index.js';
import { type ErrorCode, gatewayError } from '../errors.js';
import type { CompiledPolicy } from '../policy/index.js';

export interface DeclaredContext extends AuthenticatedContext {
  declaration: Declaration;
}

const MAX_JUSTIFICATION = 500;

function refuse(code: ErrorCode, status: number, message: string, extensions: Record<string, unknown> = {}) {
  return gatewayError(code, message, { ...extensions, http: { status } });
}

function emergencyRefusal(decision: Exclude<WindowDecision, { open: true }>, maxMinutes: number, maxWindowsPerDay: number) {
  return decision.reason === 'ended'
    ? refuse(
        'PURPOSE_NOT_PERMITTED',
        403,
        `This emergency access ended at ${decision.endedAt.toISOString()}, ${maxMinutes} minutes after it began; if the emergency continues, declare it again with a new justification.`,
      )
    : refuse(
        'PURPOSE_NOT_PERMITTED',
        403,
        `You have declared ${decision.windowsToday} emergencies in the last 24 hours, the most the ISP allows (${maxWindowsPerDay}); ask your IG officer or a colleague on the case.`,
      );
}

export function usePurpose(policy: CompiledPolicy, windows: EmergencyWindows, now: () => Date = () => new Date()): Plugin<DeclaredContext> {
  return {
    async onContextBuilding({ context, extendContext }) {
      const principal = principalOf(context);
      const purpose = context.request.headers.get('x-purpose')?.trim() ?? '';
      const justification = context.request.headers.get('x-justification')?.trim() || null;
      const permitted = policy.purposesFor(principal.role).map((p) => p.code);

      if (purpose === '') {
        throw refuse('PURPOSE_REQUIRED', 400, `Declare why you are asking in the X-Purpose header; ${principal.role} may use: ${permitted.join(', ')}.`, {
          permittedPurposes: permitted,
        });
      }
      const declared = policy.purpose(purpose);
      if (!declared || !permitted.includes(purpose)) {
        throw refuse(
          'PURPOSE_NOT_PERMITTED',
          403,
          `${principal.role} may not ask for the purpose "${purpose}"; permitted: ${permitted.join(', ') || 'none'}.`,
          {
            permittedPurposes: permitted,
          },
        );
      }
      if (justification !== null && (justification.length > MAX_JUSTIFICATION || /[\u0000-\u001f]/.test(justification))) {
        throw refuse('BAD_USER_INPUT', 400, `X-Justification must be one line of at most ${MAX_JUSTIFICATION} characters.`);
      }
      if (declared.requiresJustification && justification === null) {
        throw refuse('JUSTIFICATION_REQUIRED', 400, `The purpose "${purpose}" needs a case reference or reason in the X-Justification header.`);
      }

      let emergency = false;
      if (declared.emergency && justification !== null) {
        // A new emergency needs a new justification: one window per user and justification, a few a day.
        let decision: WindowDecision;
        try {
          decision = await windows.declare(principal, justification, declared.emergency, now());
        } catch {
          // The declaration is one transaction on the gateway's database: whatever failed, it is that database.
          throw refuse(
            'LEDGER_UNAVAILABLE',
            503,
            'The gateway cannot record an emergency declaration just now (its database is unavailable), so none is opened; try again shortly.',
          );
        }
        if (!decision.open) throw emergencyRefusal(decision, declared.emergency.maxMinutes, declared.emergency.maxWindowsPerDay);
        emergency = true;
      }
      extendContext({ declaration: { purpose, justification, emergency } });
    },
  };
}
