/**
 * Loads the partnership's cohort eligibility rules (policies/cohort-eligibility.yaml): YAML syntax, the zod
 * model, then what a schema cannot say (rule ids are unique). Every fault is reported at once with its place.
 */
import { z } from 'zod';
import { describeFault, PolicyError, type PolicyFault } from '../policy/policy-error.js';
import { parseYaml, readYamlFile, type YamlFile } from '../policy/yaml-file.js';
import { type EligibilityRule, eligibilityRuleSchema } from './eligibility.js';

export const DEFAULT_ELIGIBILITY_FILE = 'policies/cohort-eligibility.yaml';

const eligibilityFileSchema = z.strictObject({
  id: z.string().trim().min(1).max(100),
  version: z.string().trim().min(1).max(40),
  title: z.string().trim().min(1).max(200),
  /** In order of precedence: a person is proposed under the first rule they meet. */
  rules: z.array(eligibilityRuleSchema).min(1, 'must hold at least one rule'),
});

export interface EligibilityRules {
  id: string;
  version: string;
  title: string;
  rules: readonly EligibilityRule[];
}

export class EligibilityRulesError extends Error {
  constructor(readonly faults: readonly PolicyFault[]) {
    const count = faults.length === 1 ? '1 fault' : `${faults.length} faults`;
    super(`cohort eligibility rules: ${count}\n${faults.map((fault) => `  ${describeFault(fault)}`).join('\n')}`);
    this.name = 'EligibilityRulesError';
  }
}

export function loadEligibilityRules(file: string = DEFAULT_ELIGIBILITY_FILE): EligibilityRules {
  return checked(() => readYamlFile(file, eligibilityFileSchema));
}

/** The same as `loadEligibilityRules` for YAML already in memory; `file` names it in faults. */
export function parseEligibilityRules(yamlText: string, file: string): EligibilityRules {
  return checked(() => parseYaml(yamlText, file, eligibilityFileSchema));
}

function checked(read: () => YamlFile<z.output<typeof eligibilityFileSchema>>): EligibilityRules {
  let loaded: YamlFile<z.output<typeof eligibilityFileSchema>>;
  try {
    loaded = read();
  } catch (error) {
    // The YAML reader speaks of the ISP; these faults are about the eligibility file.
    if (error instanceof PolicyError) throw new EligibilityRulesError(error.faults);
    throw error;
  }
  const { value, source } = loaded;
  const faults: PolicyFault[] = [];
  const first = new Map<string, number>();
  value.rules.forEach((rule, index) => {
    const earlier = first.get(rule.id);
    if (earlier === undefined) first.set(rule.id, index);
    else faults.push(source.fault(['rules', index, 'id'], `duplicate id ${rule.id} (first at rules[${earlier}])`));
  });
  if (faults.length > 0) throw new EligibilityRulesError(faults);
  return value;
}
