/**
 * Policy test suites: YAML cases (role, purpose, facts about the person, data item → allow or deny) run against a
 * compiled ISP. A suite must exercise every role with every purpose, so a new role or purpose cannot go untested;
 * a case naming a role, purpose, data item or clause the ISP does not have is a fault, not a silent "deny".
 */
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { compilePolicy, type DataItemCatalogue, type DenialReason } from './compile.js';
import { loadPolicy } from './loader.js';
import { CONDITIONS, isoDate } from './model.js';
import { PolicyError, type PolicyFault } from './policy-error.js';
import { readYamlFile } from './yaml-file.js';

const DENIAL_REASONS: ReadonlySet<string> = new Set<DenialReason>([
  'no-clause',
  'clause-expired',
  'audit-only',
  ...CONDITIONS.map((condition) => `condition-not-met:${condition}` as const),
]);

const subjectFactsSchema = z.strictObject({
  inActiveCohort: z.boolean().default(false),
  consentRecorded: z.boolean().default(false),
  mappaCase: z.boolean().default(false),
});

const suiteCaseSchema = z
  .strictObject({
    name: z.string().optional(),
    role: z.string(),
    purpose: z.string(),
    /** Facts not given are false. */
    subject: subjectFactsSchema.prefault({}),
    emergency: z.boolean().default(false),
    /** Overrides the suite's date, e.g. to show a clause before and after its review date. */
    now: isoDate.optional(),
    dataItem: z.string().optional(),
    expect: z.enum(['allow', 'deny', 'in-scope', 'out-of-scope']),
    clause: z.string().optional(),
    reason: z.string().optional(),
  })
  .superRefine((testCase, context) => {
    const decision = testCase.expect === 'allow' || testCase.expect === 'deny';
    const fault = (path: string, message: string, input?: string) => context.addIssue({ code: 'custom', path: [path], message, input });
    if (decision && testCase.dataItem === undefined) fault('dataItem', `is missing (a case expecting ${testCase.expect} names a data item)`);
    if (!decision) {
      for (const field of ['dataItem', 'clause', 'reason'] as const) {
        if (testCase[field] !== undefined) fault(field, `does not belong in a case expecting ${testCase.expect}`);
      }
    }
    if (testCase.reason !== undefined && testCase.expect === 'allow') fault('reason', 'does not belong in a case expecting allow');
    if (testCase.reason !== undefined && !DENIAL_REASONS.has(testCase.reason)) {
      fault('reason', `must be one of ${[...DENIAL_REASONS].join(', ')}`, testCase.reason);
    }
  });

const suiteSchema = z.strictObject({
  /** The ISP file, relative to the suite. */
  policy: z.string().min(1),
  /** The date the cases are decided on, so that review dates give the same answer every day. */
  now: isoDate,
  cases: z.array(suiteCaseSchema).min(1, 'must hold at least one case'),
});

export interface SuiteReport {
  file: string;
  policy: { id: string; version: string };
  passed: number;
  /** One per failing case, placed at the case. */
  failures: PolicyFault[];
  /** One per role and purpose that no case exercises. */
  uncovered: PolicyFault[];
}

/** Runs one suite file against the ISP it names; throws PolicyError if the suite or the ISP is malformed. */
export function runPolicySuite(suiteFile: string, catalogue: DataItemCatalogue): SuiteReport {
  const { value: suite, source } = readYamlFile(suiteFile, suiteSchema);
  const loaded = loadPolicy(resolve(dirname(suiteFile), suite.policy));
  const policy = compilePolicy(loaded, catalogue);

  const clauseIds = new Set(loaded.clauses.map((clause) => clause.id));
  const faults: PolicyFault[] = [];
  suite.cases.forEach((testCase, index) => {
    const unknown = (field: string, what: string) => faults.push(source.fault(['cases', index, field], `${what} is not in ${loaded.id}`));
    if (!policy.role(testCase.role)) unknown('role', `role ${testCase.role}`);
    if (!policy.purpose(testCase.purpose)) unknown('purpose', `purpose ${testCase.purpose}`);
    if (testCase.dataItem !== undefined && !catalogue.dataItems.has(testCase.dataItem)) {
      faults.push(source.fault(['cases', index, 'dataItem'], `data item ${testCase.dataItem} is not in the schema's catalogue`));
    }
    if (testCase.clause !== undefined && !clauseIds.has(testCase.clause)) unknown('clause', `clause ${testCase.clause}`);
  });
  if (faults.length > 0) throw new PolicyError(faults);

  const failures: PolicyFault[] = [];
  suite.cases.forEach((testCase, index) => {
    const { role, purpose, subject, emergency, dataItem } = testCase;
    const label = testCase.name ?? `${role} / ${purpose} / ${dataItem ?? 'scope'}`;
    let expected: string;
    let actual: string;
    if (dataItem === undefined) {
      expected = testCase.expect;
      actual = policy.inScope(role, purpose, subject) ? 'in-scope' : 'out-of-scope';
    } else {
      const now = new Date(`${testCase.now ?? suite.now}T12:00:00Z`);
      const decision = policy.decide({ role, purpose, dataItem, subject, now, emergency });
      actual = decision.allowed ? 'allow' : 'deny';
      // Compare only what the case states: clause and reason are optional precision.
      expected = testCase.expect;
      if (testCase.reason !== undefined) {
        expected += ` (${testCase.reason})`;
        actual += decision.allowed ? '' : ` (${decision.reason})`;
      }
      if (testCase.clause !== undefined) {
        expected += ` under ${testCase.clause}`;
        actual += decision.clauseId ? ` under ${decision.clauseId}` : ' under no clause';
      }
    }
    if (actual !== expected) failures.push(source.fault(['cases', index], `${label}: expected ${expected}, got ${actual}`));
  });

  const exercised = new Set(suite.cases.map((testCase) => `${testCase.role} × ${testCase.purpose}`));
  const uncovered = loaded.roles.flatMap((role) =>
    loaded.purposes
      .map((purpose) => `${role.name} × ${purpose.code}`)
      .filter((pair) => !exercised.has(pair))
      .map((pair) => source.fault(['cases'], `no case exercises ${pair}`)),
  );

  return {
    file: suiteFile,
    policy: { id: policy.id, version: policy.version },
    passed: suite.cases.length - failures.length,
    failures,
    uncovered,
  };
}
