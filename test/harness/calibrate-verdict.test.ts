import type { CalibrationResult, RunFit } from '../../harness/calibrate/calibrate';
import { judgeCalibration } from '../../harness/calibrate/verdict';

/** A load's medians: the endpoint's and the twin's, given as the twin's errors (fractions). */
function load(concurrency: number, ttftError: number, tpotError = 0): RunFit {
  const measured = { ttft_ms: 200, tpot_ms: 20 };
  return {
    directory: `probes/c${concurrency}`,
    load: `closed loop, concurrency ${concurrency}`,
    concurrency,
    measured,
    fitted: { ttft_ms: measured.ttft_ms * (1 + ttftError), tpot_ms: measured.tpot_ms * (1 + tpotError) },
    error: { ttft: ttftError, tpot: tpotError },
  };
}

function result(inSample: RunFit[], outOfSample: RunFit[], chosen = 'fitted-saturating'): CalibrationResult {
  return {
    profile: { kind: 'fitted', max_num_seqs: 4 },
    structure: { chosen, route: 'black-box', forms: [] },
    promptTokens: { ratio: 1, offset: 0 },
    inSample,
    outOfSample,
    iterations: 0,
  };
}

test('a twin low on TTFT at every validation load is told it is biased, not that its endpoint may be noisy', () => {
  // A llama.cpp calibration's figures: its own loads mixed (+15.4% at 2), both validation loads low.
  const verdict = judgeCalibration(result([load(1, -0.006), load(1, -0.141), load(2, 0.154), load(4, -0.109), load(8, -0.048)], [load(3, -0.169), load(6, -0.129)]), 0.15);
  expect(verdict.pass).toBe(false);
  expect(verdict.explanation[0]).toBe('TTFT median at closed loop, concurrency 3: endpoint 200.00 ms, twin 166.20 ms (-16.9%), beyond --max-error 15%');
  const said = verdict.explanation.join('\n');
  expect(said).toContain('TTFT is low at every validation load (-16.9% at 3, -12.9% at 6), a bias rather than noise');
  expect(said).toContain('the fit could not hold its own loads either (+15.4% at 2)');
  expect(said).not.toContain('noisy');
});

test('a bias at the validation loads while every fitted load holds the bar points at the structure between them', () => {
  const verdict = judgeCalibration(result([load(1, 0.02), load(2, -0.05), load(4, 0.04), load(8, -0.03)], [load(3, 0.18), load(6, 0.11)]), 0.15);
  expect(verdict.pass).toBe(false);
  expect(verdict.explanation.join('\n')).toContain('TTFT is high at every validation load (+18.0% at 3, +11.0% at 6), a bias rather than noise; every load it was fitted to is within 15%: the structure misses how the endpoint behaves between them');
});

test('validation errors of both signs are reported as possible noise, with the remedy', () => {
  const verdict = judgeCalibration(result([load(1, 0.02), load(2, -0.05), load(4, 0.04)], [load(3, 0.18), load(6, -0.11)]), 0.15);
  expect(verdict.pass).toBe(false);
  expect(verdict.explanation.join('\n')).not.toContain('bias');
  expect(verdict.explanation[2]).toBe('no pattern over the loads: the medians may be noisy at these loads; measure the worst one with more requests (tokenbench run at its concurrency) and give that run to calibrate as a --holdout directory');
});

test('a linear twin whose TPOT error grows with the batch is told it lacks a saturating term', () => {
  const verdict = judgeCalibration(result([load(1, 0, 0), load(4, 0, 0.05), load(16, 0, 0.12)], [load(32, 0, 0.56)], 'fitted-linear'), 0.15);
  expect(verdict.explanation.join('\n')).toContain('TPOT error grows with batch: the fitted family lacks a saturating term');
});

test('a twin within the bar passes, and names its worst validation figure', () => {
  const verdict = judgeCalibration(result([load(1, 0.02)], [load(3, -0.081), load(6, 0.03, 0.05)]), 0.15, 'served');
  expect(verdict.pass).toBe(true);
  expect(verdict.explanation[0]).toBe('worst validation error: TTFT median at closed loop, concurrency 3: endpoint 200.00 ms, twin 183.80 ms (-8.1%), within 15.0%');
  expect(verdict.explanation[1]).toContain('served by `tokenbench serve`');
});
