import { dashboard, quantiles, timeseries } from './common';

/**
 * "Real vs modeled": runs against two targets (a real endpoint and a mock of it) overlaid by `target`,
 * plus each side's ratio to the other, so a digital twin's drift shows at a glance.
 */
export function realVsModeledDashboard() {
  const ratio = (metric: string) =>
    `histogram_quantile(0.5, sum by (le, target) (rate(${metric}_bucket[$__rate_interval]))) / ignoring(target) group_left() avg(histogram_quantile(0.5, sum by (le, target) (rate(${metric}_bucket[$__rate_interval]))))`;
  return dashboard('tokenbench-real-vs-modeled', 'tokenbench — Real vs modeled', 'Two targets measured with the same workload, overlaid: a real endpoint and its modeled twin.')
    .withPanel(timeseries('TTFT by target', 's', quantiles('tokenbench_run_ttft_seconds', 'target', 'TTFT ', [0.5, 0.99])))
    .withPanel(timeseries('TPOT by target', 's', quantiles('tokenbench_run_tpot_seconds', 'target', 'TPOT ', [0.5, 0.99])))
    .withPanel(timeseries('ITL by target', 's', quantiles('tokenbench_run_itl_seconds', 'target', 'ITL ', [0.5, 0.99])))
    .withPanel(timeseries('E2E latency by target', 's', quantiles('tokenbench_run_e2el_seconds', 'target', 'E2EL ', [0.5, 0.99])))
    .withPanel(
      timeseries('Output throughput by target', 'short', [{ expr: 'sum by (target) (rate(tokenbench_run_output_tokens_total[$__rate_interval]))', legend: 'tokens/s {{target}}' }]),
    )
    .withPanel(
      timeseries('Median latency relative to the mean of targets', 'percentunit', [
        { expr: ratio('tokenbench_run_ttft_seconds'), legend: 'TTFT {{target}}' },
        { expr: ratio('tokenbench_run_tpot_seconds'), legend: 'TPOT {{target}}' },
      ], '1.0 means this target matches the average of all targets; a twin within 10% stays between 0.9 and 1.1.'),
    )
    .build();
}
