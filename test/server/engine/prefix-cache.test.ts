import fc from 'fast-check';
import { BatchEngine, BlockPool, blockHashesOfTokens, coarseBlockHashes, VirtualClock } from '../../../server/engine';
import { testEngineConfig } from '../../helpers/engine-config';
import { Rng } from '../../../common/random';

describe('the block pool', () => {
  test('shared blocks are reference counted; freed cached blocks are evicted least recently freed first, a sequence’s last block first', () => {
    const pool = new BlockPool(6);
    // Sequence A: prompt blocks a1 a2 (computed, registered) and one fresh block for its answer.
    const a = pool.allocate(['a1', 'a2'], 0, 3)!;
    expect(a).toEqual([0, 1, 2]);
    pool.register(a[0], 'a1');
    pool.register(a[1], 'a2');
    // Sequence B shares A's prefix: both prompt blocks are found, and referenced twice.
    expect(pool.cachedPrefix(['a1', 'a2', 'b3'])).toBe(2);
    const b = pool.allocate(['a1', 'a2', 'b3'], 2, 1)!;
    expect(b).toEqual([0, 1, 3]);
    expect([pool.refsOf(0), pool.refsOf(1), pool.refsOf(2), pool.refsOf(3)]).toEqual([2, 2, 1, 1]);
    expect(pool.usedBlocks).toBe(4);
    pool.release(a);
    // A's answer block (never cached) is free again; its prompt blocks are still B's.
    expect([pool.refsOf(0), pool.refsOf(1), pool.refsOf(2)]).toEqual([1, 1, 0]);
    expect(pool.evictionOrder()).toEqual([]);
    pool.register(b[2], 'b3');
    pool.release(b);
    // Freed in reverse: b3 (its last block) is the first to be evicted, then a2, then a1.
    expect(pool.evictionOrder()).toEqual([3, 1, 0]);
    expect(pool.usedBlocks).toBe(0);
    expect(pool.freeBlocks).toBe(6);
    // A new prompt needing 5 fresh blocks takes the 3 never-cached ones (2, 4, 5), then evicts b3 and a2, in that order.
    const c = pool.allocate(['c1'], 0, 5)!;
    expect(c.slice(3)).toEqual([3, 1]);
    expect(pool.evicted).toBe(2);
    expect(pool.cachedPrefix(['a1', 'a2'])).toBe(1);
  });

  test('a block taken back from the evictable list keeps its prefix; a cached hit costs a free block only when it sat evictable', () => {
    const pool = new BlockPool(4);
    const a = pool.allocate([], 0, 2)!;
    pool.register(a[0], 'p1');
    pool.release(a);
    expect(pool.freeNeeded(['p1'], 1, 1)).toBe(2);
    const b = pool.allocate(['p1'], 1, 1)!;
    expect(b[0]).toBe(a[0]);
    expect(pool.freeNeeded(['p1'], 1, 1)).toBe(1);
    expect(() => pool.release([...b, b[0]])).toThrow(/released more often than taken/);
  });

  test('block hashes chain: equal prefixes give equal hashes, a difference changes every later one', () => {
    const ids = Array.from({ length: 64 }, (_, index) => index);
    const same = blockHashesOfTokens(ids, 16);
    expect(same).toHaveLength(4);
    expect(blockHashesOfTokens([...ids, 99, 98], 16)).toEqual(same);
    const changed = blockHashesOfTokens([...ids.slice(0, 20), 999, ...ids.slice(21)], 16);
    expect(changed[0]).toBe(same[0]);
    expect(changed.slice(1).some((hash, index) => hash === same[index + 1])).toBe(false);
    // A trace's 512-token blocks become 32 engine blocks each; a partial block covers only its full engine blocks.
    const trace = coarseBlockHashes({ blockTokens: 512, hashes: [7, 8] }, 512 + 40, 16);
    expect(trace).toHaveLength(32 + 2);
    expect(coarseBlockHashes({ blockTokens: 512, hashes: [7, 9] }, 1024, 16).slice(0, 32)).toEqual(trace.slice(0, 32));
    expect(coarseBlockHashes({ blockTokens: 512, hashes: [6, 8] }, 1024, 16)[33]).not.toBe(trace[33]);
  });
});

