import { createHash } from "node:crypto";

/**
 * RFC 6962 / RFC 9162 Merkle tree hashing over the evidence ledger, and its proofs.
 *
 * The tree is kept as stored nodes: node (level, index) is the root of the complete subtree over leaves
 * [index·2^level, (index+1)·2^level). Appending a leaf stores it and every subtree it completes (amortised two
 * nodes a leaf, at most log n), so nothing is ever rebuilt. Any root or proof at any size n is made of at most
 * 2·log n stored nodes: the proof functions first list the nodes they need (`nodesFor…`) so a database can read
 * them in one query, then assemble the hashes from a synchronous lookup.
 *
 * Verification (`verifyInclusion`, `verifyConsistency`) needs nothing but hashes: it is what an auditor runs.
 */

export type Hash = Uint8Array;

/** SHA-256 of the empty string: the root of the empty tree. */
export const EMPTY_ROOT: Hash = sha256([]);

export function leafHash(data: Uint8Array): Hash {
  return sha256([LEAF_PREFIX, data]);
}

export function nodeHash(left: Hash, right: Hash): Hash {
  return sha256([NODE_PREFIX, left, right]);
}

/** A stored complete-subtree root. */
export interface NodeId {
  level: number;
  index: number;
}

export interface StoredNode extends NodeId {
  hash: Hash;
}

/** Looks up a stored node; throws when it is not there (a proof past the tree's size is a caller's bug). */
export type NodeLookup = (level: number, index: number) => Hash;

/** MTH over leaves [start, end); start is aligned as RFC 6962's recursion always leaves it. */
export function rangeHash(get: NodeLookup, start: number, end: number): Hash {
  const size = end - start;
  if (size <= 0) return EMPTY_ROOT;
  if (isPowerOfTwo(size)) {
    const level = log2(size);
    return get(level, start / size);
  }
  const k = largestPowerOfTwoBelow(size);
  return nodeHash(rangeHash(get, start, start + k), rangeHash(get, start + k, end));
}

export function rootHash(get: NodeLookup, size: number): Hash {
  return rangeHash(get, 0, size);
}

/** RFC 9162 2.1.3.1: the audit path of leaf `index` in the tree of `size` leaves. */
export function inclusionProof(get: NodeLookup, index: number, size: number): Hash[] {
  checkIndex(index, size);
  const proof: Hash[] = [];
  path(get, index, 0, size, proof);
  return proof;
}

/** RFC 9162 2.1.4.1: proof that the tree of `size` leaves extends the tree of `oldSize` leaves. */
export function consistencyProof(get: NodeLookup, oldSize: number, size: number): Hash[] {
  if (!(Number.isSafeInteger(oldSize) && Number.isSafeInteger(size) && oldSize >= 0 && oldSize <= size)) {
    throw new RangeError(`no consistency proof from size ${oldSize} to size ${size}`);
  }
  const proof: Hash[] = [];
  if (oldSize === 0 || oldSize === size) return proof;
  subproof(get, oldSize, 0, size, true, proof);
  return proof;
}

/** The stored nodes a root at `size` reads. */
export function nodesForRoot(size: number): NodeId[] {
  return recordLookups((get) => rootHash(get, size));
}

export function nodesForInclusion(index: number, size: number): NodeId[] {
  return recordLookups((get) => inclusionProof(get, index, size));
}

export function nodesForConsistency(oldSize: number, size: number): NodeId[] {
  return recordLookups((get) => consistencyProof(get, oldSize, size));
}

/** RFC 9162 2.1.3.2. */
export function verifyInclusion(
  leaf: Hash,
  index: number,
  size: number,
  proof: readonly Hash[],
  root: Hash,
): boolean {
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size)) || index < 0 || index >= size)
    return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalHashes(r, root);
}

/** RFC 9162 2.1.4.2. */
export function verifyConsistency(
  oldSize: number,
  size: number,
  proof: readonly Hash[],
  oldRoot: Hash,
  root: Hash,
): boolean {
  if (!(Number.isSafeInteger(oldSize) && Number.isSafeInteger(size)) || oldSize < 0 || oldSize > size)
    return false;
  if (oldSize === size) return proof.length === 0 && equalHashes(oldRoot, root);
  if (oldSize === 0) return proof.length === 0;
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : [...proof];
  let fn = oldSize - 1;
  let sn = size - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0] as Hash;
  let sr = path[0] as Hash;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalHashes(fr, oldRoot) && equalHashes(sr, root);
}

/**
 * Appends leaves to a stored tree. It keeps only the right edge (the roots of the complete subtrees that are
 * still waiting for a right sibling: at most log n hashes), so an append costs O(log n) hashing and no reads.
 * `fromFrontier` rebuilds it from stored nodes after a restart.
 */
export class MerkleAppender {
  private readonly edge: StoredNode[];
  private count: number;

  private constructor(size: number, edge: StoredNode[]) {
    this.count = size;
    this.edge = edge;
  }

