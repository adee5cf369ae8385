import { mixSeeds, Rng } from '../../common/random';
import { sampleCount } from '../../common/distributions';
import { generateTokenPieces } from '../../common/text/generator';
import { generateJsonInstance } from '../../common/text/json-instance';
import { piecesOf, type Tokenizer } from '../../common/text/tokenizer';
import { drawReasoningTokens, exceedsContextLength, type ReasoningConfig, type ReasoningEffort } from '../profiles/common';
import type { Distribution } from '../../common/distributions';
import { errors } from './errors';
import type { ScriptedResponder } from './scripted';

export type FinishReason = 'stop' | 'length' | 'tool_calls';
export type ResponseMode = 'generate' | 'echo' | 'scripted';

export interface FunctionTool {
  name: string;
  parameters?: Record<string, unknown>;
}

export type ResponseFormat = { type: 'text' } | { type: 'json_object' } | { type: 'json_schema'; schema?: Record<string, unknown> };

/** What any generation endpoint asks for, once its own request shape is normalised. */
export interface GenerationSpec {
  /** The prompt's text (all messages, role-prefixed), for default seeding. */
  promptText: string;
  /** The last user message, which echo mode repeats. */
  lastUserText: string;
  lastRole: string;
  promptTokens: number;
  /** The prompt's token ids as the model sees them, computed only when a prefix cache hashes them. */
  promptTokenIds?: () => number[];
  maxTokens?: number;
  minTokens?: number;
  ignoreEos: boolean;
  stop: string[];
  n: number;
  seed?: number;
  tools: FunctionTool[];
  toolChoice: 'none' | 'auto' | 'required' | { name: string };
  responseFormat: ResponseFormat;
  reasoningEffort?: ReasoningEffort;
  topLogprobs?: number;
}

export interface PlannedToolCall {
  id: string;
  name: string;
  arguments: string;
  argumentPieces: string[];
}

export interface TokenLogprob {
  token: string;
  logprob: number;
  bytes: number[];
  top_logprobs: Array<{ token: string; logprob: number; bytes: number[] }>;
}

/** Everything one choice will say, decided before the first token is timed. */
export interface ChoicePlan {
  index: number;
  reasoningPieces: string[];
  contentPieces: string[];
  toolCalls: PlannedToolCall[];
  finishReason: FinishReason;
  /** Tokens this choice decodes: reasoning + content or tool-call arguments. */
  completionTokens: number;
  reasoningTokens: number;
  /** Whether reasoning text is shown (`reasoning_content`) or only counted. */
  reasoningVisible: boolean;
  logprobs?: TokenLogprob[];
}

export interface PlannerContext {
  tokenizer: Tokenizer;
  contextLength: number;
  outputTokens: Distribution;
  reasoning?: ReasoningConfig;
  serverSeed: number;
  mode: ResponseMode;
  scripted?: ScriptedResponder;
}

/** Validates lengths against the context window and plans each of the `n` choices. */
export function planChoices(spec: GenerationSpec, context: PlannerContext): ChoicePlan[] {
  const room = context.contextLength - spec.promptTokens;
  if (exceedsContextLength(context.contextLength, spec.promptTokens, spec.maxTokens)) {
    throw errors.contextLengthExceeded(context.contextLength, spec.promptTokens, spec.maxTokens ?? 0);
  }
  const requestSeed = spec.seed ?? mixSeeds('prompt', spec.promptText);
  return Array.from({ length: spec.n }, (_, index) => planChoice(spec, context, index, new Rng(mixSeeds(context.serverSeed, requestSeed, index)), room));
}