describe('block accounting never leaks or double-frees (fast-check)', () => {
  test('random admit / grow / finish / cancel sequences on the pool', () => {
    type Op = { kind: 'admit'; prefix: number; length: number; fresh: number } | { kind: 'grow'; which: number; count: number } | { kind: 'free'; which: number; register: boolean };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('admit' as const), prefix: fc.integer({ min: 0, max: 3 }), length: fc.integer({ min: 0, max: 4 }), fresh: fc.integer({ min: 0, max: 4 }) }),
      fc.record({ kind: fc.constant('grow' as const), which: fc.nat(), count: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ kind: fc.constant('free' as const), which: fc.nat(), register: fc.boolean() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const pool = new BlockPool(12);
        const live: Array<{ ids: number[]; hashes: string[] }> = [];
        for (const step of ops) {
          if (step.kind === 'admit') {
            // Prompts from four families, sharing prefixes within a family.
            const hashes = Array.from({ length: step.length }, (_, index) => `f${step.prefix}-b${index}`);
            const cached = pool.cachedPrefix(hashes);
            const ids = pool.allocate(hashes, cached, step.fresh + step.length - cached);
            if (ids) live.push({ ids, hashes });
          } else if (live.length > 0) {
            const sequence = live[step.which % live.length];
            if (step.kind === 'grow') sequence.ids.push(...(pool.grow(step.count) ?? []));
            else {
              // Finish (registering its computed prompt blocks first) or cancel/preempt (releasing as is).
              if (step.register) sequence.hashes.forEach((hash, index) => pool.register(sequence.ids[index], hash));
              pool.release(sequence.ids);
              live.splice(live.indexOf(sequence), 1);
            }
          }
          // Every block's count is the number of live sequences holding it; used + free is the whole pool.
          const holders = new Map<number, number>();
          for (const sequence of live) for (const id of sequence.ids) holders.set(id, (holders.get(id) ?? 0) + 1);
          for (let id = 0; id < 12; id++) if (pool.refsOf(id) !== (holders.get(id) ?? 0)) return false;
          if (pool.usedBlocks !== holders.size || pool.usedBlocks + pool.freeBlocks !== 12) return false;
        }
        for (const sequence of live) pool.release(sequence.ids);
        return pool.usedBlocks === 0 && pool.freeBlocks === 12;
      }),
      { numRuns: 300 },
    );
  });

  test('random submissions and cancellations on a small batch engine, preemptions and KV arriving from a prefill replica included, end with every block free', () => {
    // A cache of 40 blocks and a small token budget: preemptions and chunked prefills are common.
    const config = testEngineConfig({ stepSeconds: (shape) => 0.001 + 1e-5 * (shape.prefillTokens + shape.decodeSeqs), kvCapacityTokens: 16 * 40, maxNumBatchedTokens: 128 });
    const request = fc.record({ family: fc.integer({ min: 0, max: 2 }), prompt: fc.integer({ min: 1, max: 160 }), output: fc.integer({ min: 1, max: 120 }), at_ms: fc.integer({ min: 0, max: 200 }), cancelAfter_ms: fc.option(fc.integer({ min: 0, max: 300 })), kvTransferred: fc.boolean() });
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 30 }), (requests) => {
        const clock = new VirtualClock();
        const engine = new BatchEngine(clock, config, new Rng(1));
        let finished = 0;
        let cancelled = 0;
        requests.forEach((spec, index) => {
          clock.at(spec.at_ms, () => {
            const hashes = coarseBlockHashes({ blockTokens: 16, hashes: Array.from({ length: 10 }, (_, block) => `${spec.family}:${block}`) }, spec.prompt, 16);
            let done = false;
            const handle = engine.submit({ id: String(index), promptTokens: spec.prompt, outputTokens: spec.output, blockHashes: hashes, kvTransferred: spec.kvTransferred }, { onTokens() {}, onFinished: () => ((done = true), finished++) });
            if (spec.cancelAfter_ms !== null) clock.at(spec.at_ms + spec.cancelAfter_ms, () => !done && (handle.cancel(), (done = true), cancelled++));
          });
        });
        clock.run();
        const stats = engine.stats();
        return finished + cancelled === requests.length && stats.running === 0 && stats.waiting === 0 && engine.blocks.usedBlocks === 0 && engine.blocks.freeBlocks === engine.blocks.totalBlocks && stats.kvBlocksUsed === 0;
      }),
      { numRuns: 150 },
    );
  });
});

test('a prompt that shares a cached prefix prefills only the rest: its first token comes sooner, by the saved prefill', () => {
  const config = testEngineConfig({ stepSeconds: (shape) => 0.002 + 1e-5 * shape.prefillTokens, kvCapacityTokens: 16 * 1000 });
  const ttftOf = (prefixCaching: boolean) => {
    const clock = new VirtualClock();
    const engine = new BatchEngine(clock, { ...config, prefixCaching }, new Rng(1));
    const hashes = coarseBlockHashes({ blockTokens: 1024, hashes: ['system-prompt'] }, 2000, 16);
    const first: number[] = [];
    const cached: number[] = [];
    for (const id of ['a', 'b']) {
      clock.at(id === 'a' ? 0 : 100, () => {
        const sent = clock.now_ms();
        engine.submit({ id, promptTokens: 2000, outputTokens: 2, blockHashes: hashes }, { onScheduled: (_at, tokens) => cached.push(tokens), onTokens: (_count, at) => first.length < (id === 'a' ? 1 : 2) && first.push(at - sent), onFinished() {} });
      });
    }
    clock.run();
    return { first, cached, stats: engine.stats() };
  };
  const on = ttftOf(true);
  const off = ttftOf(false);
  // 2,000 prompt tokens: 2 ms + 20 ms. The second finds 1,024 cached (64 blocks): 2 ms + 9.76 ms.
  expect(on.first[0]).toBeCloseTo(22, 9);
  expect(on.cached).toEqual([0, 1024]);
  expect(on.first[1]).toBeCloseTo(2 + 0.01 * (2000 - 1024), 9);
  expect(off.cached).toEqual([0, 0]);
  expect(off.first[1]).toBeCloseTo(22, 9);
  expect(on.stats.prefixCacheQueries).toBe(4000);
  expect(on.stats.prefixCacheHits).toBe(1024);
});
