import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';

type JumpableRandomGenerator = ReturnType<typeof xoroshiro128plus>;

/** FNV-1a over a string: turns names and prompts into 32-bit seeds. */
export function hashString(text: string, basis = 0x811c9dc5): number {
  let hash = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** Mixes several seed parts into one 32-bit seed. */
export function mixSeeds(...parts: Array<number | string>): number {
  let hash = 0x811c9dc5;
  for (const part of parts) hash = hashString(`${typeof part}:${part}|`, hash);
  return hash >>> 0;
}

/**
 * A seeded random stream (xoroshiro128+). Every component that draws random numbers owns one,
 * forked from the run's seed by name, so adding draws in one place never shifts another's.
 */
export class Rng {
  private readonly generator: JumpableRandomGenerator;
  private spareNormal: number | undefined;

  constructor(readonly seed: number) {
    // Neighbouring small seeds give correlated first outputs: scramble the seed and warm up.
    this.generator = xoroshiro128plus(mixSeeds('rng', seed) | 0);
    for (let i = 0; i < 8; i++) this.generator.next();
  }

  /** An independent stream named `label`, deterministic given this stream's seed. */
  fork(label: string | number): Rng {
    return new Rng(mixSeeds(this.seed, label));
  }

  /** Uniform in [0, 1). */
  next(): number {
    return uniformFloat64(this.generator);
  }

  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Integer in [min, max] inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Standard normal via Box–Muller (Box & Muller 1958), caching the second variate. */
  standardNormal(): number {
    if (this.spareNormal !== undefined) {
      const spare = this.spareNormal;
      this.spareNormal = undefined;
      return spare;
    }
    let u = 0;
    while (u <= Number.MIN_VALUE) u = this.next();
    const v = this.next();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  }

  normal(mean: number, sd: number): number {
    return mean + sd * this.standardNormal();
  }

  /** Lognormal with the given median (= e^mu) and log-space sigma. */
  lognormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.standardNormal());
  }

  exponential(rate: number): number {
    return -Math.log(1 - this.next()) / rate;
  }

  /** Gamma(shape, scale) by Marsaglia & Tsang (2000); shape < 1 via the boost u^(1/shape). */
  gamma(shape: number, scale: number): number {
    if (shape < 1) return this.gamma(shape + 1, scale) * Math.pow(this.next() || Number.MIN_VALUE, 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.standardNormal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.next();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v * scale;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * scale;
    }
  }
}
