/**
 * A keyed bijection on the whole numbers 0 … size − 1: a small Feistel network over the next power of four, walked
 * until it lands inside the range. It turns a person's index into a serial that looks issued at random yet is unique
 * without a register of those issued, and turns the serial back into the index without a map.
 */

/** A 32-bit mix of two words (murmur3's finaliser over their combination). */
export function mix(a: number, b: number): number {
  let h = Math.imul(a ^ Math.imul(b, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export interface Scramble {
  size: number;
  forward(index: number): number;
  /** The index a value came from; undefined for a value outside the range. */
  backward(value: number): number | undefined;
}

const ROUNDS = 4;
/** The largest range a scramble serves: 2^24, so its values fit 32-bit arithmetic. */
const LARGEST = 2 ** 24;

/**
 * `reserved`: the value index 0 must map to (one drawn before this scheme existed); the index that would have had it
 * takes index 0's place instead, so the map stays a bijection.
 */
export function createScramble(size: number, key: number, reserved?: number): Scramble {
  if (size > LARGEST) throw new RangeError(`a scramble serves at most ${LARGEST} values`);
  let half = 1;
  while (4 ** half < size) half++;
  const mask = (1 << half) - 1;
  const [k0, k1, k2, k3] = Array.from({ length: ROUNDS }, (_, round) => mix(key, round + 1)) as [number, number, number, number];
  // Values stay below 2^24 (the largest range is under 16.7 million), so plain 32-bit integer arithmetic is exact.
  const encrypt = (value: number): number => {
    let left = value >>> half;
    let right = value & mask;
    left ^= mix(k0, right) & mask;
    right ^= mix(k1, left) & mask;
    left ^= mix(k2, right) & mask;
    right ^= mix(k3, left) & mask;
    return (left << half) | right;
  };
  const decrypt = (value: number): number => {
    let left = value >>> half;
    let right = value & mask;
    right ^= mix(k3, left) & mask;
    left ^= mix(k2, right) & mask;
    right ^= mix(k1, left) & mask;
    left ^= mix(k0, right) & mask;
    return (left << half) | right;
  };
  // Cycle-walking: the domain is at most four times the range, so a few steps at most on average.
  const permute = (value: number): number => {
    let v = encrypt(value);
    while (v >= size) v = encrypt(v);
    return v;
  };
  const unpermute = (value: number): number => {
    let v = decrypt(value);
    while (v >= size) v = decrypt(v);
    return v;
  };
  const inRange = (value: number) => Number.isInteger(value) && value >= 0 && value < size;
  if (reserved === undefined || !inRange(reserved)) return { size, forward: permute, backward: (value) => (inRange(value) ? unpermute(value) : undefined) };
  const zero = permute(0);
  const displaced = unpermute(reserved);
  return {
    size,
    forward: (index) => (index === 0 ? reserved : index === displaced ? zero : permute(index)),
    backward: (value) => {
      if (!inRange(value)) return undefined;
      if (value === reserved) return 0;
      return value === zero ? displaced : unpermute(value);
    },
  };
}
