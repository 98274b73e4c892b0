/**
 * What one request decided about each person: values allowed at which response paths, values withheld
 * and why, and the people it consulted. Only what the final result actually carries counts as disclosed.
 */
import type { LinkedPerson } from './identity/link.js';

export interface Allowed {
  path: string;
  subject: LinkedPerson;
  dataItem: string;
  clauseId: string;
}

export interface Withholding {
  path: string;
  subject: LinkedPerson;
  dataItem: string;
  reason: string;
  clauseId?: string;
}

export interface Lookup {
  /** The root field asked, e.g. person. */
  field: string;
  /** The argument given (id, pnc, cro, nomsNumber or crn) and its value as given. */
  argument: string;
  value: string;
}

export class DisclosureSet {
  private readonly allowed = new Map<string, Allowed>();
  readonly withheld: Withholding[] = [];
  /** People the request looked at: found, matched or searched, whether or not anything was disclosed. */
  readonly consulted = new Set<LinkedPerson>();
  /** Look-ups of one person by identifier that found no one the caller may see (unknown or out of scope alike). */
  readonly lookups: Lookup[] = [];
  /** Set when an IG officer read the ledger: the request is recorded as kind `audit`, about these people. */
  audited: Set<string> | null = null;
  /** Response paths of aggregate reports (figures about no one in particular): recorded as kind `aggregate`. */
  private readonly aggregates: string[] = [];

  allow(entry: Allowed): void {
    // One path can carry several items (a candidate's rule rests on OGRS and RoSH): keep each.
    this.allowed.set(`${entry.path}|${entry.dataItem}`, entry);
    this.consulted.add(entry.subject);
  }

  withhold(entry: Withholding): void {
    this.withheld.push(entry);
    this.consulted.add(entry.subject);
  }

  consult(person: LinkedPerson): void {
    this.consulted.add(person);
  }

  /** A look-up that found no one: recorded (kind `lookup`) so that fishing for people shows in the ledger. */
  lookUp(lookup: Lookup): void {
    this.lookups.push(lookup);
  }

  /** An audit query: recorded as kind `audit`, so IG officers' own reading of the ledger is on the ledger. */
  audit(subjectIds: readonly string[]): void {
    this.audited ??= new Set();
    for (const id of subjectIds) this.audited.add(id);
  }

  /** An aggregate report at `path`: disclosed if the final result carries it, though it names no one. */
  aggregate(path: string): void {
    this.aggregates.push(path);
  }

  /** The aggregate reports the final result carries. */
  aggregatesIn(data: unknown): string[] {
    return this.aggregates.filter((path) => valueAt(data, path) !== undefined);
  }

  /**
   * The allowed values present in the final result: a value nulled later (a failing sibling, a withheld
   * non-null child) or never returned is not a disclosure. An empty list is: it says "none".
   */
  disclosedIn(data: unknown): Allowed[] {
    return [...this.allowed.values()].filter((entry) => valueAt(data, entry.path) !== undefined);
  }
}

function valueAt(data: unknown, path: string): unknown {
  let node: unknown = data;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node === null ? undefined : node;
}

export function responsePath(path: { prev: unknown; key: string | number } | undefined): string {
  const keys: (string | number)[] = [];
  for (let at = path; at; at = at.prev as typeof path) keys.push(at.key);
  return keys.reverse().join('.');
}
