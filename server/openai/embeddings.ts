import { mixSeeds, Rng } from '../../common/random';
import type { EmbeddingsRequest } from './schemas';
import type { Tokenizer } from '../../common/text/tokenizer';

const DEFAULT_DIMENSIONS = 1536;

/** A unit vector that depends only on the input text: same text, same embedding. */
export function embedText(text: string, dimensions: number): Float32Array {
  const rng = new Rng(mixSeeds('embedding', text));
  const vector = new Float32Array(dimensions);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    vector[i] = rng.standardNormal();
    norm += vector[i] * vector[i];
  }
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < dimensions; i++) vector[i] /= norm;
  return vector;
}

export function embeddingsResponse(request: EmbeddingsRequest, tokenizer: Tokenizer) {
  const inputs: string[] =
    typeof request.input === 'string'
      ? [request.input]
      : typeof request.input[0] === 'string'
        ? (request.input as string[])
        : typeof request.input[0] === 'number'
          ? [(request.input as number[]).join(' ')]
          : (request.input as number[][]).map((ids) => ids.join(' '));
  const dimensions = request.dimensions ?? DEFAULT_DIMENSIONS;
  let promptTokens = 0;
  const data = inputs.map((text, index) => {
    promptTokens += typeof request.input[0] === 'number' || Array.isArray(request.input[0]) ? text.split(' ').length : tokenizer.count(text);
    const vector = embedText(text, dimensions);
    const embedding = request.encoding_format === 'base64' ? Buffer.from(vector.buffer).toString('base64') : Array.from(vector);
    return { object: 'embedding', index, embedding };
  });
  return { object: 'list', data, model: request.model, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } };
}
