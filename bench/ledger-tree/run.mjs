// bench/ledger-tree: the Merkle tree over the ledger (issue 13).
//  1. append: ledger entries appended through LedgerAppender in group-commit-sized transactions, with the tree
//     update and without it (`tree: false`), so the tree's own cost per entry shows; SQLite, and PostgreSQL
//     when ASSAY_BENCH_PG_URL is set.
//  2. proof: a SQLite store whose merkle_nodes hold the complete subtrees of 10,000,000 leaves, written directly
//     (not through ingest), then inclusion proofs through the store's own `inclusionProof` (tree.ts) for random
//     entries at the full size, each verified; and consistency proofs.
// Usage: npm run build && node bench/ledger-tree/run.mjs
//   BENCH_APPEND=50000 entries per append run, BENCH_BATCH=500 entries per transaction,
//   BENCH_ROUNDS=3 measured pairs (after one warm-up pair), BENCH_LEAVES=10000000, BENCH_PROOFS=500,
//   BENCH_PARTS=append,proof. Append figures are wall and this process's CPU per entry (PostgreSQL's own CPU is
//   not in the latter).
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { leafHash, MerkleAppender, verifyConsistency, verifyInclusion } from "../../dist/core/merkle.js";
import { openDatabase } from "../../dist/store/db/connect.js";
import { migrateToLatest } from "../../dist/store/db/migrations.js";
import { LedgerAppender } from "../../dist/store/ledger.js";
import { consistencyProof, inclusionProof } from "../../dist/store/tree.js";

