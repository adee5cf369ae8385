import * as o200k from 'gpt-tokenizer/encoding/o200k_base';
import * as cl100k from 'gpt-tokenizer/encoding/cl100k_base';

/** The tokenizers bundled offline by gpt-tokenizer that tokenbench can count with. */
export const TOKENIZER_NAMES = ['o200k_base', 'cl100k_base'] as const;
export type TokenizerName = (typeof TOKENIZER_NAMES)[number];

export interface Tokenizer {
  readonly name: TokenizerName;
  encode(text: string): number[];
  decode(tokens: number[]): string;
  count(text: string): number;
}

const ENCODINGS = { o200k_base: o200k, cl100k_base: cl100k } as const;
const NO_SPECIAL_TOKENS = new Set<string>();
const SHORT_TEXT_CHARS = 64;
const SHORT_COUNT_ENTRIES = 10_000;
const cache = new Map<TokenizerName, Tokenizer>();

export function getTokenizer(name: TokenizerName = 'o200k_base'): Tokenizer {
  let tokenizer = cache.get(name);
  if (!tokenizer) {
    const encoding = ENCODINGS[name];
    if (!encoding) throw new Error(`unknown tokenizer "${name}" (known: ${TOKENIZER_NAMES.join(', ')})`);
    // Special-token text in user input is counted as plain text, never as control tokens.
    const encode = (text: string) => encoding.encode(text, { disallowedSpecial: NO_SPECIAL_TOKENS });
    const shortCounts = new Map<string, number>();
    tokenizer = {
      name,
      encode,
      decode: (tokens) => encoding.decode(tokens),
      count: (text) => {
        if (text.length === 0) return 0;
        if (text.length > SHORT_TEXT_CHARS) return encode(text).length;
        // Roles, names and short messages recur on every request; their counts are remembered.
        let count = shortCounts.get(text);
        if (count === undefined) {
          if (shortCounts.size >= SHORT_COUNT_ENTRIES) shortCounts.clear();
          shortCounts.set(text, (count = encode(text).length));
        }
        return count;
      },
    };
    cache.set(name, tokenizer);
  }
  return tokenizer;
}

/** The text as the strings a stream sends, one per token. */
export function piecesOf(tokenizer: Tokenizer, text: string): string[] {
  return tokenizer.encode(text).map((token) => tokenizer.decode([token]));
}

/** A chat message as far as token counting is concerned. */
export interface CountableMessage {
  role: string;
  content: string;
  name?: string;
}

// OpenAI's documented chat-format accounting ("How to count tokens with tiktoken", openai-cookbook):
// every message costs 3 tokens of framing plus its fields, a name 1 more, and the reply is primed with 3.
export const TOKENS_PER_MESSAGE = 3;
export const TOKENS_PER_NAME = 1;
export const TOKENS_REPLY_PRIMING = 3;

export function countChatPromptTokens(tokenizer: Tokenizer, messages: CountableMessage[], extraText = ''): number {
  let total = TOKENS_REPLY_PRIMING;
  for (const message of messages) {
    total += TOKENS_PER_MESSAGE + tokenizer.count(message.role) + tokenizer.count(message.content);
    if (message.name) total += TOKENS_PER_NAME + tokenizer.count(message.name);
  }
  // Tool definitions and schemas are rendered into the prompt by real chat templates.
  if (extraText) total += tokenizer.count(extraText);
  return total;
}