  static empty(): MerkleAppender {
    return new MerkleAppender(0, []);
  }

  /** The stored nodes the right edge of a tree of `size` leaves consists of (read them, then `fromFrontier`). */
  static frontierNodes(size: number): NodeId[] {
    const ids: NodeId[] = [];
    let start = 0;
    for (let level = 52; level >= 0; level--) {
      const width = 2 ** level;
      if (size - start >= width) {
        ids.push({ level, index: start / width });
        start += width;
      }
    }
    return ids;
  }

  static fromFrontier(size: number, get: NodeLookup): MerkleAppender {
    const edge = MerkleAppender.frontierNodes(size).map((id) => ({ ...id, hash: get(id.level, id.index) }));
    return new MerkleAppender(size, edge);
  }

  get size(): number {
    return this.count;
  }

  /** Adds one leaf; returns the nodes to store (the leaf, then each subtree it completed). */
  append(leaf: Hash): StoredNode[] {
    const created: StoredNode[] = [{ level: 0, index: this.count, hash: leaf }];
    let node: StoredNode = created[0] as StoredNode;
    // The edge is ordered largest subtree first; a new node merges with the last one while they are the same size.
    while (this.edge.length > 0 && (this.edge[this.edge.length - 1] as StoredNode).level === node.level) {
      const left = this.edge.pop() as StoredNode;
      node = { level: node.level + 1, index: left.index / 2, hash: nodeHash(left.hash, node.hash) };
      created.push(node);
    }
    this.edge.push(node);
    this.count += 1;
    return created;
  }

  /** The current root, from the right edge alone. */
  root(): Hash {
    if (this.edge.length === 0) return EMPTY_ROOT;
    let acc = (this.edge[this.edge.length - 1] as StoredNode).hash;
    for (let i = this.edge.length - 2; i >= 0; i--) acc = nodeHash((this.edge[i] as StoredNode).hash, acc);
    return acc;
  }
}

/** An in-memory node map (tests, bundle verification, small trees). */
export class MemoryTree {
  private readonly nodes = new Map<string, Hash>();
  private readonly appender = MerkleAppender.empty();

  append(leaf: Hash): void {
    for (const n of this.appender.append(leaf)) this.nodes.set(nodeKey(n.level, n.index), n.hash);
  }

  get size(): number {
    return this.appender.size;
  }

  readonly get: NodeLookup = (level, index) => {
    const hash = this.nodes.get(nodeKey(level, index));
    if (!hash) throw new RangeError(`no stored Merkle node at level ${level}, index ${index}`);
    return hash;
  };

  root(size = this.size): Hash {
    return rootHash(this.get, size);
  }
}

export function nodeKey(level: number, index: number): string {
  return `${level}:${index}`;
}

export function equalHashes(a: Hash, b: Hash): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

const LEAF_PREFIX = Uint8Array.of(0);
const NODE_PREFIX = Uint8Array.of(1);

function sha256(parts: readonly Uint8Array[]): Hash {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

function path(get: NodeLookup, m: number, start: number, end: number, out: Hash[]): void {
  const n = end - start;
  if (n <= 1) return;
  const k = largestPowerOfTwoBelow(n);
  if (m < k) {
    path(get, m, start, start + k, out);
    out.push(rangeHash(get, start + k, end));
  } else {
    path(get, m - k, start + k, end, out);
    out.push(rangeHash(get, start, start + k));
  }
}

function subproof(get: NodeLookup, m: number, start: number, end: number, whole: boolean, out: Hash[]): void {
  const n = end - start;
  if (m === n) {
    if (!whole) out.push(rangeHash(get, start, end));
    return;
  }
  const k = largestPowerOfTwoBelow(n);
  if (m <= k) {
    subproof(get, m, start, start + k, whole, out);
    out.push(rangeHash(get, start + k, end));
  } else {
    subproof(get, m - k, start + k, end, false, out);
    out.push(rangeHash(get, start, start + k));
  }
}

function recordLookups(run: (get: NodeLookup) => unknown): NodeId[] {
  const seen = new Map<string, NodeId>();
  const zero = new Uint8Array(32);
  run((level, index) => {
    seen.set(nodeKey(level, index), { level, index });
    return zero;
  });
  return [...seen.values()];
}

function checkIndex(index: number, size: number): void {
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size)) || index < 0 || index >= size) {
    throw new RangeError(`leaf ${index} is not in a tree of ${size} leaves`);
  }
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && 2 ** log2(n) === n;
}

/** floor(log2 n), exact for every safe integer (Math.log2 alone rounds up just below a power of two). */
function log2(n: number): number {
  let l = Math.floor(Math.log2(n));
  if (2 ** l > n) l -= 1;
  else if (2 ** (l + 1) <= n) l += 1;
  return l;
}

/** The largest power of two strictly less than n (n ≥ 2). */
function largestPowerOfTwoBelow(n: number): number {
  let k = 2 ** log2(n);
  if (k === n) k /= 2;
  return k;
}
