/**
 * The information-sharing protocol: load an ISP file, compile it against the schema's data items, decide.
 *
 *   const policy = compilePolicy(loadPolicy('policies/iom-partnership.yaml'), classifySchema(schema));
 *   policy.decide({ role, purpose, dataItem, subject, now, emergency });
 */
export {
  type CompiledPolicy,
  compilePolicy,
  type DataItemCatalogue,
  type Decision,
  type DecisionRequest,
  type DenialReason,
  type Explanation,
  type ItemDecision,
} from './compile.js';
export { type LoadedPolicy, loadPolicy, parsePolicy } from './loader.js';
export {
  AGENCIES,
  type Agency,
  type Clause,
  CONDITIONS,
  type Condition,
  type Isp,
  type LawfulBasis,
  type Party,
  type Purpose,
  type Role,
  type SubjectFacts,
} from './model.js';
export { describeFault, PolicyError, type PolicyFault } from './policy-error.js';
export { runPolicySuite, type SuiteReport } from './suite.js';
