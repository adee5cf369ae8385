import { closeSync, openSync, writeSync } from 'node:fs';
import { Rng } from '../../common/random';

/**
 * Writes a small Llama-architecture GGUF with random weights, for a real llama.cpp engine in tests
 * (ggml's docs/gguf.md, version 3). The weights mean nothing; the work per token is a real model's:
 * the same matrix shapes, KV cache and attention that llama.cpp runs for any Llama checkpoint. The
 * vocabulary is a SentencePiece one of single characters (plus byte fallback), so the engine counts
 * several tokens where a BPE tokenizer counts one: a real endpoint whose tokenizer is not ours.
 */
export interface TinyLlamaShape {
  embedding: number;
  layers: number;
  feedForward: number;
  heads: number;
  kvHeads: number;
  contextLength: number;
}

export const TINY_LLAMA: TinyLlamaShape = { embedding: 512, layers: 8, feedForward: 1408, heads: 8, kvHeads: 4, contextLength: 8192 };

// GGUF metadata value types and ggml tensor types (docs/gguf.md).
const UINT32 = 4;
const FLOAT32 = 6;
const BOOL = 7;
const STRING = 8;
const ARRAY = 9;
const GGML_F32 = 0;
const ALIGNMENT = 32;

type MetadataValue = { type: 'u32'; value: number } | { type: 'f32'; value: number } | { type: 'bool'; value: boolean } | { type: 'string'; value: string } | { type: 'strings'; value: string[] } | { type: 'f32s'; value: number[] } | { type: 'i32s'; value: number[] };

class ByteWriter {
  private chunks: Buffer[] = [];
  length = 0;
  private push(buffer: Buffer) {
    this.chunks.push(buffer);
    this.length += buffer.length;
  }
  u32(value: number) {
    const buffer = Buffer.alloc(4);
    buffer.writeUInt32LE(value);
    this.push(buffer);
  }
  i32(value: number) {
    const buffer = Buffer.alloc(4);
    buffer.writeInt32LE(value);
    this.push(buffer);
  }
  u64(value: number) {
    const buffer = Buffer.alloc(8);
    buffer.writeBigUInt64LE(BigInt(value));
    this.push(buffer);
  }
  f32(value: number) {
    const buffer = Buffer.alloc(4);
    buffer.writeFloatLE(value);
    this.push(buffer);
  }
  string(value: string) {
    const bytes = Buffer.from(value, 'utf8');
    this.u64(bytes.length);
    this.push(bytes);
  }
  bytes(buffer: Buffer) {
    this.push(buffer);
  }
  pad(alignment: number) {
    const padding = (alignment - (this.length % alignment)) % alignment;
    if (padding) this.push(Buffer.alloc(padding));
  }
  buffer() {
    return Buffer.concat(this.chunks);
  }
}

function writeValue(out: ByteWriter, value: MetadataValue) {
  switch (value.type) {
    case 'u32':
      out.u32(UINT32), out.u32(value.value);
      return;
    case 'f32':
      out.u32(FLOAT32), out.f32(value.value);
      return;
    case 'bool':
      out.u32(BOOL), out.bytes(Buffer.from([value.value ? 1 : 0]));
      return;
    case 'string':
      out.u32(STRING), out.string(value.value);
      return;
    case 'strings':
      out.u32(ARRAY), out.u32(STRING), out.u64(value.value.length);
      for (const item of value.value) out.string(item);
      return;
    case 'f32s':
      out.u32(ARRAY), out.u32(FLOAT32), out.u64(value.value.length);
      for (const item of value.value) out.f32(item);
      return;
    case 'i32s':
      out.u32(ARRAY), out.u32(5), out.u64(value.value.length);
      for (const item of value.value) out.i32(item);
      return;
  }
}

