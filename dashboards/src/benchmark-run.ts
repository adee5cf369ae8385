import { dashboard, quantiles, stat, timeseries } from './common';

/** "Benchmark run": a harness run's own view, live (`tokenbench run --metrics-port`), per run_id. */
export function benchmarkRunDashboard() {
  return dashboard('tokenbench-benchmark-run', 'tokenbench — Benchmark run', 'Client-side measurements of tokenbench runs as they happen: latency percentiles, throughput, errors, goodput.')
    .withPanel(stat('In flight', 'short', { expr: 'sum(tokenbench_run_requests_in_flight)', legend: 'in flight' }))
    .withPanel(stat('Finished requests', 'short', { expr: 'sum(tokenbench_run_requests_total)', legend: 'finished' }))
    .withPanel(stat('Goodput', 'reqps', { expr: 'sum(tokenbench_run_goodput_requests_per_second)', legend: 'goodput' }, 'Requests per second meeting every --slo.'))
    .withPanel(stat('Errors', 'short', { expr: 'sum(tokenbench_run_errors_total)', legend: 'errors' }))
    .withPanel(timeseries('Time to first token', 's', quantiles('tokenbench_run_ttft_seconds', 'run_id', 'TTFT ')))
    .withPanel(timeseries('Inter-token latency', 's', quantiles('tokenbench_run_itl_seconds', 'run_id', 'ITL ')))
    .withPanel(timeseries('Time per output token', 's', quantiles('tokenbench_run_tpot_seconds', 'run_id', 'TPOT ')))
    .withPanel(timeseries('End-to-end latency', 's', quantiles('tokenbench_run_e2el_seconds', 'run_id', 'E2EL ')))
    .withPanel(
      timeseries('Throughput', 'short', [
        { expr: 'sum by (run_id) (rate(tokenbench_run_output_tokens_total[$__rate_interval]))', legend: 'output tokens/s {{run_id}}' },
        { expr: 'sum by (run_id) (rate(tokenbench_run_requests_total{outcome="ok"}[$__rate_interval]))', legend: 'requests/s {{run_id}}' },
      ]),
    )
    .withPanel(
      timeseries('In flight and goodput', 'short', [
        { expr: 'sum by (run_id) (tokenbench_run_requests_in_flight)', legend: 'in flight {{run_id}}' },
        { expr: 'sum by (run_id) (tokenbench_run_goodput_requests_per_second)', legend: 'goodput req/s {{run_id}}' },
      ]),
    )
    .withPanel(timeseries('Errors by kind', 'reqps', [{ expr: 'sum by (run_id, kind) (rate(tokenbench_run_errors_total[$__rate_interval]))', legend: '{{kind}} {{run_id}}' }]))
    .withPanel(
      timeseries('SLO attainment', 'percentunit', [
        { expr: 'sum by (run_id) (tokenbench_run_slo_met_total) / sum by (run_id) (tokenbench_run_requests_total)', legend: 'met {{run_id}}' },
      ]),
    )
    .build();
}
