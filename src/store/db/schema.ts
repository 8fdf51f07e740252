import type { Generated } from "kysely";

/**
 * The store's tables. Timestamps are ISO-8601 UTC strings in both dialects (they sort as text and survive
 * a round trip unchanged, which the ledger hashes rely on); JSON is stored as text.
 */
export interface AgentsTable {
  id: string;
  hostname: string;
  platform: string;
  group_name: string;
  public_key_pem: string;
  token_hash: string;
  version: string | null;
  enrolled_at: string;
  last_seen_at: string;
  /** Set once the silence has been raised as an event, cleared when the agent is heard again. */
  silent_since: string | null;
  revoked_at: string | null;
  /**
   * JSON array of the cloud scopes (`provider:account`, e.g. `aws:123456789012`) this agent may report
   * on, set by an admin: an agent with scopes is a scanner identity. `[]` for a device agent.
   */
  scopes: string;
  /** From the agent's last heartbeat: reports waiting in its spool, their bytes, its last error. */
  spool_depth: number | null;
  spool_bytes: number | string | null;
  last_error: string | null;
  /** When the spool started growing without draining; cleared when it shrinks. */
  spool_growing_since: string | null;
  /** Set once `agent-stuck` has been raised, cleared when the spool drains. */
  stuck_since: string | null;
}

export interface ApiTokensTable {
  id: string;
  name: string;
  role: string;
  token_hash: string;
  created_at: string;
  revoked_at: string | null;
}

export interface LedgerTable {
  seq: number;
  /** `report`, `disposal`, or an identity record kind (see LedgerRecordsTable). */
  kind: string;
  /** The report id or disposal id this entry stands for. */
  ref: string;
  /** SHA-256 of the canonical JSON of the report or disposal record. */
  content_hash: string;
  prev_hash: string;
  entry_hash: string;
  appended_at: string;
}

/** One row holding the chain's tip; locked by each append so appends from several processes serialise. */
export interface LedgerHeadTable {
  id: number;
  seq: number;
  entry_hash: string;
}

export interface ReportsTable {
  id: string;
  agent_id: string;
  ledger_seq: number;
  received_at: string;
  started_at: string;
  finished_at: string;
  /** Canonical JSON of the report exactly as signed; null once disposed of by retention. */
  body: string | null;
  disposal_id: string | null;
}

export interface FindingsTable {
  id: Generated<number>;
  report_id: string;
  ledger_seq: number;
  agent_id: string;
  observed_at: string;
  rule_id: string;
  resource_uid: string;
  resource_type: string;
  status: string;
  severity: string;
  policy: string;
  /** `|framework:control|…|` so one LIKE finds a control in either dialect. */
  controls: string;
  message: string;
  evidence: string;
  exception: string | null;
  /**
   * Since when this (resource, rule) pair had failed without a break as of this finding (migration 0010):
   * `current_state.since` of the pair right after the report, for a failing finding; null for any other status.
   * Derived from the ledger at ingest and recomputed by verify's replay.
   */
  failing_since: string | null;
}

export interface CurrentStateTable {
  resource_uid: string;
  rule_id: string;
  agent_id: string;
  resource_type: string;
  status: string;
  severity: string;
  policy: string;
  controls: string;
  since: string;
  last_seen_at: string;
  report_id: string;
  ledger_seq: number;
}

export interface AssetsTable {
  uid: string;
  type: string;
  provider: string;
  name: string;
  account: string | null;
  region: string | null;
  agent_id: string;
  first_seen_at: string;
  last_seen_at: string;
  report_id: string;
  /** Device inventory from the latest report (OS, version, model, serial) as JSON; null for cloud resources. */
  inventory: string | null;
}

export interface DriftEventsTable {
  id: Generated<number>;
  at: string;
  type: string;
  agent_id: string;
  resource_uid: string | null;
  rule_id: string | null;
  from_status: string | null;
  to_status: string | null;
  severity: string;
  policy: string | null;
  controls: string;
  message: string;
  report_id: string | null;
  ledger_seq: number | null;
}

/** The alert outbox: one row per (event, channel), or one digest row per channel and day. */
export interface AlertsTable {
  id: Generated<number>;
  event_id: number | null;
  channel: string;
  dedup_key: string;
  event_type: string;
  /** pending | sending | sent | failed | suppressed | digest | digested */
  status: string;
  reason: string | null;
  attempts: number;
  next_attempt_at: string;
  claimed_by: string | null;
  claimed_until: string | null;
  last_error: string | null;
  payload: string;
  created_at: string;
  sent_at: string | null;
}

