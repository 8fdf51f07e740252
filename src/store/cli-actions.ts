import { readFile } from "node:fs/promises";
import type { Kysely } from "kysely";
import { parse as parseYaml } from "yaml";
import { AssayError } from "../core/errors.js";
import { issueCheckpoint } from "./checkpoints.js";
import { ROLES, type Role } from "./context.js";
import { openDatabase } from "./db/connect.js";
import { migrateToLatest } from "./db/migrations.js";
import type { Database } from "./db/schema.js";
import { ledgerHead } from "./ledger.js";
import { type StoreOptions, type StoreOptionsInput, StoreOptionsSchema } from "./options.js";
import { rebindResource, ScopeSchema, setAgentScopes } from "./ownership-admin.js";
import { listStoreKeys, loadStoreSigner, rotateStoreKey, storeOrigin } from "./store-key.js";
import { createApiToken } from "./token-admin.js";
import { verifyLedger } from "./verify.js";
import { parseWitnessUrl, verifyWitness, type WitnessResult, witnessClient } from "./witness.js";

export interface StoreCliOptions {
  config?: string;
  dataDir?: string;
  databaseUrl?: string;
  host?: string;
  port?: number;
  tlsCert?: string;
  tlsKey?: string;
}

/**
 * Options from the config file, then the environment (secrets belong there: ASSAY_DATABASE_URL,
 * ASSAY_ENROLMENT_SECRET), then flags.
 */
export async function loadStoreOptions(cli: StoreCliOptions): Promise<StoreOptions> {
  let fromFile: Record<string, unknown> = {};
  if (cli.config) {
    let text: string;
    try {
      text = await readFile(cli.config, "utf8");
    } catch (error) {
      throw new AssayError("STORE_CONFIG_UNREADABLE", `Cannot read the store configuration ${cli.config}.`, {
        cause: error,
      });
    }
    const value: unknown = cli.config.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
    if (value !== null && typeof value === "object") fromFile = value as Record<string, unknown>;
  }
  const input: StoreOptionsInput = { ...fromFile } as StoreOptionsInput;
  if (process.env.ASSAY_DATABASE_URL) input.databaseUrl = process.env.ASSAY_DATABASE_URL;
  if (process.env.ASSAY_ENROLMENT_SECRET) input.enrolmentSecret = process.env.ASSAY_ENROLMENT_SECRET;
  if (process.env.ASSAY_STORE_SIGNING_KEY) {
    input.checkpoints = { ...input.checkpoints, signingKey: process.env.ASSAY_STORE_SIGNING_KEY };
  }
  if (cli.dataDir) input.dataDir = cli.dataDir;
  if (cli.databaseUrl) input.databaseUrl = cli.databaseUrl;
  if (cli.host) input.host = cli.host;
  if (cli.port !== undefined) input.port = cli.port;
  if (cli.tlsCert || cli.tlsKey) {
    if (!cli.tlsCert || !cli.tlsKey)
      throw new AssayError("STORE_TLS_INCOMPLETE", "Give both --tls-cert and --tls-key.");
    input.tls = { certFile: cli.tlsCert, keyFile: cli.tlsKey };
  }
  const parsed = StoreOptionsSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AssayError(
      "STORE_CONFIG_INVALID",
      `Invalid store configuration: ${issue.path.join(".") || "(root)"}: ${issue.message}`,
    );
  }
  return parsed.data;
}

export async function serveStore(cli: StoreCliOptions): Promise<number> {
  const options = await loadStoreOptions(cli);
  const { buildApp } = await import("./app.js");
  const app = await buildApp(options);
  await app.listen({ host: options.host, port: options.port });
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      void app.close().then(resolve);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  return 0;
}

export async function createTokenCommand(
  cli: StoreCliOptions & { role: string; name: string },
): Promise<number> {
  if (!(ROLES as readonly string[]).includes(cli.role)) {
    throw new AssayError("STORE_BAD_ROLE", `--role must be one of ${ROLES.join(", ")}; got ${cli.role}.`);
  }
  const options = await loadStoreOptions(cli);
  const store = await openDatabase(options);
  try {
    await migrateToLatest(store.db, store.dialect);
    const created = await createApiToken(store.db, { role: cli.role as Role, name: cli.name });
    process.stdout.write(`${created.token}\n`);
    process.stderr.write(
      `Created ${created.role} token ${created.id} (${created.name}). It is shown once; store it safely.\n`,
    );
    return 0;
  } finally {
    await store.close();
  }
}

