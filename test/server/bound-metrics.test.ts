import { Counter, Histogram, Registry } from 'prom-client';
import { BoundCounter, BoundHistogram } from '../../server/http/bound-metrics';

const values = [0, 0.004, 0.01, 0.0100001, 0.3, 2, 99, 1e6];

test('a bound histogram exports exactly the text prom-client writes for the same observations', async () => {
  const reference = new Registry();
  const ours = new Registry();
  const labelNames = ['model_name', 'engine'] as const;
  const buckets = [0.005, 0.01, 0.5, 10];
  const theirs = new Histogram({ name: 'vllm:x_seconds', help: 'x', buckets, labelNames, registers: [reference] });
  const bound = new BoundHistogram('vllm:x_seconds', 'x', buckets, labelNames, ours);
  for (const [index, value] of values.entries()) {
    const labels = { model_name: index % 2 ? 'a' : 'b', engine: '0' };
    theirs.observe(labels, value);
    bound.labels(labels).observe(value);
  }
  expect(await ours.metrics()).toBe(await reference.metrics());
});

test('a bound counter exports exactly the text prom-client writes, and ignores negative or non-finite amounts', async () => {
  const reference = new Registry();
  const ours = new Registry();
  const theirs = new Counter({ name: 'vllm:y_total', help: 'y', labelNames: ['model_name', 'finished_reason'], registers: [reference] });
  const bound = new BoundCounter('vllm:y_total', 'y', ['model_name', 'finished_reason'], ours);
  for (const [index, value] of values.entries()) {
    const labels = { model_name: 'm', finished_reason: index % 3 ? 'stop' : 'length' };
    theirs.inc(labels, value);
    bound.labels(labels).inc(value);
  }
  bound.labels({ model_name: 'm', finished_reason: 'stop' }).inc(-5);
  bound.labels({ model_name: 'm', finished_reason: 'stop' }).inc(NaN);
  expect(await ours.metrics()).toBe(await reference.metrics());
});

test('binding a label set twice gives the same series, and a missing label is refused', () => {
  const bound = new BoundHistogram('h', 'h', [1], ['model_name'], new Registry());
  expect(bound.labels({ model_name: 'm' })).toBe(bound.labels({ model_name: 'm' }));
  expect(() => bound.labels({} as { model_name: string })).toThrow(/model_name/);
});
