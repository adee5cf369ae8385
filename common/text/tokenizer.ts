import type * as Encoding from 'gpt-tokenizer/encoding/o200k_base';

/** The tokenizers bundled offline by gpt-tokenizer that tokenbench can count with. */
export const TOKENIZER_NAMES = ['o200k_base', 'cl100k_base'] as const;
export type TokenizerName = (typeof TOKENIZER_NAMES)[number];

export interface Tokenizer {
  readonly name: TokenizerName;
  encode(text: string): number[];
  decode(tokens: number[]): string;
  count(text: string): number;
  /** The chat template's control tokens (ChatML: <|im_start|>, <|im_sep|>, <|im_end|>). */
  readonly chatTokens: { start: number; separator: number; end: number };
}

// Loaded on first use: their rank tables take ~0.4 s to load, which every CLI command (even --version) paid.
const ENCODINGS: Record<TokenizerName, () => typeof Encoding> = {
  o200k_base: () => require('gpt-tokenizer/encoding/o200k_base') as typeof Encoding,
  cl100k_base: () => require('gpt-tokenizer/encoding/cl100k_base') as typeof Encoding,
};
const NO_SPECIAL_TOKENS = new Set<string>();
const SHORT_TEXT_CHARS = 64;
const SHORT_COUNT_ENTRIES = 10_000;
const cache = new Map<TokenizerName, Tokenizer>();

export function getTokenizer(name: TokenizerName = 'o200k_base'): Tokenizer {
  let tokenizer = cache.get(name);
  if (!tokenizer) {
    const load = ENCODINGS[name];
    if (!load) throw new Error(`unknown tokenizer "${name}" (known: ${TOKENIZER_NAMES.join(', ')})`);
    const encoding = load();
    // Special-token text in user input is counted as plain text, never as control tokens.
    const encode = (text: string) => encoding.encode(text, { disallowedSpecial: NO_SPECIAL_TOKENS });
    const shortCounts = new Map<string, number>();
    const special = (token: string) => encoding.encode(token, { allowedSpecial: new Set([token]) })[0];
    tokenizer = {
      name,
      chatTokens: { start: special(encoding.ImStart), separator: special(encoding.ImSep), end: special(encoding.ImEnd) },
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

/**
 * The prompt as token ids, rendered in ChatML so that it has exactly `countChatPromptTokens` tokens:
 * per message <|im_start|> role [: name] <|im_sep|> content <|im_end|>, the template's extra text,
 * and the reply primed with <|im_start|> assistant <|im_sep|>. What `/tokenize` returns.
 */
export function chatPromptTokenIds(tokenizer: Tokenizer, messages: CountableMessage[], extraText = ''): number[] {
  const { start, separator, end } = tokenizer.chatTokens;
  const ids: number[] = [];
  for (const message of messages) {
    ids.push(start, ...tokenizer.encode(message.role));
    if (message.name) ids.push(...tokenizer.encode(':').slice(0, 1), ...tokenizer.encode(message.name));
    ids.push(separator, ...tokenizer.encode(message.content), end);
  }
  if (extraText) ids.push(...tokenizer.encode(extraText));
  ids.push(start, ...tokenizer.encode('assistant'), separator);
  return ids;
}

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
