import { DashboardBuilder, DashboardCursorSync, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as TimeseriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { PanelBuilder as StatBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { LegendDisplayMode, LegendPlacement, ReduceDataOptionsBuilder, VizLegendOptionsBuilder } from '@grafana/grafana-foundation-sdk/common';

/** The Prometheus datasource every panel reads (provisioned with this uid in docker/grafana). */
export const DATASOURCE = { type: 'prometheus', uid: 'prometheus' };

/** One PromQL query with its legend. */
export interface Query {
  expr: string;
  legend: string;
}

const REF_IDS = 'ABCDEFGHIJ';

function queries(list: Query[]): DataqueryBuilder[] {
  return list.map((query, index) => new DataqueryBuilder().datasource(DATASOURCE).expr(query.expr).legendFormat(query.legend).refId(REF_IDS[index]));
}

/** A time series panel: shared defaults (datasource, table legend at the bottom, half width). */
export function timeseries(title: string, unit: string, list: Query[], description = ''): TimeseriesBuilder {
  const panel = new TimeseriesBuilder()
    .title(title)
    .description(description)
    .datasource(DATASOURCE)
    .unit(unit)
    .height(8)
    .span(12)
    .lineWidth(1)
    .fillOpacity(10)
    .legend(new VizLegendOptionsBuilder().displayMode(LegendDisplayMode.Table).placement(LegendPlacement.Bottom).showLegend(true));
  for (const query of queries(list)) panel.withTarget(query);
  return panel;
}

/** A single-number panel. */
export function stat(title: string, unit: string, query: Query, description = ''): StatBuilder {
  return new StatBuilder()
    .title(title)
    .description(description)
    .datasource(DATASOURCE)
    .unit(unit)
    .height(4)
    .span(6)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']))
    .withTarget(queries([query])[0]);
}

/** p50 / p90 / p99 of a Prometheus histogram, grouped by `by`. */
export function quantiles(metric: string, by: string, legendPrefix: string, levels = [0.5, 0.9, 0.99]): Query[] {
  return levels.map((level) => ({
    expr: `histogram_quantile(${level}, sum by (le, ${by}) (rate(${metric}_bucket[$__rate_interval])))`,
    legend: `${legendPrefix}p${Math.round(level * 100)} {{${by}}}`,
  }));
}

/** A dashboard with the project's defaults: tags, shared crosshair, 5 s refresh, last 15 minutes. */
export function dashboard(uid: string, title: string, description: string): DashboardBuilder {
  return new DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(['tokenbench', 'llm'])
    .tooltip(DashboardCursorSync.Crosshair)
    .refresh('5s')
    .time({ from: 'now-15m', to: 'now' })
    .timezone('browser');
}

export type { Dashboard };
