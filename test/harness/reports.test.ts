import { readFileSync, mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { readRun, runCli } from '../helpers/cli';

const directory = mkdtempSync(join(tmpdir(), 'tokenbench-reports-'));
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });

/** Every aria-label in an SVG (vega writes axis titles and each described data point there). */
function ariaLabels(svg: string): string[] {
  expect(XMLValidator.validate(svg)).toBe(true);
  const labels: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'aria-label' && typeof value === 'string') labels.push(value);
        else walk(value);
      }
    }
  };
  const document = parser.parse(svg);
  expect(document.svg).toBeDefined();
  walk(document);
  return labels;
}

let run: ReturnType<typeof readRun>;
const out = join(directory, 'run');

beforeAll(async () => {
  const result = await runCli(['run', '--profile', 'llama-3.1-8b-h100', '--requests', '40', '--concurrency', '8', '--workload', 'synthetic:prompt=128,output=40', '--scrape-interval', '0.25', '--csv', '--out', out]);
  expect(result.code).toBe(0);
  run = readRun(out);
}, 60_000);

test("report.md links SVG charts that exist, parse, and carry the run's axis titles and numbers", () => {
  const links = [...run.report.matchAll(/!\[[^\]]*\]\(([^)]+\.svg)\)/g)].map((match) => match[1]);
  expect(links).toEqual(expect.arrayContaining(['ttft-cdf.svg', 'itl-histogram.svg', 'throughput.svg', 'in-flight.svg', 'server-metrics.svg']));
  for (const file of links) expect(existsSync(join(out, file))).toBe(true);

  const cdf = ariaLabels(readFileSync(join(out, 'ttft-cdf.svg'), 'utf8'));
  expect(cdf.some((label) => label.startsWith("X-axis titled 'TTFT (ms)'"))).toBe(true);
  expect(cdf.some((label) => label.startsWith("Y-axis titled 'fraction of requests'"))).toBe(true);
  const round = (value: number) => Number(value.toFixed(2));
  expect(cdf).toContain(`this run p50 TTFT ${round(run.summary.ttft_ms.median)} ms`);
  expect(cdf).toContain(`this run p99 TTFT ${round(run.summary.ttft_ms.p99)} ms`);

  const itl = ariaLabels(readFileSync(join(out, 'itl-histogram.svg'), 'utf8'));
  expect(itl.some((label) => label.startsWith("X-axis titled 'ITL (ms)'"))).toBe(true);
  expect(itl).toContain(`median ITL ${Number(run.summary.itl_ms.median.toFixed(3))} ms`);
  // The bars hold every token gap of the run.
  const counted = itl.map((label) => /: (\d+) tokens$/.exec(label)).filter(Boolean).reduce((sum, match) => sum + Number(match![1]), 0);
  expect(counted).toBe(run.summary.itl_ms.count);

  const throughput = ariaLabels(readFileSync(join(out, 'throughput.svg'), 'utf8'));
  const tokens = throughput.map((label) => /^second \d+: (\d+) tokens\/s$/.exec(label)).filter(Boolean).reduce((sum, match) => sum + Number(match![1]), 0);
  expect(tokens).toBe(run.summary.total_output_tokens);
});

test('the report says what ran, and --csv writes its tables', () => {
  for (const text of ['| target | embedded mock |', '| profile | llama-3.1-8b-h100 |', '## Latency percentiles (ms)', "## The server's view (scraped /metrics)", '## Errors']) expect(run.report).toContain(text);
  const percentiles = readFileSync(join(out, 'percentiles.csv'), 'utf8').trim().split('\n');
  expect(percentiles[0]).toBe('metric,mean,median,p90,p95,p99,min,max');
  expect(percentiles.find((line) => line.startsWith('ttft_ms,'))!.split(',')[2]).toBe(String(run.summary.ttft_ms.median));
});

test('tokenbench report regenerates report.md and charts from the files alone', async () => {
  const before = readFileSync(join(out, 'report.md'), 'utf8');
  const result = await runCli(['report', out]);
  expect(result.code).toBe(0);
  expect(readFileSync(join(out, 'report.md'), 'utf8')).toBe(before);
});

test('compare prints both names, deltas matching the summaries, and verdicts, and writes overlaid charts', async () => {
  const other = join(directory, 'other');
  expect((await runCli(['simulate', '--profile', 'llama-3.1-8b-h100', '--requests', '40', '--concurrency', '8', '--workload', 'synthetic:prompt=128,output=40', '--out', other])).code).toBe(0);
  const comparisonFile = join(directory, 'comparison.md');
  const result = await runCli(['compare', out, other, '--label', 'served,simulated', '--tolerance', '10%', '--out', comparisonFile]);
  expect(result.code).toBe(0);
  const simulated = readRun(other);
  expect(result.stdout).toContain('served');
  expect(result.stdout).toContain('simulated');
  const ttftMedian = result.stdout.split('\n').find((line) => line.startsWith('| ttft_ms | median |'))!;
  const cells = ttftMedian.split('|').map((cell) => cell.trim());
  expect(Number(cells[3])).toBeCloseTo(run.summary.ttft_ms.median, 2);
  expect(Number(cells[4])).toBeCloseTo(simulated.summary.ttft_ms.median, 2);
  expect(Number(cells[5])).toBeCloseTo(simulated.summary.ttft_ms.median - run.summary.ttft_ms.median, 2);
  expect(result.stdout).toMatch(/\| tpot_ms \(median\) \| [+-]\d+\.\d% \| (✅ within|❌ outside) 10% \|/);
  expect(existsSync(join(directory, 'comparison-ttft-cdf.svg'))).toBe(true);
  expect(ariaLabels(readFileSync(join(directory, 'comparison-ttft-cdf.svg'), 'utf8'))).toContain(`simulated p50 TTFT ${Number(simulated.summary.ttft_ms.median.toFixed(2))} ms`);
});