export interface DisposalsTable {
  id: string;
  disposed_at: string;
  cutoff: string;
  from_seq: number;
  to_seq: number;
  reports: number;
  findings: number;
  ledger_seq: number;
}

/**
 * Who may report on a resource. A device resource (no account) is bound to the agent that first reported
 * it (`agent_id`); a cloud resource to its `provider:account` scope, which any agent allowed that scope
 * may report on. `ledger_seq` is the entry that made the binding: the first report, or an admin re-bind.
 */
export interface ResourceOwnersTable {
  uid: string;
  agent_id: string | null;
  scope: string | null;
  bound_at: string;
  ledger_seq: number;
}

/**
 * Changes of identity and ownership that are ledger entries themselves: agent enrolment (with its key),
 * revocation, scope changes, resource re-binds. `body` is the canonical JSON the entry hashes.
 */
export interface LedgerRecordsTable {
  id: string;
  kind: string;
  ledger_seq: number;
  body: string;
}

/**
 * The Merkle tree over the ledger (RFC 6962 hashing): node (level, idx) is the root of the complete subtree
 * over leaves [idx·2^level, (idx+1)·2^level); leaf i is the leaf hash of the raw `entry_hash` of entry i+1.
 * Only complete subtrees are stored, written in the ledger append's transaction, and never change.
 */
export interface MerkleNodesTable {
  level: number;
  /** bigint on PostgreSQL: read back as a string there. */
  idx: number;
  hash: Uint8Array;
}

/** Every key that has signed a checkpoint: older keys stay listed so their checkpoints still verify. */
export interface StoreKeysTable {
  /** The C2SP verifier key string `name+hexid+base64(0x01‖key)`. */
  vkey: string;
  key_id: string;
  name: string;
  created_at: string;
  /** Set when the key was rotated out; it signs nothing new but still verifies what it signed. */
  retired_at: string | null;
}

/** Signed checkpoints (C2SP tlog-checkpoint notes), each kept so any past one can be served. */
export interface CheckpointsTable {
  size: number;
  /** Hex of the tree root at `size`. */
  root_hash: string;
  /** The verifier key string of the key that signed it. */
  vkey: string;
  /** The signed note exactly as served. */
  note: string;
  issued_at: string;
  /** When the checkpoint was archived to the S3 Object Lock witness; null until then (or with no witness). */
  witnessed_at: string | null;
}

/** Small store-wide settings written once (the checkpoint origin). */
export interface StoreMetaTable {
  name: string;
  value: string;
}

/** A dashboard sign-in: by a person's API token (`token_id`) or through the identity provider (`subject`). */
export interface DashboardSessionsTable {
  id_hash: string;
  token_id: string | null;
  subject: string;
  role: string;
  csrf: string;
  created_at: string;
  expires_at: string;
}

/**
 * Accepted risks managed in the store: requested, approved by a second person, revoked or expired. Each
 * change is a ledger record; this table is their fold (verify recomputes it).
 */
export interface StoreExceptionsTable {
  id: string;
  rule_id: string;
  resource: string | null;
  owner: string;
  reason: string;
  expires: string;
  requested_by: string;
  requested_at: string;
  approved_by: string | null;
  approved_at: string | null;
  revoked_by: string | null;
  revoked_at: string | null;
  ledger_seq: number;
}

/** An OpenID Connect sign-in under way: single use, minutes long; the browser holds the state in a cookie. */
export interface DashboardLoginsTable {
  state_hash: string;
  code_verifier: string;
  nonce: string;
  next: string;
  expires_at: string;
}

/** Findings per UTC day and status (daily-results.ts): the Overview chart's rollup of the findings table. */
export interface DailyResultsTable {
  day: string;
  status: string;
  n: number;
}

export interface Database {
  agents: AgentsTable;
  api_tokens: ApiTokensTable;
  ledger: LedgerTable;
  ledger_head: LedgerHeadTable;
  reports: ReportsTable;
  findings: FindingsTable;
  current_state: CurrentStateTable;
  assets: AssetsTable;
  drift_events: DriftEventsTable;
  alerts: AlertsTable;
  disposals: DisposalsTable;
  resource_owners: ResourceOwnersTable;
  ledger_records: LedgerRecordsTable;
  merkle_nodes: MerkleNodesTable;
  store_keys: StoreKeysTable;
  checkpoints: CheckpointsTable;
  store_meta: StoreMetaTable;
  dashboard_sessions: DashboardSessionsTable;
  store_exceptions: StoreExceptionsTable;
  dashboard_logins: DashboardLoginsTable;
  daily_results: DailyResultsTable;
}
