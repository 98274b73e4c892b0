/**
 * Text that came from a caller, bounded: at most so many characters, no control characters (NUL included) and
 * no lone UTF-16 surrogates, which PostgreSQL, JSON consumers and log readers each mishandle differently. And
 * caller text as a message may echo it: quoted, and cut short.
 */
import { z } from 'zod';

/** The longest run of caller input an error message repeats. */
export const ECHO_LIMIT = 100;

// C0 controls (NUL included), DEL and C1 controls; tabs and newlines are allowed only where `multiline`.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const CONTROL_OR_NEWLINE = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** What is wrong with a piece of caller text, or null when nothing is. */
export function textFault(value: string, max: number, multiline = false): string | null {
  if (value.length > max) return `is ${value.length} characters long; at most ${max} are accepted`;
  if ((multiline ? CONTROL : CONTROL_OR_NEWLINE).test(value)) return 'contains a control character (such as NUL)';
  if (LONE_SURROGATE.test(value)) return 'contains an unpaired UTF-16 surrogate, which is not text';
  return null;
}

/** A zod string bounded as above; `what` names it in the message. */
export function boundedText(what: string, max: number, options: { multiline?: boolean } = {}) {
  return z.string({ error: `${what} must be text` }).superRefine((value, ctx) => {
    const fault = textFault(value, max, options.multiline);
    if (fault !== null) ctx.addIssue({ code: 'custom', message: `${what} ${fault}` });
  });
}

/** A caller's value as a message shows it: JSON-quoted, at most ECHO_LIMIT characters of it. */
export function echo(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  const cut = text.length > ECHO_LIMIT ? `${text.slice(0, ECHO_LIMIT - 3)}...` : text;
  return JSON.stringify(cut);
}
