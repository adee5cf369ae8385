import { parseDistribution, sampleCount, type Distribution } from '../../common/distributions';
import { Rng } from '../../common/random';
import { generateTokenPieces } from '../../common/text/generator';
import { getTokenizer, type Tokenizer } from '../../common/text/tokenizer';
import type { RequestShape, Workload, WorkloadRequest } from '../types/workload';

export interface SyntheticOptions {
  prompt: Distribution;
  output: Distribution;
  /** Tokens of shared prefix every prompt starts with (prefix-cache workloads). */
  prefix: number;
}

/** Parses the body of `synthetic:prompt=lognormal(512,0.6),output=128,prefix=0`. */
export function parseSyntheticSpec(body: string): SyntheticOptions {
  const options: SyntheticOptions = { prompt: { dist: 'constant', value: 256 }, output: { dist: 'constant', value: 128 }, prefix: 0 };
  // Split on commas that are not inside parentheses.
  for (const part of body.split(/,(?![^(]*\))/).filter(Boolean)) {
    const [key, value] = part.split('=');
    if (value === undefined || value.trim() === '') throw new Error(`--workload synthetic: expected key=value, got "${part}"`);
    try {
      if (key === 'prompt') options.prompt = parseDistribution(value);
      else if (key === 'output') options.output = parseDistribution(value);
      else if (key === 'prefix') options.prefix = prefixTokens(value);
      else throw new Error(`unknown key "${key}" (prompt, output, prefix)`);
    } catch (error) {
      throw new Error(`--workload synthetic: ${key}=${value}: ${(error as Error).message.replace(/^--workload synthetic: /, '')}`);
    }
  }
  return options;
}

const prefixTokens = (text: string): number => {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error('expected a whole number of tokens ≥ 0');
  return value;
};

/** Prompts generated to an exact token count, lengths drawn from the given distributions. */
export class SyntheticWorkload implements Workload {
  readonly size = Infinity;
  private readonly tokenizer: Tokenizer;
  private readonly prefixText: string;

  constructor(
    private readonly options: SyntheticOptions,
    private readonly seed: number,
  ) {
    this.tokenizer = getTokenizer('o200k_base');
    this.prefixText = options.prefix > 0 ? generateTokenPieces(this.tokenizer, options.prefix, new Rng(seed).fork('prefix')).join('') : '';
  }

  get description(): string {
    const show = (distribution: Distribution) => (distribution.dist === 'constant' ? String(distribution.value) : JSON.stringify(distribution));
    return `synthetic prompt=${show(this.options.prompt)} output=${show(this.options.output)}${this.options.prefix ? ` prefix=${this.options.prefix}` : ''}`;
  }

  shape(index: number): RequestShape {
    const rng = new Rng(this.seed).fork(index);
    const promptTokens = sampleCount(this.options.prompt, rng.fork('prompt'), 1);
    const shape: RequestShape = { index, promptTokens, outputTokens: sampleCount(this.options.output, rng.fork('output'), 1) };
    // Every prompt starts with the same prefix text: one shared block of that many tokens.
    if (this.options.prefix > 0 && promptTokens > this.options.prefix) shape.sharedBlocks = { blockTokens: this.options.prefix, hashes: [`synthetic-prefix:${this.seed}`] };
    return shape;
  }

  request(index: number): WorkloadRequest {
    const rng = new Rng(this.seed).fork(index);
    const { promptTokens, outputTokens } = this.shape(index);
    const bodyTokens = Math.max(1, promptTokens - this.options.prefix);
    // Prefix and body join at a word boundary, so the counts add up.
    const prompt = this.prefixText + (this.prefixText ? ' ' : '') + generateTokenPieces(this.tokenizer, bodyTokens, rng.fork('text')).join('');
    return { index, prompt, promptTokens: this.tokenizer.count(prompt), outputTokens };
  }
}

