import { InvalidArgumentError } from 'commander';

/**
 * Argument parsers for numeric flags: commander reports a throw as
 * `error: option '--flag <n>' argument 'abc' is invalid. <reason>` and exits non-zero.
 */
export function positiveNumber(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) throw new InvalidArgumentError('Expected a number above 0.');
  return value;
}

export function positiveInteger(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new InvalidArgumentError('Expected a whole number ≥ 1.');
  return value;
}

/** A share such as 0.15 or 15%. */
export function fractionOrPercent(text: string): number {
  const percent = text.trim().endsWith('%');
  const value = Number(percent ? text.trim().slice(0, -1) : text);
  if (!Number.isFinite(value) || value <= 0) throw new InvalidArgumentError('Expected a share above 0, e.g. 0.15 or 15%.');
  const share = percent ? value / 100 : value;
  if (share > 10) throw new InvalidArgumentError('Expected a share of at most 10 (1000%).');
  return share;
}
