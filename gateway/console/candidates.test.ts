import { describe, expect, it } from 'vitest';
import { oneIn, probability, signedWeight } from './candidates.js';

describe('how the console writes match weights', () => {
  it('spells out the sign of a weight, with a minus sign a screen reader says', () => {
    expect(signedWeight(9.81)).toBe('+9.81');
    expect(signedWeight(-4.3)).toBe('\u22124.30');
    expect(signedWeight(0)).toBe('0.00');
  });

  it('writes a small probability as a plain decimal and as a chance of 1 in N', () => {
    expect(probability(0.000196)).toBe('0.000196');
    expect(probability(1e-7)).toBe('0.0000001');
    expect(probability(0.85)).toBe('0.85');
    expect(oneIn(0.000196)).toBe('about 1 in 5,100');
    expect(oneIn(0.95)).toBeUndefined();
  });
});
