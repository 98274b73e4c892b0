/**
 * npm run policy:test [-- suite.yaml ...]
 * Runs the ISP test suites (default: every policies/tests/*.yaml) against the data items the schema actually
 * classifies its fields by, prints one line per failing case and a summary; exits 1 on any failure.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { classifySchema } from '../gateway/classification.js';
import { describeFault, PolicyError, runPolicySuite } from '../gateway/policy/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The core SDL plus each agency folder's section, as the gateway composes them. */
function schemaSdl(): string[] {
  const adapters = join(ROOT, 'adapters');
  const sections = readdirSync(adapters, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(adapters, entry.name, 'schema.graphql'))
    .filter((file) => existsSync(file));
  return [join(ROOT, 'schema', 'person.graphql'), ...sections].map((file) => readFileSync(file, 'utf8'));
}

const suiteDir = join(ROOT, 'policies', 'tests');
const suites = process.argv.length > 2
  ? process.argv.slice(2)
  : readdirSync(suiteDir).filter((name) => name.endsWith('.yaml')).sort().map((name) => relative(process.cwd(), join(suiteDir, name)));

const catalogue = classifySchema(makeExecutableSchema({ typeDefs: schemaSdl() }));
let passed = 0;
let failed = 0;
let uncovered = 0;
for (const suite of suites) {
  try {
    const report = runPolicySuite(suite, catalogue);
    for (const fault of [...report.failures, ...report.uncovered]) console.log(`FAIL ${describeFault(fault)}`);
    passed += report.passed;
    failed += report.failures.length;
    uncovered += report.uncovered.length;
    console.log(`${report.file}: ${report.policy.id} v${report.policy.version}, ${report.passed} passed, ${report.failures.length} failed`);
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    console.log(`FAIL ${error.message}`);
    failed += 1;
  }
}
const gaps = uncovered > 0 ? `, ${uncovered} role × purpose pairs not exercised` : '';
console.log(`${passed} passed, ${failed} failed${gaps}`);
process.exitCode = failed + uncovered > 0 ? 1 : 0;