/** SentencePiece vocabulary: <unk>, <s>, </s>, 256 byte-fallback tokens, then printable ASCII with ▁ for space. */
function vocabulary(): { tokens: string[]; scores: number[]; types: number[] } {
  const tokens = ['<unk>', '<s>', '</s>'];
  const types = [2, 3, 3]; // unknown, control, control
  for (let byte = 0; byte < 256; byte++) {
    tokens.push(`<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(6); // byte
  }
  tokens.push('▁');
  types.push(1);
  for (let code = 0x21; code <= 0x7e; code++) {
    tokens.push(String.fromCharCode(code));
    types.push(1); // normal
  }
  return { tokens, scores: tokens.map((_, index) => -index), types };
}

/** Writes the model to `path` and returns its vocabulary size. */
export function writeTinyLlamaGguf(path: string, shape: TinyLlamaShape = TINY_LLAMA, seed = 1): { vocab: number; bytes: number } {
  const { tokens, scores, types } = vocabulary();
  const vocab = tokens.length;
  const headDim = shape.embedding / shape.heads;
  const kvWidth = headDim * shape.kvHeads;
  const metadata: Array<[string, MetadataValue]> = [
    ['general.architecture', { type: 'string', value: 'llama' }],
    ['general.name', { type: 'string', value: 'tokenbench-tiny-llama' }],
    ['general.alignment', { type: 'u32', value: ALIGNMENT }],
    ['llama.context_length', { type: 'u32', value: shape.contextLength }],
    ['llama.embedding_length', { type: 'u32', value: shape.embedding }],
    ['llama.block_count', { type: 'u32', value: shape.layers }],
    ['llama.feed_forward_length', { type: 'u32', value: shape.feedForward }],
    ['llama.attention.head_count', { type: 'u32', value: shape.heads }],
    ['llama.attention.head_count_kv', { type: 'u32', value: shape.kvHeads }],
    ['llama.attention.layer_norm_rms_epsilon', { type: 'f32', value: 1e-5 }],
    ['llama.rope.dimension_count', { type: 'u32', value: headDim }],
    ['llama.vocab_size', { type: 'u32', value: vocab }],
    ['tokenizer.ggml.model', { type: 'string', value: 'llama' }],
    ['tokenizer.ggml.tokens', { type: 'strings', value: tokens }],
    ['tokenizer.ggml.scores', { type: 'f32s', value: scores }],
    ['tokenizer.ggml.token_type', { type: 'i32s', value: types }],
    ['tokenizer.ggml.unknown_token_id', { type: 'u32', value: 0 }],
    ['tokenizer.ggml.bos_token_id', { type: 'u32', value: 1 }],
    ['tokenizer.ggml.eos_token_id', { type: 'u32', value: 2 }],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: true }],
    ['tokenizer.ggml.add_eos_token', { type: 'bool', value: false }],
  ];
  // ggml lists dimensions fastest-first: a [in, out] matrix has rows of `in` values.
  const tensors: Array<{ name: string; dims: number[]; norm?: boolean }> = [{ name: 'token_embd.weight', dims: [shape.embedding, vocab] }];
  for (let layer = 0; layer < shape.layers; layer++) {
    const block = `blk.${layer}`;
    tensors.push(
      { name: `${block}.attn_norm.weight`, dims: [shape.embedding], norm: true },
      { name: `${block}.attn_q.weight`, dims: [shape.embedding, shape.embedding] },
      { name: `${block}.attn_k.weight`, dims: [shape.embedding, kvWidth] },
      { name: `${block}.attn_v.weight`, dims: [shape.embedding, kvWidth] },
      { name: `${block}.attn_output.weight`, dims: [shape.embedding, shape.embedding] },
      { name: `${block}.ffn_norm.weight`, dims: [shape.embedding], norm: true },
      { name: `${block}.ffn_gate.weight`, dims: [shape.embedding, shape.feedForward] },
      { name: `${block}.ffn_up.weight`, dims: [shape.embedding, shape.feedForward] },
      { name: `${block}.ffn_down.weight`, dims: [shape.feedForward, shape.embedding] },
    );
  }
  tensors.push({ name: 'output_norm.weight', dims: [shape.embedding], norm: true }, { name: 'output.weight', dims: [shape.embedding, vocab] });

  const header = new ByteWriter();
  header.bytes(Buffer.from('GGUF', 'ascii'));
  header.u32(3);
  header.u64(tensors.length);
  header.u64(metadata.length);
  for (const [key, value] of metadata) {
    header.string(key);
    writeValue(header, value);
  }
  let offset = 0;
  const sizes = tensors.map((tensor) => tensor.dims.reduce((a, b) => a * b, 1) * 4);
  tensors.forEach((tensor, index) => {
    header.string(tensor.name);
    header.u32(tensor.dims.length);
    for (const dim of tensor.dims) header.u64(dim);
    header.u32(GGML_F32);
    header.u64(offset);
    offset += Math.ceil(sizes[index] / ALIGNMENT) * ALIGNMENT;
  });
  header.pad(ALIGNMENT);

  const rng = new Rng(seed);
  const file = openSync(path, 'w');
  let written = 0;
  try {
    written += writeSync(file, header.buffer());
    tensors.forEach((tensor, index) => {
      const values = new Float32Array(sizes[index] / 4);
      // Norm weights of one keep activations at unit scale; matrices at 1/sqrt(fan-in) keep them there.
      const scale = tensor.norm ? 0 : 1 / Math.sqrt(tensor.dims[0]);
      for (let i = 0; i < values.length; i++) values[i] = tensor.norm ? 1 : (rng.next() * 2 - 1) * scale * Math.sqrt(3);
      const bytes = Buffer.from(values.buffer);
      written += writeSync(file, bytes);
      const padding = Math.ceil(bytes.length / ALIGNMENT) * ALIGNMENT - bytes.length;
      if (padding) written += writeSync(file, Buffer.alloc(padding));
    });
  } finally {
    closeSync(file);
  }
  return { vocab, bytes: written };
}
