import { InvalidArgumentError } from 'commander';

/**
 * Argument parsers for every numeric flag, one rule set for run, sweep, simulate, serve and the rest:
 * commander reports a throw as `error: option '--flag <n>' argument 'abc' is invalid. <reason>` and
 * exits non-zero.
 */

/** Node's timers hold at most 2³¹−1 ms (~24.8 days); a longer wait would fire at once. */
export const MAX_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

const readNumber = (text: string): number => (text.trim() === '' ? NaN : Number(text));
const range = (min: number, max: number) => (max >= Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`);

/** A whole number in [min, max]. */
export function integerIn(min: number, max = Number.MAX_SAFE_INTEGER): (text: string) => number {
  return (text) => {
    const value = readNumber(text);
    if (!Number.isSafeInteger(value) || value < min || value > max) throw new InvalidArgumentError(`Expected a whole number ${range(min, max)}.`);
    return value;
  };
}

/** A number in (min, max] when `open`, else [min, max]. */
export function numberIn(min: number, max: number, { aboveMin = false } = {}): (text: string) => number {
  return (text) => {
    const value = readNumber(text);
    if (!Number.isFinite(value) || (aboveMin ? value <= min : value < min) || value > max) {
      throw new InvalidArgumentError(`Expected a number ${aboveMin ? `above ${min}` : `of at least ${min}`}${max === Infinity ? '' : ` and at most ${max}`}.`);
    }
    return value;
  };
}

export const positiveNumber = numberIn(0, Infinity, { aboveMin: true });
export const positiveInteger = integerIn(1);
export const nonNegativeInteger = integerIn(0);
/** Seconds a timer waits: above 0, at most MAX_SECONDS. */
export const positiveSeconds = numberIn(0, MAX_SECONDS, { aboveMin: true });
export const nonNegativeSeconds = numberIn(0, MAX_SECONDS);
export const port = integerIn(0, 65535);
/** Requests in flight: a closed loop starts one worker each, so a billion would never start. */
export const concurrency = integerIn(1, 100_000);
/** Requests per second: beyond a million a second the gaps are under a microsecond. */
export const rate = numberIn(0, 1_000_000, { aboveMin: true });

/** A share such as 0.15 or 15%. */
export function fractionOrPercent(text: string): number {
  const percent = text.trim().endsWith('%');
  const value = readNumber(percent ? text.trim().slice(0, -1) : text);
  if (!Number.isFinite(value) || value <= 0) throw new InvalidArgumentError('Expected a share above 0, e.g. 0.15 or 15%.');
  const share = percent ? value / 100 : value;
  if (share > 10) throw new InvalidArgumentError('Expected a share of at most 10 (1000%).');
  return share;
}

/** A comma list, each part through `parse` (its message names the bad part). */
export function listOf(parse: (text: string) => number): (text: string) => number[] {
  return (text) =>
    text.split(',').map((part) => {
      try {
        return parse(part);
      } catch (error) {
        throw new InvalidArgumentError(`"${part}": ${(error as Error).message}`);
      }
    });
}

/** An http(s) URL. */
export function httpUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidArgumentError('Expected a URL such as http://127.0.0.1:8000/v1.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError(`Expected an http:// or https:// URL, not ${url.protocol}.`);
  return text;
}