function planChoice(spec: GenerationSpec, context: PlannerContext, index: number, rng: Rng, room: number): ChoicePlan {
  const { tokenizer } = context;
  const budget = Math.min(spec.maxTokens ?? room, room);

  let reasoningPieces: string[] = [];
  if (context.reasoning) {
    const drawn = drawReasoningTokens(context.reasoning, spec.reasoningEffort, rng.fork('reasoning'));
    reasoningPieces = generateTokenPieces(tokenizer, Math.min(budget, drawn), rng.fork('reasoning-text'));
  }
  const visibleBudget = budget - reasoningPieces.length;

  const plan: ChoicePlan = {
    index,
    reasoningPieces,
    contentPieces: [],
    toolCalls: [],
    finishReason: 'stop',
    completionTokens: 0,
    reasoningTokens: reasoningPieces.length,
    reasoningVisible: context.reasoning?.stream_reasoning ?? false,
  };

  const tool = chooseTool(spec, rng);
  const scripted = context.mode === 'scripted' ? context.scripted?.match(spec.lastUserText) : undefined;
  if (scripted?.tool_call || (!scripted && tool)) {
    const name = scripted?.tool_call?.name ?? tool!.name;
    const args = scripted?.tool_call ? JSON.stringify(scripted.tool_call.arguments ?? {}) : JSON.stringify(generateJsonInstance(tool!.parameters, rng.fork('tool')));
    const argumentPieces = piecesOf(tokenizer, args);
    plan.toolCalls.push({ id: `call_${rng.int(0, 2 ** 31).toString(36)}${rng.int(0, 2 ** 31).toString(36)}`, name, arguments: args, argumentPieces });
    plan.finishReason = 'tool_calls';
    plan.completionTokens = reasoningPieces.length + argumentPieces.length + tokenizer.count(name);
    return plan;
  }

  let pieces: string[];
  let natural = true;
  if (scripted?.response !== undefined) pieces = piecesOf(tokenizer, scripted.response);
  else if (context.mode === 'echo') pieces = piecesOf(tokenizer, spec.lastUserText);
  else if (spec.responseFormat.type !== 'text') {
    const schema = spec.responseFormat.type === 'json_schema' ? spec.responseFormat.schema : undefined;
    pieces = schema ? piecesOf(tokenizer, JSON.stringify(generateJsonInstance(schema, rng.fork('json')))) : jsonObjectAnswer(tokenizer, sampleCount(context.outputTokens, rng.fork('length'), 1, 400), visibleBudget, rng);
  } else {
    natural = false;
    const drawn = sampleCount(context.outputTokens, rng.fork('length'), 1);
    let target = spec.ignoreEos ? (spec.maxTokens !== undefined ? visibleBudget : drawn) : Math.max(drawn, spec.minTokens ?? 0);
    target = Math.max(0, Math.min(target, visibleBudget));
    pieces = generateTokenPieces(tokenizer, target, rng.fork('text'));
    plan.finishReason = target >= visibleBudget && spec.maxTokens !== undefined ? 'length' : 'stop';
  }
  if (natural && pieces.length > visibleBudget) {
    pieces = pieces.slice(0, Math.max(0, visibleBudget));
    plan.finishReason = 'length';
  }

  const truncated = applyStopSequences(pieces, spec.stop);
  if (truncated) {
    pieces = truncated;
    plan.finishReason = 'stop';
  }
  plan.contentPieces = pieces;
  const contentTokens = truncated ? tokenizer.count(pieces.join('')) : pieces.length;
  plan.completionTokens = reasoningPieces.length + contentTokens;
  if (spec.topLogprobs !== undefined) plan.logprobs = fakeLogprobs(pieces, spec.topLogprobs, rng.fork('logprobs'));
  return plan;
}

/**
 * A `json_object` answer, `{"answer": "…"}`, of about `wanted` tokens of text, shortened until the
 * whole object fits `budget` tokens: a model asked for JSON closes it when it has room. Only a budget
 * too small for the braces themselves leaves it cut (`length`).
 */
function jsonObjectAnswer(tokenizer: Tokenizer, wanted: number, budget: number, rng: Rng): string[] {
  let textTokens = wanted;
  let pieces: string[] = [];
  // Escaping can change the count, so measure the encoded object and shorten by the excess.
  for (let attempt = 0; attempt < 6; attempt++) {
    pieces = piecesOf(tokenizer, JSON.stringify({ answer: generateTokenPieces(tokenizer, textTokens, rng.fork('text')).join('') }));
    if (pieces.length <= budget || textTokens === 0) break;
    textTokens = Math.max(0, textTokens - (pieces.length - budget) - attempt);
  }
  return pieces;
}

function chooseTool(spec: GenerationSpec, rng: Rng): FunctionTool | undefined {
  if (spec.tools.length === 0 || spec.toolChoice === 'none') return undefined;
  if (typeof spec.toolChoice === 'object') {
    const name = spec.toolChoice.name;
    const tool = spec.tools.find((candidate) => candidate.name === name);
    if (!tool) throw errors.invalidParameter('tool_choice', `tool_choice names function "${name}", which is not among the tools.`);
    return tool;
  }
  // `auto` calls a tool on a fresh user turn and answers in text once tool results are back.
  if (spec.toolChoice === 'auto' && spec.lastRole === 'tool') return undefined;
  return rng.fork('tool-choice').pick(spec.tools);
}

/** Cuts the pieces before the earliest stop string (which is not included, as OpenAI does). */
function applyStopSequences(pieces: string[], stops: string[]): string[] | undefined {
  if (stops.length === 0) return undefined;
  const text = pieces.join('');
  let cut = -1;
  for (const stop of stops) {
    if (!stop) continue;
    const at = text.indexOf(stop);
    if (at >= 0 && (cut < 0 || at < cut)) cut = at;
  }
  if (cut < 0) return undefined;
  const kept: string[] = [];
  let length = 0;
  for (const piece of pieces) {
    if (length + piece.length <= cut) kept.push(piece);
    else {
      const partial = piece.slice(0, cut - length);
      if (partial) kept.push(partial);
      break;
    }
    length += piece.length;
  }
  return kept;
}

function utf8Bytes(text: string): number[] {
  return Array.from(Buffer.from(text, 'utf8'));
}

function fakeLogprobs(pieces: string[], top: number, rng: Rng): TokenLogprob[] {
  const alternatives = [' the', ' a', ' and', ' of', ',', '.', ' to', ' in'];
  return pieces.map((token) => {
    const logprob = -Math.abs(rng.normal(0, 0.6));
    const others = alternatives.filter((alt) => alt !== token).slice(0, Math.max(0, top - 1));
    const topLogprobs = top > 0 ? [{ token, logprob, bytes: utf8Bytes(token) }] : [];
    others.forEach((alt, i) => topLogprobs.push({ token: alt, logprob: logprob - 1.5 - i - rng.next(), bytes: utf8Bytes(alt) }));
    return { token, logprob, bytes: utf8Bytes(token), top_logprobs: topLogprobs };
  });
}
