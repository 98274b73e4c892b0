/**
 * The hash chain. Each row's hash covers its sequence, its predecessor's hash and the canonical
 * JSON of its record, so changing, removing, inserting or reordering any row breaks a link.
 */
import { hash } from 'node:crypto';

/** The predecessor of record 1. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Canonical JSON: object keys sorted by code unit, no whitespace, undefined properties left out
 * (as RFC 8785 does for the values a record can hold). One value, one text, one hash.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonical JSON cannot hold ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((element) => canonicalJson(element)).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, property]) => property !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, property]) => `${JSON.stringify(key)}:${canonicalJson(property)}`).join(',')}}`;
  }
  throw new TypeError(`canonical JSON cannot hold a ${typeof value}`);
}

export function chainHash(sequence: number, prevHash: string, canonical: string): string {
  // One-shot hashing: verify computes a million of these, and a Hash object per record costs a third more.
  return hash('sha256', `${sequence}\n${prevHash}\n${canonical}`, 'hex');
}
