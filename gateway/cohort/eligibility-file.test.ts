/**
 * The eligibility rules file: the default loads, and a fault is reported with its file, line and place.
 */
import { describe, expect, it } from 'vitest';
import { EligibilityRulesError, loadEligibilityRules, parseEligibilityRules } from './eligibility-file.js';

const HEADER = 'id: test-rules\nversion: "1"\ntitle: Test rules\n';

function faultsOf(yamlText: string): string[] {
  try {
    parseEligibilityRules(yamlText, 'rules.yaml');
  } catch (error) {
    if (error instanceof EligibilityRulesError)
      return error.message
        .split('\n')
        .slice(1)
        .map((line) => line.trim());
    throw error;
  }
  throw new Error('expected the rules to be refused');
}

describe('loading the eligibility rules', () => {
  it('loads the partnership’s default rules, fixed strand first', () => {
    const loaded = loadEligibilityRules();
    expect(loaded.id).toBe('northshire-iom-eligibility');
    expect(loaded.rules.map((rule) => rule.id)).toEqual([
      'FIXED-NC-HIGH-OGRS',
      'FIXED-BURGLARY-ROBBERY-MEDIUM-OGRS',
      'FLEX-PPO',
      'FLEX-SHOPLIFTING-ESCALATING',
      'FLEX-LOWER-OGRS-HIGH-HARM',
    ]);
    expect(loaded.rules[0]?.conditions).toEqual({
      indexOffenceCategories: ['burglary', 'robbery', 'theft-from-person', 'vehicle-theft'],
      ogrsBands: ['high', 'very-high'],
      sentenceTypes: ['community-order', 'licence'],
    });
  });

  it('names a file that cannot be read', () => {
    expect(() => loadEligibilityRules('policies/no-such-rules.yaml')).toThrow(
      /cohort eligibility rules: 1 fault\n {2}policies\/no-such-rules.yaml \(document\): cannot be read/,
    );
  });

  it('points at a misspelt value, an unknown condition and a rule without conditions, all at once', () => {
    const faults = faultsOf(
      `${HEADER}rules:
  - id: FIXED-A
    strand: fixed
    description: A rule with a typo in it
    conditions:
      ogrsBands: [hihg]
  - id: FLEX-B
    strand: flex
    description: A rule with an unknown condition
    conditions:
      ogrs: [high]
  - id: FLEX-C
    strand: flex
    description: A rule with no conditions
    conditions: {}
`,
    );
    expect(faults).toEqual([
      'rules.yaml:9:19 rules[0].conditions.ogrsBands[0]: must be one of low, medium, high, very-high; found "hihg"',
      'rules.yaml:14:7 rules[1].conditions.ogrs: unknown field "ogrs"',
      'rules.yaml:18:5 rules[2].conditions: a rule needs at least one condition',
    ]);
  });

  it('refuses a duplicate id, a strand without criteria and a bad arrests window', () => {
    const faults = faultsOf(
      `${HEADER}rules:
  - id: FLEX-A
    strand: flex
    description: The first rule of the two
    conditions:
      prolificPriorityOffender: true
  - id: FLEX-A
    strand: flex
    description: The second rule, same id
    conditions:
      arrests: { atLeast: 0, withinMonths: 12 }
  - id: FREE-C
    strand: free
    description: A free-strand rule
    conditions:
      riskOfSeriousHarm: [high, high]
`,
    );
    expect(faults).toEqual([
      'rules.yaml:14:18 rules[1].conditions.arrests.atLeast: Too small: expected number to be >=1; found 0',
      'rules.yaml:16:5 rules[2].strand: must be one of fixed, flex; found "free"',
      'rules.yaml:19:7 rules[2].conditions.riskOfSeriousHarm: lists a value twice',
    ]);
    const duplicate = faultsOf(
      `${HEADER}rules:
  - id: FLEX-A
    strand: flex
    description: The first rule of the two
    conditions: { prolificPriorityOffender: true }
  - id: FLEX-A
    strand: flex
    description: The second rule, same id
    conditions: { ogrsBands: [low] }
`,
    );
    expect(duplicate).toEqual(['rules.yaml:9:5 rules[1].id: duplicate id FLEX-A (first at rules[0])']);
  });

  it('refuses a file without rules', () => {
    expect(faultsOf(`${HEADER}rules: []\n`)).toEqual(['rules.yaml:4:1 rules: must hold at least one rule']);
  });
});
