import { RealClock, VirtualClock } from '../../../server/engine/clock';
import { IndependentEngine } from '../../../server/engine/independent-engine';
import { Rng } from '../../../common/random';
import { parseProfile } from '../../../server/profiles/registry';
import type { EmpiricalProfile } from '../../../server/profiles/empirical';

test('the virtual clock fires events in time order, ties first-in first-out, and jumps time', () => {
  const clock = new VirtualClock();
  const order: string[] = [];
  clock.at(30, () => order.push(`c@${clock.now_ms()}`));
  clock.at(10, () => order.push(`a@${clock.now_ms()}`));
  clock.at(10, () => order.push(`b@${clock.now_ms()}`));
  const cancelled = clock.at(20, () => order.push('never'));
  cancelled.cancel();
  expect(clock.run()).toBe(3);
  expect(order).toEqual(['a@10', 'b@10', 'c@30']);
});

test('an empirical engine on the virtual clock paces tokens at TTFT then ITL, to the bit', () => {
  const profile = parseProfile({ kind: 'empirical', model: 'm', ttft_ms: { dist: 'constant', value: 200 }, itl_ms: { dist: 'constant', value: 20 } }, 'm') as EmpiricalProfile;
  const clock = new VirtualClock();
  const engine = new IndependentEngine(clock, profile, new Rng(1));
  const times: number[] = [];
  let finished = -1;
  engine.submit({ id: 'r', promptTokens: 10, outputTokens: 4 }, { onTokens: (_count, at) => times.push(at), onFinished: (at) => (finished = at) });
  clock.run();
  expect(times).toEqual([200, 220, 240, 260]);
  expect(finished).toBe(260);
});

test('the same seed repeats sampled latencies exactly on the virtual clock', () => {
  const profile = parseProfile({ kind: 'empirical', model: 'm', ttft_ms: { dist: 'lognormal', median: 300, sigma: 0.5 }, itl_ms: { dist: 'normal', mean: 20, sd: 4 } }, 'm') as EmpiricalProfile;
  const run = (seed: number) => {
    const clock = new VirtualClock();
    const engine = new IndependentEngine(clock, profile, new Rng(seed));
    const times: number[] = [];
    for (let i = 0; i < 5; i++) engine.submit({ id: `r${i}`, promptTokens: 10, outputTokens: 20 }, { onTokens: (_c, at) => times.push(at), onFinished: () => undefined });
    clock.run();
    return times;
  };
  expect(run(5)).toEqual(run(5));
  expect(run(5)).not.toEqual(run(6));
});

test('the real clock fires near the deadline and holds no timer once everything ran or was cancelled', async () => {
  const clock = new RealClock();
  const start = clock.now_ms();
  const fired = await new Promise<number>((resolve) => clock.at(start + 30, () => resolve(clock.now_ms() - start)));
  expect(fired).toBeGreaterThanOrEqual(29.5);
  const handle = clock.at(clock.now_ms() + 1000, () => undefined);
  expect(clock.pending).toBe(1);
  handle.cancel();
  expect(clock.pending).toBe(0);
});

test('the event queue pops in time order, ties first-in first-out, across growth and cancellations', () => {
  const clock = new VirtualClock();
  const rng = new Rng(7);
  const fired: Array<[number, number]> = [];
  const expected: Array<[number, number]> = [];
  // 500 events on 40 distinct times (many ties), a fifth of them cancelled before they run.
  for (let i = 0; i < 500; i++) {
    const at_ms = Math.floor(rng.next() * 40);
    const handle = clock.at(at_ms, () => fired.push([at_ms, i]));
    if (i % 5 === 0) handle.cancel();
    else expected.push([at_ms, i]);
  }
  expected.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  expect(clock.run()).toBe(400);
  expect(fired).toEqual(expected);
});

test('a cancel after an event has fired changes nothing, and the real clock counts only live events', async () => {
  const clock = new RealClock();
  let runs = 0;
  const handle = await new Promise<{ cancel(): void }>((resolve) => {
    const h = clock.at(clock.now_ms(), () => {
      runs++;
      resolve(h);
    });
  });
  const later = clock.at(clock.now_ms() + 1000, () => undefined);
  handle.cancel();
  expect(runs).toBe(1);
  expect(clock.pending).toBe(1);
  later.cancel();
  later.cancel();
  expect(clock.pending).toBe(0);
});
