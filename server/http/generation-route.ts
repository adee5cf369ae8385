import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { randomBytes } from 'node:crypto';
import { errors } from '../openai/errors';
import type { EndpointFormat, ResponseIdentity } from '../openai/endpoint';
import { usageOf } from '../openai/endpoint';
import { startGeneration, type Delta } from '../openai/generation';
import { planChoices, type ChoicePlan } from '../openai/plan';
import { QueueFullError, type GenerationHandle } from '../engine/types';
import { blockHashesOfTokens } from '../engine/block-hashes';
import { SseWriter } from './sse-writer';
import { decideFaults, FAULT_HEADER } from './faults';
import type { ServerContext } from './context';
import { parseBody } from './validation';
import { sendJson } from './node-io';

// Response ids: a per-process random prefix and a counter (unique, and cheaper than random bytes per request).
const ID_PREFIX = randomBytes(6).toString('hex');
let idCounter = 0;

/** A POST route that takes its already-parsed JSON body; a thrown error becomes the OpenAI error answer. */
export type JsonRoute = (body: unknown, req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * One handler serves chat completions, completions and responses: parse → plan → run through the
 * model's engine → stream frames (or answer whole) as the endpoint's format writes them.
 */
export function generationRoute<Schema extends z.ZodType<{ model: string }>>(schema: Schema, format: EndpointFormat<z.infer<Schema>>, context: ServerContext): JsonRoute {
  return async (body, req, res) => {
    const parsed = parseBody(schema, body);
    const request = format.withHistory ? format.withHistory(parsed, context.responses) : parsed;
    const model = context.models.get(request.model);
    if (!model) throw errors.modelNotFound(request.model);
    const spec = format.toSpec(request, model.tokenizer);
    const plans = planChoices(spec, {
      tokenizer: model.tokenizer,
      contextLength: model.profile.context_length,
      outputTokens: model.profile.output_tokens,
      reasoning: model.profile.reasoning,
      serverSeed: context.seed,
      mode: context.mode,
      scripted: context.scripted,
    });

    const faults = decideFaults(req.headers[FAULT_HEADER], model.profile.faults, context.faultRng);
    const faultConfig = model.profile.faults;
    for (const status of ['429', '500', '503'] as const) {
      if (!faults.has(status)) continue;
      context.metrics.faults.inc({ model_name: model.base, fault: status });
      if (status === '429') throw errors.rateLimited(faultConfig.retry_after_s, model.base);
      if (status === '500') throw errors.internal();
      throw errors.unavailable(faultConfig.retry_after_s);
    }
    if (faults.has('slow-first-byte')) {
      context.metrics.faults.inc({ model_name: model.base, fault: 'slow-first-byte' });
      await new Promise((resolve) => setTimeout(resolve, faultConfig.slow_first_byte_ms || 1000));
      if (res.destroyed) return;
    }

    const identity: ResponseIdentity = { id: format.idPrefix + ID_PREFIX + (idCounter++).toString(16).padStart(12, '0'), created_s: Math.floor(Date.now() / 1000), model: request.model };
    const usage = usageOf(spec.promptTokens, plans);
    const clock = model.engine.clock;
    const arrival_ms = clock.now_ms();
    const timing = { scheduled_ms: arrival_ms, first_ms: undefined as number | undefined, last_ms: arrival_ms, cachedTokens: 0 };
    const onScheduled = (at_ms: number, cachedTokens: number) => {
      timing.scheduled_ms = at_ms;
      // In the model's tokens; the engine's may differ by the profile's prompt_token_ratio.
      timing.cachedTokens = Math.min(spec.promptTokens, cachedTokens);
      usage.prompt_tokens_details.cached_tokens = timing.cachedTokens;
    };
    const totalSlots = plans.reduce((sum, plan) => sum + plan.reasoningTokens + Math.max(plan.contentPieces.length, plan.toolCalls[0]?.argumentPieces.length ?? 0), 0);
    let deliveredSlots = 0;

    const modelSeries = context.metrics.forModel(model.base);
    const observeToken = (delta: Delta) => {
      // vLLM's TTFT is the first generated token, hidden reasoning included.
      if (timing.first_ms === undefined) timing.first_ms = delta.due_ms;
      else {
        const gap_s = (delta.due_ms - timing.last_ms) / 1000 / delta.tokens;
        for (let i = 0; i < delta.tokens; i++) modelSeries.itl.observe(gap_s);
      }
      timing.last_ms = delta.due_ms;
    };
    const finishObservation = (end_ms: number) => {
      const ttft_ms = timing.first_ms;
      context.metrics.observeRequest({
        model: model.base,
        // vLLM's finished_reason values are stop, length and abort: a tool call finished as stop.
        finishReason: plans[0]?.finishReason === 'length' ? 'length' : 'stop',
        promptTokens: spec.promptTokens,
        cachedTokens: timing.cachedTokens,
        generationTokens: usage.completion_tokens,
        maxChoiceGenerationTokens: Math.max(0, ...plans.map((plan) => plan.completionTokens)),
        maxTokens: spec.maxTokens,
        n: plans.length,
        queue_s: (timing.scheduled_ms - arrival_ms) / 1000,
        ttft_s: ttft_ms === undefined ? undefined : (ttft_ms - arrival_ms) / 1000,
        prefill_s: ttft_ms === undefined ? undefined : (ttft_ms - timing.scheduled_ms) / 1000,
        decode_s: ttft_ms === undefined ? undefined : (end_ms - ttft_ms) / 1000,
        e2e_s: (end_ms - arrival_ms) / 1000,
      });
      if (ttft_ms !== undefined && usage.completion_tokens > 1) {
        modelSeries.tpot.observe((end_ms - ttft_ms) / 1000 / (usage.completion_tokens - 1));
      }
    };

    let handle: GenerationHandle | undefined;
    const submit = (listener: Parameters<typeof startGeneration>[4]) => {
      try {
        const blockSize = model.engine.prefixBlockSize;
        const blockHashes = blockSize && spec.promptTokenIds ? blockHashesOfTokens(spec.promptTokenIds(), blockSize) : undefined;
        handle = startGeneration(model.engine, identity.id, spec.promptTokens, plans, listener, model.adapter, blockHashes);
      } catch (error) {
        if (error instanceof QueueFullError) throw errors.queueFull(error.retryAfter_s);
        throw error;
      }
    };
    const onClientGone = () => {
      if (!res.writableFinished && handle) {
        handle.cancel();
        context.metrics.cancelled.inc({ model_name: model.base });
      }
    };

    if (!format.wantsStream(request)) {
      await new Promise<void>((resolve, reject) => {
        res.on('close', () => {
          onClientGone();
          resolve();
        });
        try {
          submit({
            onScheduled,
            onDelta: observeToken,
            onFinished: (at_ms) => {
              finishObservation(at_ms);
              format.remember?.(identity, plans, usage, request, context.responses);
              sendJson(res, 200, format.complete(identity, plans, usage, request));
              resolve();
            },
          });
        } catch (error) {
          reject(error);
        }
      });
      return;
    }

    const writer = new SseWriter(res, { stampWrites: context.stampWrites });
    let faultFired = false;
    const maybeInjectMidStreamFault = () => {
      if (faultFired || deliveredSlots < totalSlots / 2) return;
      if (faults.has('disconnect')) {
        faultFired = true;
        context.metrics.faults.inc({ model_name: model.base, fault: 'disconnect' });
        handle?.cancel();
        res.destroy();
      } else if (faults.has('stall')) {
        faultFired = true;
        context.metrics.faults.inc({ model_name: model.base, fault: 'stall' });
        writer.stall(faultConfig.stall_ms);
      }
    };
    res.on('close', () => {
      writer.dispose();
      onClientGone();
    });
    let outputStarted = false;
    const startOutput = () => {
      if (outputStarted) return;
      outputStarted = true;
      if (format.streamFirstOutput) writer.write(format.streamFirstOutput(identity, plans, request));
    };
    // Choices whose finish reason already went out on their last delta.
    const finishSent = new Set<ChoicePlan>();
    submit({
      onScheduled,
      onDelta: (delta) => {
        observeToken(delta);
        deliveredSlots += delta.tokens;
        if (delta.kind === 'reasoning' && !delta.choice.reasoningVisible) return;
        startOutput();
        if (delta.last && format.finishesOnLastDelta) finishSent.add(delta.choice);
        writer.write(format.streamDelta(identity, delta, request));
        context.metrics.writeLag.observe(Math.max(0, clock.now_ms() - delta.due_ms) / 1000);
        maybeInjectMidStreamFault();
      },
      onChoiceFinished: (plan: ChoicePlan) => {
        startOutput();
        if (!finishSent.has(plan)) writer.write(format.streamChoiceEnd(identity, plan, request));
      },
      onFinished: (at_ms) => {
        finishObservation(at_ms);
        format.remember?.(identity, plans, usage, request, context.responses);
        startOutput();
        writer.end(format.streamEnd(identity, plans, usage, request));
      },
    });
    // Headers go out once the request is accepted, so a full queue can still answer 429.
    writer.open();
    writer.write(format.streamStart(identity, plans, request, usage));
  };
}
