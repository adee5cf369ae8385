import { CORPUS } from './corpus';
import { piecesOf, type Tokenizer } from './tokenizer';
import type { Rng } from '../random';

/** One corpus word (or punctuation mark) with its tokens decoded one by one. */
interface Chunk {
  pieces: string[];
  /** The pieces without the leading space, as the answer's first word (tokenized on first use). */
  leadingPieces?: string[];
}

interface PreparedCorpus {
  chunks: Chunk[];
  /** Indices of chunks that begin a sentence: answers start there. */
  sentenceStarts: number[];
}

const prepared = new WeakMap<Tokenizer, PreparedCorpus>();

function prepareCorpus(tokenizer: Tokenizer): PreparedCorpus {
  let corpus = prepared.get(tokenizer);
  if (corpus) return corpus;
  const words = (' ' + CORPUS.replace(/\s+/g, ' ').trim()).match(/ ?[A-Za-z]+|[.,]/g) ?? [];
  const chunks: Chunk[] = [];
  const sentenceStarts: number[] = [];
  let atSentenceStart = true;
  for (const word of words) {
    if (atSentenceStart && /[A-Za-z]/.test(word)) sentenceStarts.push(chunks.length);
    atSentenceStart = word === '.';
    chunks.push({ pieces: piecesOf(tokenizer, word) });
  }
  corpus = { chunks, sentenceStarts };
  prepared.set(tokenizer, corpus);
  return corpus;
}

/**
 * Natural-looking text of exactly `tokenCount` tokens, as the list of per-token strings a stream
 * sends. Deterministic for a given rng state. Words that would overshoot the count are skipped
 * for the next one that fits, so the concatenation re-tokenizes to exactly `tokenCount`.
 */
export function generateTokenPieces(tokenizer: Tokenizer, tokenCount: number, rng: Rng): string[] {
  const { chunks, sentenceStarts } = prepareCorpus(tokenizer);
  const pieces: string[] = [];
  let index = rng.pick(sentenceStarts);
  let first = true;
  let guard = 0;
  while (pieces.length < tokenCount) {
    const chunk = chunks[index];
    // The answer's first word has no leading space; it is re-tokenized without one.
    const chunkPieces = first ? (chunk.leadingPieces ??= piecesOf(tokenizer, chunk.pieces.join('').trimStart())) : chunk.pieces;
    if (chunkPieces.length <= tokenCount - pieces.length) {
      pieces.push(...chunkPieces);
      first = false;
      guard = 0;
    } else if (++guard > chunks.length) {
      throw new Error(`cannot fill ${tokenCount} tokens from the corpus`);
    }
    index = (index + 1) % chunks.length;
    // A skipped first word must not leave the answer starting with punctuation.
    while (first && !/[A-Za-z]/.test(chunks[index].pieces.join(''))) index = (index + 1) % chunks.length;
  }
  return pieces;
}
