import { hashString } from '../../common/random';

/**
 * Block hashes for automatic prefix caching: each full block of `blockSize` tokens is named by a hash
 * of its tokens chained to the previous block's (vLLM's hash_request_tokens), so equal hashes mean
 * equal prefixes. Two 32-bit FNV-1a hashes with different bases make a 64-bit name: at the millions
 * of blocks a long replay holds, a false match stays improbable (birthday bound ~10⁻⁷).
 */
export function blockHashesOfTokens(tokenIds: ArrayLike<number>, blockSize: number): string[] {
  const hashes: string[] = [];
  let parent = '';
  for (let start = 0; start + blockSize <= tokenIds.length; start += blockSize) {
    let text = parent;
    for (let index = start; index < start + blockSize; index++) text += `,${tokenIds[index]}`;
    parent = `${hashString(text).toString(36)}.${hashString(text, 0x1234567).toString(36)}`;
    hashes.push(parent);
  }
  return hashes;
}

/**
 * Engine block hashes for a prompt described by coarser blocks of its own (a trace's `hash_ids` over
 * 512-token blocks, a synthetic workload's shared prefix): block j's name chains the names before it,
 * and each engine block wholly inside a named block takes that name and its position in it.
 */
export function coarseBlockHashes(coarse: { blockTokens: number; hashes: ReadonlyArray<string | number> }, promptTokens: number, blockSize: number): string[] {
  const hashes: string[] = [];
  let chain = '';
  const covered = Math.min(promptTokens, coarse.hashes.length * coarse.blockTokens);
  for (let block = 0; (block + 1) * blockSize <= covered; block++) {
    const start = block * blockSize;
    const coarseIndex = Math.floor(start / coarse.blockTokens);
    // An engine block straddling two named blocks belongs to neither: the prefix ends before it.
    if (Math.floor((start + blockSize - 1) / coarse.blockTokens) !== coarseIndex) break;
    if (start % coarse.blockTokens === 0) chain = `${hashString(`${chain}|${coarse.hashes[coarseIndex]}`).toString(36)}.${coarseIndex}`;
    hashes.push(`${chain}:${(start % coarse.blockTokens) / blockSize}`);
  }
  return hashes;
}
