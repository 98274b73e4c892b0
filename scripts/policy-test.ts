/**
 * npm run policy:test [-- suite.yaml ...]
 * Runs the ISP test suites (default: every policies/tests/*.yaml) against the data items the schema actually
 * classifies its fields by, prints one line per failing case and a summary; exits 1 on any failure.
 */
import { readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { agencies } from '../adapters/registry.js';
import { describeFault, PolicyError, runPolicySuite } from '../gateway/policy/index.js';
import { buildGatewaySchema } from '../gateway/schema.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const suiteDir = join(ROOT, 'policies', 'tests');
const suites =
  process.argv.length > 2
    ? process.argv.slice(2)
    : readdirSync(suiteDir)
        .filter((name) => name.endsWith('.yaml'))
        .sort()
        .map((name) => relative(process.cwd(), join(suiteDir, name)));

const { classification: catalogue } = buildGatewaySchema(agencies);
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
