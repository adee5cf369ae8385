import { distributionMean, parseDistribution, sampleDistribution } from '../../common/distributions';
import { Rng } from '../../common/random';

test('compact distribution specs parse to the profile vocabulary', () => {
  expect(parseDistribution('512')).toEqual({ dist: 'constant', value: 512 });
  expect(parseDistribution('lognormal(512,0.6)')).toEqual({ dist: 'lognormal', median: 512, sigma: 0.6 });
  expect(parseDistribution('uniform(10, 20)')).toEqual({ dist: 'uniform', min: 10, max: 20 });
  expect(() => parseDistribution('zipf(1)')).toThrow(/unknown distribution/);
  expect(() => parseDistribution('normal(1)')).toThrow(/takes 2 numbers/);
});

test('sample means approach the analytic means (lognormal mean = median·e^(σ²/2))', () => {
  const rng = new Rng(3);
  for (const spec of ['lognormal(100,0.5)', 'normal(50,5)', 'uniform(0,10)', 'exponential(7)']) {
    const distribution = parseDistribution(spec);
    let sum = 0;
    const n = 40_000;
    for (let i = 0; i < n; i++) sum += sampleDistribution(distribution, rng);
    expect(sum / n).toBeCloseTo(distributionMean(distribution), 0);
  }
  expect(distributionMean(parseDistribution('lognormal(100,0.5)'))).toBeCloseTo(100 * Math.exp(0.125), 10);
});

test('gamma samples have mean shape·scale (Marsaglia–Tsang)', () => {
  const rng = new Rng(9);
  for (const shape of [0.5, 1, 4]) {
    let sum = 0;
    for (let i = 0; i < 40_000; i++) sum += rng.gamma(shape, 2);
    expect(sum / 40_000).toBeCloseTo(shape * 2, 1);
  }
});
