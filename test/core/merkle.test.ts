import { describe, expect, it } from "vitest";
import {
  consistencyProof,
  EMPTY_ROOT,
  inclusionProof,
  leafHash,
  MemoryTree,
  MerkleAppender,
  nodesForConsistency,
  nodesForInclusion,
  nodesForRoot,
  rootHash,
  verifyConsistency,
  verifyInclusion,
} from "../../src/core/merkle.js";

// The RFC 6962 reference tree of certificate-transparency-go (merkle/testdata, also used by RFC 9162 tooling):
// eight leaves, the root after each append, and its published audit and consistency paths.
const DATA = [
  "",
  "00",
  "10",
  "2021",
  "3031",
  "40414243",
  "5051525354555657",
  "606162636465666768696a6b6c6d6e6f",
].map((h) => new Uint8Array(Buffer.from(h, "hex")));
const ROOTS = [
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];
const INCLUSION: Array<[number, number, string[]]> = [
  [
    0,
    8,
    [
      "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
  ],
  [
    5,
    8,
    [
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
  ],
];
const CONSISTENCY: Array<[number, number, string[]]> = [
  [
    1,
    8,
    [
      "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
  ],
  [
    6,
    8,
    [
      "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
  ],
  [
    2,
    5,
    [
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
  ],
];

const hex = (h: Uint8Array) => Buffer.from(h).toString("hex");
const unhex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));

function referenceTree(): MemoryTree {
  const tree = new MemoryTree();
  for (const d of DATA) tree.append(leafHash(d));
  return tree;
}

describe("Merkle tree (RFC 6962 / 9162)", () => {
  it("matches the reference roots at every size, incrementally and from stored nodes", () => {
    expect(hex(EMPTY_ROOT)).toBe(ROOTS[0]);
    const appender = MerkleAppender.empty();
    const tree = new MemoryTree();
    expect(hex(appender.root())).toBe(ROOTS[0]);
    DATA.forEach((d, i) => {
      appender.append(leafHash(d));
      tree.append(leafHash(d));
      expect(hex(appender.root())).toBe(ROOTS[i + 1]);
    });
    for (let n = 0; n <= 8; n++) expect(hex(tree.root(n))).toBe(ROOTS[n]);
  });

  it("produces the published audit and consistency paths, and they verify", () => {
    const tree = referenceTree();
    for (const [index, size, want] of INCLUSION) {
      const proof = inclusionProof(tree.get, index, size);
      expect(proof.map(hex)).toEqual(want);
      expect(
        verifyInclusion(
          leafHash(DATA[index] as Uint8Array),
          index,
          size,
          proof,
          unhex(ROOTS[size] as string),
        ),
      ).toBe(true);
    }
    for (const [m, n, want] of CONSISTENCY) {
      const proof = consistencyProof(tree.get, m, n);
      expect(proof.map(hex)).toEqual(want);
      expect(verifyConsistency(m, n, proof, unhex(ROOTS[m] as string), unhex(ROOTS[n] as string))).toBe(true);
    }
  });

  it("every leaf and every pair of sizes up to 70 leaves proves, and a changed hash or index does not", () => {
    const tree = new MemoryTree();
    const leaves = Array.from({ length: 70 }, (_, i) => leafHash(Uint8Array.of(i, i ^ 0x5a)));
    for (const l of leaves) tree.append(l);
    const roots = Array.from({ length: 71 }, (_, n) => rootHash(tree.get, n));
    for (let n = 1; n <= 70; n++) {
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(tree.get, i, n);
        expect(verifyInclusion(leaves[i] as Uint8Array, i, n, proof, roots[n] as Uint8Array)).toBe(true);
        if (n > 1) {
          expect(
            verifyInclusion(leaves[(i + 1) % n] as Uint8Array, i, n, proof, roots[n] as Uint8Array),
          ).toBe(false);
          expect(
            verifyInclusion(leaves[i] as Uint8Array, (i + 1) % n, n, proof, roots[n] as Uint8Array),
          ).toBe(false);
        }
      }
      for (let m = 0; m <= n; m++) {
        const proof = consistencyProof(tree.get, m, n);
        expect(verifyConsistency(m, n, proof, roots[m] as Uint8Array, roots[n] as Uint8Array)).toBe(true);
        if (m > 0 && m < n) {
          const forged = Uint8Array.from(roots[m] as Uint8Array);
          forged[0] = (forged[0] as number) ^ 1;
          expect(verifyConsistency(m, n, proof, forged, roots[n] as Uint8Array)).toBe(false);
          expect(
            verifyConsistency(m, n, proof.slice(1), roots[m] as Uint8Array, roots[n] as Uint8Array),
          ).toBe(false);
        }
      }
    }
  });

  it("lists exactly the stored nodes a root or proof reads (for one database query), at most 2 log n", () => {
    const tree = referenceTree();
    expect(nodesForRoot(8)).toEqual([{ level: 3, index: 0 }]);
    expect(nodesForRoot(7)).toEqual([
      { level: 2, index: 0 },
      { level: 1, index: 2 },
      { level: 0, index: 6 },
    ]);
    const n = 10_000_000;
    expect(nodesForInclusion(1234567, n).length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(n)));
    expect(nodesForConsistency(999_999, n).length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(n)));
    for (const id of nodesForInclusion(5, 8)) expect(() => tree.get(id.level, id.index)).not.toThrow();
  });

  it("rebuilds the appender from the stored right edge and carries on identically", () => {
    const tree = new MemoryTree();
    for (let i = 0; i < 13; i++) tree.append(leafHash(Uint8Array.of(i)));
    expect(MerkleAppender.frontierNodes(13)).toEqual([
      { level: 3, index: 0 },
      { level: 2, index: 2 },
      { level: 0, index: 12 },
    ]);
    const resumed = MerkleAppender.fromFrontier(13, tree.get);
    expect(hex(resumed.root())).toBe(hex(tree.root()));
    const created = resumed.append(leafHash(Uint8Array.of(13)));
    tree.append(leafHash(Uint8Array.of(13)));
    expect(created.map((c) => [c.level, c.index])).toEqual([
      [0, 13],
      [1, 6],
    ]);
    expect(hex(resumed.root())).toBe(hex(tree.root()));
  });

  it("refuses proofs outside the tree", () => {
    const tree = referenceTree();
    expect(() => inclusionProof(tree.get, 8, 8)).toThrow(/not in a tree of 8/);
    expect(() => consistencyProof(tree.get, 9, 8)).toThrow(RangeError);
    expect(verifyInclusion(EMPTY_ROOT, 0, 0, [], EMPTY_ROOT)).toBe(false);
  });
});
