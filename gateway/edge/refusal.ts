/**
 * The one error shape outside GraphQL execution too: a refusal at the HTTP edge is a GraphQL-style error body
 * with a stable `extensions.code` and a sentence a person can act on, whatever route refused it.
 */
import type { Response } from 'express';
import type { ErrorCode } from '../errors.js';

export function refuseHttp(
  res: Response,
  status: number,
  code: ErrorCode,
  message: string,
  options: { headers?: Record<string, string>; extensions?: Record<string, unknown> } = {},
): void {
  for (const [name, value] of Object.entries(options.headers ?? {})) res.setHeader(name, value);
  res.status(status).json({ errors: [{ message, extensions: { code, ...options.extensions } }] });
}
