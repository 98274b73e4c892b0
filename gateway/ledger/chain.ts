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
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonical JSON cannot hold ${value}`);
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      // Built by concatenation, not arrays of entries: a cohort page's record holds thousands of small objects.
      if (Array.isArray(value)) {
        let text = '[';
        for (let i = 0; i < value.length; i++) text += (i === 0 ? '' : ',') + canonicalJson(value[i]);
        return `${text}]`;
      }
      // sort() without a comparator orders strings by UTF-16 code unit.
      const keys = Object.keys(value).sort();
      let text = '{';
      for (const key of keys) {
        const property: unknown = (value as Record<string, unknown>)[key];
        if (property === undefined) continue;
        text += `${text.length === 1 ? '' : ','}${JSON.stringify(key)}:${canonicalJson(property)}`;
      }
      return `${text}}`;
    }
  }
  throw new TypeError(`canonical JSON cannot hold a ${typeof value}`);
}

export function chainHash(sequence: number, prevHash: string, canonical: string): string {
  // One-shot hashing: verify computes a million of these, and a Hash object per record costs a third more.
  return hash('sha256', `${sequence}\n${prevHash}\n${canonical}`, 'hex');
}
