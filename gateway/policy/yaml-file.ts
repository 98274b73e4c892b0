/**
 * Reads a YAML file and validates it with a zod schema, keeping the YAML node ranges so that every fault,
 * from a syntax error to a cross-reference found later, can name its line and column.
 */
import { readFileSync } from 'node:fs';
import { type Document, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { formatPath, PolicyError, type PolicyFault } from './policy-error.js';

/** Where a document came from: turns a path inside it into a located fault. */
export interface YamlSource {
  readonly file: string;
  fault(path: readonly PropertyKey[], message: string): PolicyFault;
}

export interface YamlFile<T> {
  value: T;
  source: YamlSource;
}

/** Reads `file` and parses it as YAML validated by `schema`; throws PolicyError naming every fault. */
export function readYamlFile<Schema extends z.ZodType>(file: string, schema: Schema): YamlFile<z.output<Schema>> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new PolicyError([{ file, path: '', message: `cannot be read (${(error as Error).message})` }]);
  }
  return parseYaml(text, file, schema);
}

/** Parses YAML `text` (named `file` in faults) validated by `schema`; throws PolicyError naming every fault. */
export function parseYaml<Schema extends z.ZodType>(text: string, file: string, schema: Schema): YamlFile<z.output<Schema>> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const at = (offset: number): Pick<PolicyFault, 'line' | 'column'> => {
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  const source: YamlSource = {
    file,
    fault: (path, message) => ({ file, path: formatPath(path), ...at(offsetOf(doc, path)), message }),
  };

  if (doc.errors.length > 0) {
    throw new PolicyError(doc.errors.map((error) => ({ file, path: '', ...at(error.pos[0]), message: `YAML syntax: ${error.message}` })));
  }

  const parsed = schema.safeParse(doc.toJS(), { error: explainIssue, reportInput: true });
  if (!parsed.success) throw new PolicyError(parsed.error.issues.flatMap((issue) => faultsOf(issue, source)));
  return { value: parsed.data, source };
}

function faultsOf(issue: z.core.$ZodIssue, source: YamlSource): PolicyFault[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => source.fault([...issue.path, key], `unknown field "${key}"`));
  }
  // A scalar that broke a rule is worth quoting; a whole mapping is not, and these two messages already quote it.
  const scalar = ['string', 'number', 'boolean'].includes(typeof issue.input);
  const showInput = scalar && issue.code !== 'invalid_type' && issue.code !== 'invalid_value';
  return [source.fault(issue.path, showInput ? `${issue.message}; found ${describe(issue.input)}` : issue.message)];
}

/** Plainer words than zod's defaults for the faults authors make most: a missing field, a wrong type, a typo in a choice. */
function explainIssue(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === 'invalid_type') {
    return issue.input === undefined ? `is missing (expected ${issue.expected})` : `expected ${issue.expected}, found ${describe(issue.input)}`;
  }
  if (issue.code === 'invalid_value') {
    return `must be one of ${issue.values.map(String).join(', ')}; found ${describe(issue.input)}`;
  }
  return undefined;
}

function describe(value: unknown): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return JSON.stringify(value);
}

/** Offset of the node at `path`: a mapping entry's key, a list item, or the nearest enclosing node that exists. */
function offsetOf(doc: Document, path: readonly PropertyKey[]): number {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => (isScalar(item.key) ? item.key.value : item.key) === segment);
      if (!pair) break;
      offset = rangeStart(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      offset = rangeStart(node) ?? offset;
    } else {
      break;
    }
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  return isNode(node) ? node.range?.[0] : undefined;
}
