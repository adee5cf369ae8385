import { chatPromptTokenIds, type Tokenizer } from '../../common/text/tokenizer';
import { chatPrompt } from './chat';
import { errors } from './errors';
import type { DetokenizeRequest, TokenizeRequest } from './schemas';

// Non-text parts (images, audio) count 85 tokens each in usage; their ids here are this placeholder.
const NON_TEXT_PLACEHOLDER_ID = 0;

/**
 * vLLM's `/tokenize` answer: the ids the served model would read for this prompt (chat messages
 * rendered by the template, the reply primed), so `count` is what `usage.prompt_tokens` says for the
 * same prompt.
 */
export function tokenizeResponse(request: TokenizeRequest, tokenizer: Tokenizer, maxModelLength: number) {
  let tokens: number[];
  if ('messages' in request) {
    const { messages, templateExtra, imageTokens } = chatPrompt({ messages: request.messages, tools: request.tools, response_format: request.response_format });
    tokens = [...chatPromptTokenIds(tokenizer, messages, templateExtra), ...new Array<number>(imageTokens).fill(NON_TEXT_PLACEHOLDER_ID)];
  } else {
    tokens = tokenizer.encode(request.prompt);
  }
  return {
    count: tokens.length,
    max_model_len: maxModelLength,
    tokens,
    token_strs: request.return_token_strs ? tokens.map((token) => tokenizer.decode([token])) : null,
  };
}

/** vLLM's `/detokenize` answer: the text of the ids. */
export function detokenizeResponse(request: DetokenizeRequest, tokenizer: Tokenizer): { prompt: string } {
  try {
    return { prompt: tokenizer.decode(request.tokens) };
  } catch {
    throw errors.invalidParameter('tokens', `tokens holds an id outside the ${tokenizer.name} vocabulary.`);
  }
}