export async function verifyCommand(
  cli: StoreCliOptions & { json?: boolean; witness?: string; storeKey?: string[] },
): Promise<number> {
  const options = await loadStoreOptions(cli);
  const target = cli.witness ? parseWitnessUrl(cli.witness) : undefined;
  const store = await openDatabase(options);
  try {
    // An empty or foreign database has no ledger: say so instead of failing on a missing table.
    await ledgerHead(store.db).catch(() => {
      throw new AssayError(
        "STORE_NOT_FOUND",
        `no Assay store at ${store.location}: nothing to verify (point --data-dir or --database-url at a store)`,
      );
    });
    const result = await verifyLedger(store.db);
    const witness = target ? await checkWitness(store.db, options, target, cli.storeKey ?? []) : undefined;
    const ok = result.ok && (witness?.ok ?? true);
    if (cli.json)
      process.stdout.write(`${JSON.stringify(witness ? { ...result, ok, witness } : result, null, 2)}\n`);
    else if (result.ok) {
      process.stdout.write(
        `Ledger verified: ${result.entries} entries, ${result.reportsChecked} reports and ${result.signaturesChecked} signatures checked, ${result.recordsChecked} identity entries checked, ${result.disposedReports} reports disposed of under recorded disposals.\n`,
      );
      process.stdout.write(
        `Merkle tree verified: ${result.treeNodesChecked} stored nodes match the tree of the ledger's entries; ${result.checkpointsChecked} signed checkpoints checked.\n`,
      );
      process.stdout.write(
        result.derivedChecked
          ? "Current state, drift events, assets, resource owners and the findings' failing_since match a replay of the ledger.\n"
          : `Current state, drift events, assets, resource owners and failing_since NOT recomputed: ${result.derivedNote}.\n`,
      );
    } else {
      const counts = Object.entries(result.counts)
        .map(([what, n]) => `${n} ${what}`)
        .join(", ");
      process.stdout.write(`Ledger BROKEN: ${result.problems} problems (${counts}).\n`);
      for (const b of result.broken) {
        process.stdout.write(`  entry ${b.seq} (${b.kind} ${b.ref}): ${b.problem}.\n`);
      }
      if (result.broken.length < result.problems) {
        process.stdout.write(`  … ${result.problems - result.broken.length} more not listed.\n`);
      }
    }
    if (witness && !cli.json) printWitness(cli.witness!, witness);
    return ok ? 0 : 1;
  } finally {
    await store.close();
  }
}

/**
 * The witness part of verify: the store's listed keys (or the keys the auditor pinned with --store-key) and its
 * origin, checked against every checkpoint archived under the S3 prefix. The S3 client takes region and
 * endpoint from the config's `witness` section when there is one, credentials from the SDK's default chain.
 */
async function checkWitness(
  db: Kysely<Database>,
  options: StoreOptions,
  target: { bucket: string; prefix: string },
  pinned: string[],
): Promise<WitnessResult> {
  const vkeys = pinned.length > 0 ? pinned : (await listStoreKeys(db)).map((k) => k.vkey);
  const origin = await storeOrigin(db, options);
  const client = await witnessClient({
    region: options.witness?.region,
    endpoint: options.witness?.endpoint,
    forcePathStyle: options.witness?.forcePathStyle ?? false,
  });
  try {
    return await verifyWitness(db, client, target, { vkeys, origin });
  } catch (error) {
    throw new AssayError(
      "STORE_WITNESS_UNREADABLE",
      `Cannot read the witness s3://${target.bucket}/${target.prefix}: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    client.destroy();
  }
}

function printWitness(url: string, witness: WitnessResult): void {
  if (witness.ok) {
    process.stdout.write(
      `Witness ${url}: ${witness.archived} archived checkpoints, each signed by the store's key and extended by the live tree of ${witness.treeSize} entries.\n`,
    );
    return;
  }
  process.stdout.write(
    `Witness ${url} BROKEN: ${witness.problems.length} of ${witness.archived} archived checkpoints fail.\n`,
  );
  for (const p of witness.problems) {
    process.stdout.write(`  ${p.key}${p.size === undefined ? "" : ` (size ${p.size})`}: ${p.problem}.\n`);
  }
}

