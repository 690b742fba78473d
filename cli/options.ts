import { InvalidArgumentError } from 'commander';

/** Commander parser for a whole number within [min, max]. */
export function integerIn(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}, got "${value}"`);
    }
    return n;
  };
}

/** Commander parser for a number strictly between 0 and 1 (rates, discounts, thresholds). */
export function unitInterval(value: string): number {
  const x = Number(value);
  if (value.trim() === '' || !(x > 0 && x < 1)) throw new InvalidArgumentError(`expected a number in (0, 1), got "${value}"`);
  return x;
}

/** Options that cannot go together: the command exits 1 with the message, like a bad option. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
