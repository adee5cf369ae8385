import { BatchEngine, VirtualClock } from '../../../server/engine';
import { stepJitterSigma } from '../../../server/profiles/engine-config';
import { testEngineConfig } from '../../helpers/engine-config';
import { Rng } from '../../../common/random';

test('a step longer than the jitter reference averages its noise: σ·√(reference / step)', () => {
  // 0.2 at 5 ms; a 125 ms prefill is 25 parts of 5 ms: 0.2 / √25 = 0.04.
  expect(stepJitterSigma(0.2, 125, 5)).toBeCloseTo(0.04, 12);
  expect(stepJitterSigma(0.2, 20, 5)).toBeCloseTo(0.1, 12);
  // Steps as short as the reference or shorter, and profiles without one, keep σ.
  expect(stepJitterSigma(0.2, 5, 5)).toBe(0.2);
  expect(stepJitterSigma(0.2, 3, 5)).toBe(0.2);
  expect(stepJitterSigma(0.2, 125)).toBe(0.2);
});

/** Log-spread of the prefill step (first token) and of the decode steps (gaps) over lone requests, one after another. */
function spreadOf(jitterReference_ms: number | undefined) {
  const clock = new VirtualClock();
  // 5 ms a step plus 1 ms a prefilled token: a 120-token prompt's step is 125 ms, a decode step 5 ms.
  const config = testEngineConfig({ stepSeconds: (shape) => 0.005 + 0.001 * shape.prefillTokens, kvCapacityTokens: 16 * 1000, jitterSigma: 0.2, jitterReference_ms });
  const engine = new BatchEngine(clock, config, new Rng(7));
  const prefills: number[] = [];
  const gaps: number[] = [];
  const submit = (left: number) => {
    const sent = clock.now_ms();
    let last = NaN;
    engine.submit(
      { id: `r${left}`, promptTokens: 120, outputTokens: 4 },
      {
        onTokens: (_count, at) => {
          if (Number.isNaN(last)) prefills.push(at - sent);
          else gaps.push(at - last);
          last = at;
        },
        onFinished: () => left > 1 && submit(left - 1),
      },
    );
  };
  submit(400);
  clock.run();
  const logSpread = (values: number[]) => {
    const logs = values.map(Math.log);
    const mean = logs.reduce((sum, value) => sum + value, 0) / logs.length;
    return Math.sqrt(logs.reduce((sum, value) => sum + (value - mean) ** 2, 0) / logs.length);
  };
  return { prefill: logSpread(prefills), decode: logSpread(gaps), prefills: prefills.length };
}

test('with a jitter reference a long prefill step spreads by σ/√(its parts) while decode steps keep σ; without one every step spreads by σ', () => {
  const referenced = spreadOf(5);
  expect(referenced.prefills).toBe(400);
  expect(referenced.decode).toBeGreaterThan(0.17);
  expect(referenced.decode).toBeLessThan(0.23);
  expect(referenced.prefill).toBeGreaterThan(0.034);
  expect(referenced.prefill).toBeLessThan(0.046);
  const flat = spreadOf(undefined);
  expect(flat.prefill).toBeGreaterThan(0.17);
  expect(flat.prefill).toBeLessThan(0.23);
});
