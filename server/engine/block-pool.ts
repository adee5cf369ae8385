/**
 * The paged KV cache's blocks with automatic prefix caching, as vLLM v1's KV cache manager keeps them
 * (docs/DESIGN.md §2): a block is identified by the hash of its tokens chained to its parent's, so
 * two prompts that share a prefix share its blocks. Blocks in use carry a reference count; a block
 * whose last user finishes keeps its hash and joins an LRU list of free cached blocks, evicted (its
 * hash dropped) only when a fresh block is needed and no never-cached one is left.
 */
export type BlockHash = string;

interface Block {
  id: number;
  refs: number;
  /** Set once the block's tokens are computed and registered; a cached block can be shared. */
  hash?: BlockHash;
}

export class BlockPool {
  // Blocks come into being when first taken: a simulation's engine is built thousands of times by
  // calibrate, and a large cache holds hundreds of thousands of blocks it may never touch.
  private readonly blocks: Block[] = [];
  private neverTaken: number;
  /** Free blocks that hold no cached prefix, once taken and given back (taken first). */
  private readonly uncached: number[] = [];
  /** Free blocks that hold a cached prefix, least recently freed first (Map keeps insertion order). */
  private readonly evictable = new Map<number, Block>();
  private readonly byHash = new Map<BlockHash, Block>();
  private inUse = 0;
  private evictions = 0;

  constructor(
    readonly totalBlocks: number,
    /** Off: hashes are never registered, so nothing is ever shared (`--no-prefix-caching`). */
    readonly caching = true,
  ) {
    this.neverTaken = totalBlocks;
  }

  /** Blocks held by running sequences (KV cache usage). */
  get usedBlocks(): number {
    return this.inUse;
  }

  /** Blocks a new allocation can get: never-cached ones plus evictable cached ones. */
  get freeBlocks(): number {
    return this.uncached.length + this.neverTaken + this.evictable.size;
  }

  /** Cached blocks evicted so far. */
  get evicted(): number {
    return this.evictions;
  }

  /** How many of `hashes`, from the first, are cached (in use or evictable): the longest cached prefix. */
  cachedPrefix(hashes: readonly BlockHash[]): number {
    if (!this.caching) return 0;
    let count = 0;
    while (count < hashes.length && this.byHash.has(hashes[count])) count++;
    return count;
  }

  /**
   * Free blocks that taking the first `cached` of `hashes` and `fresh` new blocks would consume: the
   * cached ones that sit evictable leave the free list too.
   */
  freeNeeded(hashes: readonly BlockHash[], cached: number, fresh: number): number {
    let reused = 0;
    for (let index = 0; index < cached; index++) if (this.byHash.get(hashes[index])!.refs === 0) reused++;
    return reused + fresh;
  }

  /**
   * The block ids for a sequence: the first `cached` of `hashes` shared (reference counted), then
   * `fresh` new ones. Undefined, with nothing taken, when the free blocks do not suffice.
   */
  allocate(hashes: readonly BlockHash[], cached: number, fresh: number): number[] | undefined {
    if (this.freeNeeded(hashes, cached, fresh) > this.freeBlocks) return undefined;
    const ids: number[] = [];
    for (let index = 0; index < cached; index++) ids.push(this.take(this.byHash.get(hashes[index])!));
    for (let index = 0; index < fresh; index++) ids.push(this.takeFresh());
    return ids;
  }

  /** `count` more fresh blocks for a growing sequence, or undefined (nothing taken) when too few are free. */
  grow(count: number): number[] | undefined {
    if (count > this.freeBlocks) return undefined;
    return Array.from({ length: count }, () => this.takeFresh());
  }

  /**
   * Registers a computed block under its hash so later prompts can share it. A block whose hash is
   * already cached elsewhere (two sequences computed the same prefix at once) stays a private copy.
   */
  register(id: number, hash: BlockHash): void {
    if (!this.caching || this.byHash.has(hash)) return;
    const block = this.blocks[id];
    if (block.hash !== undefined) return;
    block.hash = hash;
    this.byHash.set(hash, block);
  }

  /**
   * Drops a sequence's references. Blocks nobody uses any more return to the free lists: cached ones
   * to the evictable tail in reverse order (a sequence's last blocks, the least shared, go first, as
   * vLLM frees them), the others to the never-cached list.
   */
  release(ids: readonly number[]): void {
    for (let index = ids.length - 1; index >= 0; index--) {
      const block = this.blocks[ids[index]];
      if (block.refs <= 0) throw new Error(`block ${block.id} released more often than taken`);
      block.refs--;
      if (block.refs > 0) continue;
      this.inUse--;
      if (block.hash !== undefined) this.evictable.set(block.id, block);
      else this.uncached.push(block.id);
    }
  }

  /** Reference count of a block (tests). */
  refsOf(id: number): number {
    return this.blocks[id]?.refs ?? 0;
  }

  /** The evictable blocks' ids, next to be evicted first (tests). */
  evictionOrder(): number[] {
    return [...this.evictable.keys()];
  }

  private take(block: Block): number {
    if (block.refs === 0) {
      this.evictable.delete(block.id);
      this.inUse++;
    }
    block.refs++;
    return block.id;
  }

  private takeFresh(): number {
    let id = this.uncached.pop();
    if (id === undefined && this.neverTaken > 0) {
      // Block ids are handed out in order, 0 first.
      id = this.totalBlocks - this.neverTaken--;
      this.blocks[id] = { id, refs: 0 };
    }
    if (id === undefined) {
      // Evict the least recently freed cached block: its prefix is forgotten.
      const [oldest] = this.evictable.keys();
      const block = this.blocks[oldest];
      this.evictable.delete(oldest);
      this.byHash.delete(block.hash!);
      block.hash = undefined;
      this.evictions++;
      id = oldest;
    }
    const block = this.blocks[id];
    block.refs = 1;
    this.inUse++;
    return id;
  }
}