/** Opens the configured database (migrated) for one admin change made from the command line. */
async function withStore<T>(
  cli: StoreCliOptions,
  work: (store: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>,
): Promise<T> {
  const options = await loadStoreOptions(cli);
  const store = await openDatabase(options);
  try {
    await migrateToLatest(store.db, store.dialect);
    return await work(store);
  } finally {
    await store.close();
  }
}

/** Who made a change from the command line, for its ledger entry. */
function cliActor(): string {
  return `cli:${process.env.USER ?? process.env.USERNAME ?? "unknown"}`;
}

export async function rebindCommand(
  cli: StoreCliOptions & { uid: string; agent: string; reason: string },
): Promise<number> {
  const result = await withStore(cli, (store) =>
    rebindResource(store.db, store.dialect, {
      uid: cli.uid,
      agentId: cli.agent,
      reason: cli.reason,
      by: cliActor(),
      now: new Date(),
    }),
  );
  process.stdout.write(
    `${result.uid} now belongs to agent ${result.toAgentId} (was ${result.fromAgentId ?? "unbound"}); ledger entry ${result.ledgerSeq}.\n`,
  );
  return 0;
}

export async function scopesCommand(
  cli: StoreCliOptions & { agentId: string; scope: string[] },
): Promise<number> {
  for (const scope of cli.scope) {
    const parsed = ScopeSchema.safeParse(scope);
    if (!parsed.success)
      throw new AssayError(
        "STORE_BAD_SCOPE",
        `--scope ${JSON.stringify(scope)}: ${parsed.error.issues[0]!.message}.`,
      );
  }
  const scopes = await withStore(cli, (store) =>
    setAgentScopes(store.db, store.dialect, {
      agentId: cli.agentId,
      scopes: cli.scope,
      by: cliActor(),
      now: new Date(),
    }),
  );
  process.stdout.write(
    scopes.length === 0
      ? `Agent ${cli.agentId} has no cloud scopes (a device agent).\n`
      : `Agent ${cli.agentId} may report on ${scopes.join(", ")}.\n`,
  );
  return 0;
}

/**
 * `assay store key`: the checkpoint signing key's public half (C2SP verifier key string, PEM, raw base64),
 * creating the key if the store has none yet, and the earlier keys that still verify old checkpoints.
 * `--rotate` replaces the key (see store-key.ts); running store processes pick it up on restart.
 */
export async function keyCommand(cli: StoreCliOptions & { rotate?: boolean }): Promise<number> {
  const options = await loadStoreOptions(cli);
  return withStore(cli, async (store) => {
    const now = new Date();
    let signer = await loadStoreSigner(store.db, options, now);
    if (cli.rotate) {
      const rotated = await rotateStoreKey(store.db, options, now);
      signer = rotated.current;
      process.stderr.write(
        `Rotated: ${rotated.old} is retired (still listed, so what it signed verifies).\n`,
      );
    }
    const pem = signer.signer.publicKey.export({ format: "pem", type: "spki" }).toString();
    process.stdout.write(`${signer.vkey}\n`);
    process.stdout.write(pem.endsWith("\n") ? pem : `${pem}\n`);
    process.stdout.write(`ed25519 ${Buffer.from(signer.signer.raw).toString("base64")}\n`);
    process.stderr.write(`Checkpoint origin: ${signer.origin}. Key from ${signer.source}.\n`);
    const older = (await listStoreKeys(store.db)).filter((k) => k.vkey !== signer.vkey);
    for (const k of older) {
      process.stdout.write(
        `earlier key ${k.vkey} (listed ${k.createdAt}${k.retiredAt ? `, retired ${k.retiredAt}` : ""})\n`,
      );
    }
    return 0;
  });
}

/** `assay store checkpoint`: signs the current tree now (or prints the checkpoint that already covers it). */
export async function checkpointCommand(cli: StoreCliOptions): Promise<number> {
  const options = await loadStoreOptions(cli);
  return withStore(cli, async (store) => {
    const now = new Date();
    const signer = await loadStoreSigner(store.db, options, now);
    const { checkpoint, issued } = await issueCheckpoint(store.db, signer.signer, signer.origin, now);
    if (!checkpoint) {
      throw new AssayError("STORE_TREE_EMPTY", "The ledger is empty: there is no tree to sign yet.");
    }
    process.stdout.write(checkpoint.note);
    process.stderr.write(
      issued
        ? `Signed a checkpoint of ${checkpoint.size} entries.\n`
        : `The checkpoint of ${checkpoint.size} entries (signed ${checkpoint.issuedAt}) is current.\n`,
    );
    return 0;
  });
}
