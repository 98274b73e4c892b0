/**
 * What one request decided about each person: values allowed at which response paths, values withheld
 * and why, and the people it consulted. Only what the final result actually carries counts as disclosed.
 */
import type { LinkedPerson } from '../identity/link.js';
import type { RecordedIdentifiers } from './record-envelope.js';

export interface Allowed {
  path: string;
  /** The path's keys, where the executor gave them: the result is checked along them without splitting `path`. */
  keys?: readonly (string | number)[];
  subject: LinkedPerson;
  dataItem: string;
  clauseId: string;
  /** The agency section the value is a field of. */
  section?: Shown;
}

/** What a value says about someone, under which clause: placed in the result at its own response path. */
export type Disclosing = Omit<Allowed, 'path' | 'keys' | 'section'>;

interface Marks {
  /** Disclosed wherever the value itself appears in the result. */
  whole: Disclosing[];
  /** Disclosed only where one field of the value is asked for (a page's end cursor names its last member). */
  fields: Map<string, Disclosing[]>;
}

/**
 * An agency section shown for a person: it says the agency holds them, whatever is asked of it. Disclosed as
 * `<agency>.*` where the result carries the section and no value of a field of it (a withheld field asked alone,
 * `__typename`); a field's value, where carried, says as much.
 */
export interface Shown {
  keys: readonly (string | number)[];
  subject: LinkedPerson;
  agency: string;
  /** The clause that let the section be shown: one sharing an item of it. */
  clauseId: string;
  /** Set while reading the result: a value of a field of the section is carried. */
  carried?: boolean;
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
  /**
   * Set when an IG officer read the ledger: the request is recorded as kind `audit`, about these people (by gateway
   * id), with the identifiers the ledger itself named them by.
   */
  audited: Map<string, RecordedIdentifiers> | null = null;
  /** Response paths of aggregate reports (figures about no one in particular): recorded as kind `aggregate`. */
  private readonly aggregates: string[] = [];
  private readonly sections: Shown[] = [];
  /** Values a resolver made that disclose something wherever the result places them (connection edges, events). */
  private readonly marks = new WeakMap<object, Marks>();

  allow(entry: Allowed): void {
    // One path can carry several items (a candidate's rule rests on OGRS and RoSH): keep each.
    this.allowed.set(`${entry.path}|${entry.dataItem}`, entry);
    this.consulted.add(entry.subject);
  }

  /** An agency section shown: disclosed in itself if the result carries it with nothing of it (see `Shown`). */
  show(section: Shown): void {
    this.sections.push(section);
    this.consulted.add(section.subject);
  }

  withhold(entry: Withholding): void {
    this.withheld.push(entry);
    this.consulted.add(entry.subject);
  }

  /**
   * `value` discloses these wherever the result carries it, or, with `field`, wherever that field of it is
   * asked for. The path is the one the value is resolved at (aliases included), noted by `placeValue` and
   * `placeField`, so a resolver never writes a response path itself.
   */
  mark(value: object, disclosing: readonly Disclosing[], field?: string): void {
    let marks = this.marks.get(value);
    if (!marks) {
      marks = { whole: [], fields: new Map() };
      this.marks.set(value, marks);
    }
    if (field === undefined) marks.whole.push(...disclosing);
    else marks.fields.set(field, [...(marks.fields.get(field) ?? []), ...disclosing]);
    for (const { subject } of disclosing) this.consulted.add(subject);
  }

  /** A field of `source` resolved at `at` (the executor's path): notes what that field of a marked value discloses there. */
  placeField(source: unknown, field: string, at: ExecutionPath): void {
    const marked = typeof source === 'object' && source !== null ? this.marks.get(source)?.fields.get(field) : undefined;
    if (marked) this.allowAt(marked, responsePath(at));
  }

  /** A value resolved at `at` (a list's items at `at.i`): notes what marked values disclose there. */
  placeValue(value: unknown, at: ExecutionPath): void {
    if (!Array.isArray(value)) {
      const marked = this.markedWhole(value);
      if (marked) this.allowAt(marked, responsePath(at));
      return;
    }
    // The path is worked out only if some item is marked: most lists carry none.
    let base: string | undefined;
    for (let i = 0; i < value.length; i++) {
      const marked = this.markedWhole(value[i]);
      if (!marked) continue;
      base ??= responsePath(at);
      this.allowAt(marked, `${base}.${i}`);
    }
  }

  private markedWhole(value: unknown): Disclosing[] | undefined {
    const marked = typeof value === 'object' && value !== null ? this.marks.get(value)?.whole : undefined;
    return marked && marked.length > 0 ? marked : undefined;
  }

  private allowAt(marked: readonly Disclosing[], path: string): void {
    // Named field by field: an entry's own `keys`, were it to carry any, would belong to another path.
    for (const { subject, dataItem, clauseId } of marked) this.allow({ path, subject, dataItem, clauseId });
  }

  consult(person: LinkedPerson): void {
    this.consulted.add(person);
  }

  /** A look-up that found no one: recorded (kind `lookup`) so that fishing for people shows in the ledger. */
  lookUp(lookup: Lookup): void {
    this.lookups.push(lookup);
  }

  /** An audit query: recorded as kind `audit`, so IG officers' own reading of the ledger is on the ledger. */
  audit(people: Iterable<{ gatewayId: string; identifiers?: RecordedIdentifiers }>): void {
    this.audited ??= new Map();
    for (const { gatewayId, identifiers } of people) this.audited.set(gatewayId, { ...identifiers, ...this.audited.get(gatewayId) });
  }

  /** An aggregate report at `path`: disclosed if the final result carries it, though it names no one. */
  aggregate(path: string): void {
    this.aggregates.push(path);
  }

  /** The aggregate reports the final result carries. */
  aggregatesIn(data: unknown): string[] {
    return this.aggregates.filter((path) => valueAt(data, path.split('.')) !== undefined);
  }

  /**
   * The allowed values present in the final result: a value nulled later (a failing sibling, a withheld
   * non-null child) or never returned is not a disclosure. An empty list is: it says "none".
   */
  disclosedIn(data: unknown): Allowed[] {
    const disclosed: Allowed[] = [];
    for (const entry of this.allowed.values()) {
      if (valueAt(data, entry.keys ?? entry.path.split('.')) === undefined) continue;
      disclosed.push(entry);
      if (entry.section) entry.section.carried = true;
    }
    for (const section of this.sections) {
      if (section.carried || valueAt(data, section.keys) === undefined) continue;
      const { keys, subject, agency, clauseId } = section;
      disclosed.push({ path: keys.join('.'), keys, subject, dataItem: `${agency}.*`, clauseId });
    }
    return disclosed;
  }
}

function valueAt(data: unknown, keys: readonly (string | number)[]): unknown {
  let node: unknown = data;
  for (const key of keys) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node === null ? undefined : node;
}

/** A response path as the executor links it, innermost key first. */
export type ExecutionPath = { prev: unknown; key: string | number } | undefined;

export function responsePath(path: ExecutionPath): string {
  return responseKeys(path).join('.');
}

/** The keys of a response path, outermost first. */
export function responseKeys(path: ExecutionPath): (string | number)[] {
  const keys: (string | number)[] = [];
  for (let at = path; at; at = at.prev as ExecutionPath) keys.push(at.key);
  return keys.reverse();
}