const APPEND = Number(process.env.BENCH_APPEND ?? 50_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const LEAVES = Number(process.env.BENCH_LEAVES ?? 10_000_000);
const PROOFS = Number(process.env.BENCH_PROOFS ?? 500);
const PARTS = (process.env.BENCH_PARTS ?? "append,proof").split(",");
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const out = { load: loadavg().map((l) => Math.round(l * 10) / 10), node: process.version };

async function appendRun(options, dialect, tree) {
  const store = await openDatabase(options);
  await migrateToLatest(store.db, store.dialect);
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  for (let done = 0; done < APPEND; done += BATCH) {
    await store.db.transaction().execute(async (trx) => {
      const appender = await LedgerAppender.lock(trx, dialect, { tree });
      for (let i = 0; i < BATCH; i++) {
        appender.next({
          kind: "report",
          ref: `R${done + i}`,
          contentHash: createHash("sha256")
            .update(String(done + i))
            .digest("hex"),
          appendedAt: new Date().toISOString(),
        });
      }
      await appender.flush();
    });
  }
  const us = Number(process.hrtime.bigint() - start) / 1000 / APPEND;
  const used = process.cpuUsage(cpu);
  const cpuUs = (used.user + used.system) / APPEND;
  const nodes = tree
    ? Number(
        (
          await store.db
            .selectFrom("merkle_nodes")
            .select((eb) => eb.fn.countAll().as("n"))
            .executeTakeFirst()
        ).n,
      )
    : 0;
  await store.close();
  return { usPerEntry: Math.round(us * 10) / 10, cpuUsPerEntry: Math.round(cpuUs * 10) / 10, nodes };
}

async function appendBench(name, fresh) {
  const rounds = [];
  // One warm-up pair (JIT, prepared statements) is discarded; then alternate with and without the tree so
  // load changes hit both alike.
  const order = [true, false];
  for (let i = 0; i < ROUNDS; i++) order.push(true, false);
  for (const [n, tree] of order.entries()) {
    const { options, drop } = await fresh();
    try {
      const result = await appendRun(options, name, tree);
      if (n >= 2) rounds.push({ tree, ...result });
    } finally {
      await drop();
    }
  }
  const withTree = rounds.filter((r) => r.tree).map((r) => r.usPerEntry);
  const without = rounds.filter((r) => !r.tree).map((r) => r.usPerEntry);
  const cpuWith = rounds.filter((r) => r.tree).map((r) => r.cpuUsPerEntry);
  const cpuWithout = rounds.filter((r) => !r.tree).map((r) => r.cpuUsPerEntry);
  return {
    entries: APPEND,
    batch: BATCH,
    wallUsPerEntryWithTree: withTree,
    wallUsPerEntryWithoutTree: without,
    treeWallUsPerEntry: withTree.map((w, i) => Math.round((w - without[i]) * 10) / 10),
    cpuUsPerEntryWithTree: cpuWith,
    cpuUsPerEntryWithoutTree: cpuWithout,
    treeCpuUsPerEntry: cpuWith.map((w, i) => Math.round((w - cpuWithout[i]) * 10) / 10),
    nodesPerRun: rounds[0].nodes,
  };
}

async function proofBench() {
  const dir = mkdtempSync(join(tmpdir(), "assay-bench-tree-"));
  try {
    const store = await openDatabase({ dataDir: dir });
    await migrateToLatest(store.db, store.dialect);
    await store.close();
    // Written with the driver directly: 2n − popcount(n) rows in key order, one transaction per million leaves.
    const { default: Database } = await import("better-sqlite3");
    const file = join(dir, "assay-store.sqlite");
    const raw = new Database(file);
    raw.pragma("journal_mode = WAL");
    raw.pragma("synchronous = OFF");
    const insert = raw.prepare("INSERT INTO merkle_nodes (level, idx, hash) VALUES (?, ?, ?)");
    const leafOf = (i) => leafHash(createHash("sha256").update(`entry ${i}`).digest());
    const appender = MerkleAppender.empty();
    const t0 = Date.now();
    const step = 1_000_000;
    for (let start = 0; start < LEAVES; start += step) {
      raw.transaction(() => {
        for (let i = start; i < Math.min(LEAVES, start + step); i++) {
          for (const n of appender.append(leafOf(i))) insert.run(n.level, n.index, Buffer.from(n.hash));
        }
      })();
    }
    // The ledger rows the proofs read (their entry hash), and the head at the full size.
    const seqs = Array.from(
      { length: PROOFS },
      (_, i) => 1 + (Math.floor(((i * 7919 + 13) / PROOFS) * (LEAVES - 1)) % LEAVES),
    );
    const addLedger = raw.prepare(
      "INSERT OR IGNORE INTO ledger (seq, kind, ref, content_hash, prev_hash, entry_hash, appended_at) VALUES (?, 'report', ?, ?, ?, ?, ?)",
    );
    const warm = Array.from({ length: 20 }, (_, i) => 1 + ((i * 3_000_017 + 7) % LEAVES));
    raw.transaction(() => {
      for (const seq of [...seqs, ...warm]) {
        const entry = createHash("sha256")
          .update(`entry ${seq - 1}`)
          .digest("hex");
        addLedger.run(seq, `R${seq}`, entry, entry, entry, "2026-12-05T00:00:00.000Z");
      }
    })();
    raw.prepare("UPDATE ledger_head SET seq = ?, entry_hash = ? WHERE id = 1").run(LEAVES, "0".repeat(64));
    raw.close();
    const buildSeconds = (Date.now() - t0) / 1000;
    const root = appender.root();

    const opened = await openDatabase({ dataDir: dir });
    // The first proofs of a fresh process pay for JIT, statement preparation and a cold page cache; they are
    // reported apart (`firstMs`), then every entry of `seqs` is proven (`inclusionMs`).
    const first = [];
    for (const seq of warm) {
      const t = process.hrtime.bigint();
      await inclusionProof(opened.db, seq, LEAVES);
      first.push(Math.round(Number(process.hrtime.bigint() - t) / 1e3) / 1e3);
    }
    const times = [];
    for (const seq of seqs) {
      const t = process.hrtime.bigint();
      const proof = await inclusionProof(opened.db, seq, LEAVES);
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
      const ok = verifyInclusion(
        new Uint8Array(Buffer.from(proof.leafHash, "base64")),
        proof.leafIndex,
        LEAVES,
        proof.proof.map((h) => new Uint8Array(Buffer.from(h, "base64"))),
        root,
      );
      if (!ok || !Buffer.from(proof.rootHash, "base64").equals(Buffer.from(root)))
        throw new Error(`proof of ${seq} does not verify`);
    }
    const cons = [];
    for (let i = 0; i < 100; i++) {
      const from = 1 + ((i * 104_729) % (LEAVES - 1));
      const t = process.hrtime.bigint();
      const proof = await consistencyProof(opened.db, from, LEAVES);
      cons.push(Number(process.hrtime.bigint() - t) / 1e6);
      const ok = verifyConsistency(
        from,
        LEAVES,
        proof.proof.map((h) => new Uint8Array(Buffer.from(h, "base64"))),
        new Uint8Array(Buffer.from(proof.fromRoot, "base64")),
        root,
      );
      if (!ok) throw new Error(`consistency from ${from} does not verify`);
    }
    await opened.close();
    const pct = (a, p) => {
      const s = [...a].sort((x, y) => x - y);
      return Math.round(s[Math.min(s.length - 1, Math.floor(p * s.length))] * 1000) / 1000;
    };
    return {
      leaves: LEAVES,
      nodes: 2 * LEAVES - LEAVES.toString(2).replaceAll("0", "").length,
      buildSeconds,
      databaseMB: Math.round(statSync(file).size / 1048576),
      firstMs: first,
      inclusionMs: { p50: pct(times, 0.5), p90: pct(times, 0.9), p99: pct(times, 0.99), max: pct(times, 1) },
      consistencyMs: { p50: pct(cons, 0.5), p99: pct(cons, 0.99), max: pct(cons, 1) },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (PARTS.includes("append")) {
  out.appendSqlite = await appendBench("sqlite", async () => {
    const dir = mkdtempSync(join(tmpdir(), "assay-bench-append-"));
    return { options: { dataDir: dir }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  });
  const url = process.env.ASSAY_BENCH_PG_URL;
  if (url) {
    out.appendPostgres = await appendBench("postgres", async () => {
      const name = `assay_bench_tree_${Date.now()}`;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const u = new URL(url);
      u.pathname = `/${name}`;
      return {
        options: { databaseUrl: u.toString(), dataDir: tmpdir() },
        drop: async () => {
          const c = new pg.Client({ connectionString: url });
          await c.connect();
          await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          await c.end();
        },
      };
    });
  }
}
if (PARTS.includes("proof")) out.proof = await proofBench();
console.log(JSON.stringify(out, null, 2));
