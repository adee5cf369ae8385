import type { CalibrationResult, RunFit } from './calibrate';

/** The exit code of a calibration whose twin misses `--max-error` (distinct from 1, a failure to run). */
export const CALIBRATION_MISSED_EXIT = 3;

export interface CalibrationVerdict {
  pass: boolean;
  maxError: number;
  /** Which loads the verdict is judged on: the validation loads, or the fitted ones when there are none. */
  judgedOn: 'validation' | 'in-sample';
  worst?: { figure: 'TTFT' | 'TPOT'; load: string; directory: string; measured_ms: number; twin_ms: number; error: number };
  /** Plain sentences: the worst figure first, then what the residuals suggest. */
  explanation: string[];
}

const percent = (value: number) => `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)}%`;

function worstOf(fits: RunFit[]): CalibrationVerdict['worst'] {
  let worst: CalibrationVerdict['worst'];
  for (const fit of fits) {
    for (const figure of ['TTFT', 'TPOT'] as const) {
      const error = figure === 'TTFT' ? fit.error.ttft : fit.error.tpot;
      if (!Number.isFinite(error)) continue;
      if (!worst || Math.abs(error) > Math.abs(worst.error)) {
        const key = figure === 'TTFT' ? 'ttft_ms' : 'tpot_ms';
        worst = { figure, load: fit.load, directory: fit.directory, measured_ms: fit.measured[key], twin_ms: fit.fitted[key], error };
      }
    }
  }
  return worst;
}

/** Whether the errors of a figure grow steadily with concurrency, and in which direction. */
function trendWithLoad(fits: RunFit[], figure: 'ttft' | 'tpot'): 'twin-high' | 'twin-low' | undefined {
  const byLoad = [...fits].sort((a, b) => a.concurrency - b.concurrency);
  if (byLoad.length < 3) return undefined;
  const errors = byLoad.map((fit) => fit.error[figure]);
  const last = errors[errors.length - 1];
  const first = errors[0];
  if (Math.abs(last - first) < 0.1) return undefined;
  const rising = errors.every((error, index) => index === 0 || error >= errors[index - 1] - 0.03);
  const falling = errors.every((error, index) => index === 0 || error <= errors[index - 1] + 0.03);
  if (rising && last > 0) return 'twin-high';
  if (falling && last < 0) return 'twin-low';
  return undefined;
}

/**
 * A twin off the same way at every validation load, each by more than half the bar: a bias, which noise
 * at one load does not make (a llama.cpp twin read −16.9% and −12.9% on TTFT at 3 and 6, and was told
 * its endpoint may be noisy). Whether the fitted loads hold the bar says where the structure falls short.
 */
function biasAtValidation(result: CalibrationResult, worst: NonNullable<CalibrationVerdict['worst']>, maxError: number): string | undefined {
  const figure = worst.figure === 'TTFT' ? 'ttft' : 'tpot';
  const validation = [...result.outOfSample].sort((a, b) => a.concurrency - b.concurrency);
  if (validation.length < 2) return undefined;
  const sameWay = validation.every((fit) => Math.sign(fit.error[figure]) === Math.sign(worst.error) && Math.abs(fit.error[figure]) > maxError / 2);
  if (!sameWay) return undefined;
  const atLoad = (fit: RunFit) => `${percent(fit.error[figure])} at ${Number(fit.concurrency.toFixed(1))}`;
  const missed = [...result.inSample].sort((a, b) => a.concurrency - b.concurrency).filter((fit) => Math.abs(fit.error[figure]) > maxError);
  const fitted = missed.length === 0
    ? `every load it was fitted to is within ${(maxError * 100).toFixed(0)}%: the structure misses how the endpoint behaves between them`
    : `the fit could not hold its own loads either (${missed.map(atLoad).join(', ')}): it compromises among loads that this structure cannot all explain`;
  return `${worst.figure} is ${worst.error < 0 ? 'low' : 'high'} at every validation load (${validation.map(atLoad).join(', ')}), a bias rather than noise; ${fitted}`;
}

/**
 * Judges a twin: it passes when its worst median error (TTFT or TPOT) on the validation loads, which
 * the fit never saw, is within `maxError`; otherwise it says which figure at which load, and what the
 * pattern of residuals over the loads suggests.
 */
export function judgeCalibration(result: CalibrationResult, maxError: number, twinFigures: 'served' | 'simulated' = 'simulated'): CalibrationVerdict {
  const judgedOn = result.outOfSample.length > 0 ? 'validation' : 'in-sample';
  const judged = judgedOn === 'validation' ? result.outOfSample : result.inSample;
  const worst = worstOf(judged);
  const pass = worst !== undefined && Math.abs(worst.error) <= maxError;
  const explanation: string[] = [];
  if (!worst) {
    explanation.push('no load had both a TTFT and a TPOT to compare');
    return { pass: false, maxError, judgedOn, explanation };
  }
  const where = `${worst.figure} median at ${worst.load}: endpoint ${worst.measured_ms.toFixed(2)} ms, twin ${worst.twin_ms.toFixed(2)} ms (${percent(worst.error)})`;
  explanation.push(pass ? `worst ${judgedOn} error: ${where}, within ${percent(maxError).slice(1)}` : `${where}, beyond --max-error ${(maxError * 100).toFixed(0)}%`);
  if (judgedOn === 'validation') explanation.push(twinFigures === 'served' ? "the twin's validation figures: served by `tokenbench serve` in a process of its own and measured with the same requests" : "the twin's figures: its simulation on the virtual clock, replaying each load's requests");
  if (judgedOn === 'in-sample') explanation.push('no validation loads: judged on the loads it was fitted to, which flatters it');
  if (pass) return { pass, maxError, judgedOn, worst, explanation };

  const all = [...result.inSample, ...result.outOfSample];
  const tpotTrend = trendWithLoad(all, 'tpot');
  const ttftTrend = trendWithLoad(all, 'ttft');
  const saturating = result.structure.chosen === 'fitted-saturating';
  if (tpotTrend === 'twin-high')
    explanation.push(saturating ? 'TPOT error grows with batch: the endpoint flattens sooner than the twin; measure loads between the last two of the ladder' : 'TPOT error grows with batch: the fitted family lacks a saturating term (decode cost that stops rising, as experts touched do)');
  if (tpotTrend === 'twin-low') explanation.push('TPOT error falls with batch: the endpoint slows with load faster than the twin (a per-sequence cost or contention the probe loads did not reach)');
  if (ttftTrend === 'twin-low' && worst.figure === 'TTFT')
    explanation.push(`TTFT falls behind with load: the endpoint queues requests the twin admits; its seats are fewer than the concurrency (the twin has ${String(result.profile.max_num_seqs)})`);
  if (ttftTrend === 'twin-high' && worst.figure === 'TTFT') explanation.push('TTFT error grows with load: the twin queues where the endpoint does not; the endpoint has more seats, or prefills in larger batches');
  const sameSign = all.every((fit) => Math.sign(fit.error.ttft) === Math.sign(worst.error)) && worst.figure === 'TTFT';
  if (sameSign && !ttftTrend) explanation.push('TTFT is off the same way at every load: a fixed delay (network, gateway, tokenization) the probe could not separate from prefill');
  const bias = biasAtValidation(result, worst, maxError);
  if (bias) explanation.push(bias);
  if (explanation.length === 2) explanation.push('no pattern over the loads: the medians may be noisy at these loads; measure the worst one with more requests (tokenbench run at its concurrency) and give that run to calibrate as a --holdout directory');
  return { pass, maxError, judgedOn, worst, explanation };
}
