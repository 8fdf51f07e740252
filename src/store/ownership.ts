import type { Transaction } from "kysely";
import type { ScanReport } from "../core/report.js";
import type { Database, ResourceOwnersTable } from "./db/schema.js";
import { HttpError } from "./http-error.js";

/**
 * Who may report on what. A resource with an account is a cloud resource: it belongs to its
 * `provider:account` scope, and only an agent an admin has allowed that scope (a scanner identity) may
 * report on it. A resource without one is a device resource: it belongs to the agent that first reported
 * it, until an admin re-binds it. A report naming anything it does not own is refused whole.
 */
export function resourceScope(resource: { provider: string; account?: string | undefined }): string | null {
  return resource.account === undefined ? null : `${resource.provider}:${resource.account}`;
}

/**
 * What a report claims: each resource it lists with the scope it claims (null for a device resource), and
 * the uids of its collector-error findings (a whole type could not be listed in a scope: the finding is
 * about the scope, e.g. `123456789012/eu-west-2`, not a resource). Those are never bound to anyone, may
 * only be `error` (so they can never hide a failure), and are refused if another owner holds the uid.
 */
export interface ReportClaims {
  resources: Map<string, string | null>;
  scopeErrors: Set<string>;
}

export function claimsOf(report: ScanReport): ReportClaims {
  const resources = new Map<string, string | null>();
  report.resources.forEach((resource, i) => {
    const scope = resourceScope(resource);
    const before = resources.get(resource.uid);
    if (before !== undefined && before !== scope) {
      throw new HttpError(
        400,
        "STORE_REPORT_INVALID",
        `Resource ${resource.uid} is listed twice with different accounts.`,
        `resources.${i}.account`,
      );
    }
    resources.set(resource.uid, scope);
  });
  const errorScopes = new Set(report.collectorErrors.map((e) => e.scope));
  const scopeErrors = new Set<string>();
  // Ownership is judged on the listed resources, so a finding may only be about one of them, or be the
  // error finding of a scope the report says could not be listed.
  report.findings.forEach((finding, i) => {
    if (resources.has(finding.resourceUid)) return;
    if (finding.status === "error" && errorScopes.has(finding.resourceUid)) {
      scopeErrors.add(finding.resourceUid);
      return;
    }
    throw new HttpError(
      400,
      "STORE_REPORT_INVALID",
      `Finding ${i} is about ${finding.resourceUid}, which the report neither lists in resources nor names as a collector error's scope.`,
      `findings.${i}.resourceUid`,
    );
  });
  return { resources, scopeErrors };
}

export function parseScopes(encoded: string): string[] {
  try {
    const value: unknown = JSON.parse(encoded);
    return Array.isArray(value) ? value.filter((s): s is string => typeof s === "string") : [];
  } catch {
    return [];
  }
}

/**
 * The bindings and scopes a batch of reports is judged against, read inside the ledger transaction (so
 * two store processes cannot both bind one new resource), plus the bindings the batch itself makes.
 */
export class OwnershipCheck {
  private constructor(
    private readonly owners: Map<string, ResourceOwnersTable>,
    private readonly scopes: Map<string, Set<string>>,
    private readonly revoked: Set<string>,
  ) {}

  /**
   * Revocation is checked here, inside the ledger transaction, on the agent row as committed by any store
   * process: the auth hook may have let the request in on a few seconds' cached row, but a revoked agent's
   * report is refused with 401 and nothing of it is stored.
   */
  assertNotRevoked(agentId: string): void {
    if (this.revoked.has(agentId)) throw new HttpError(401, "STORE_BAD_TOKEN", "The token is not valid.");
  }

  static async load(
    trx: Transaction<Database>,
    uids: readonly string[],
    agentIds: readonly string[],
  ): Promise<OwnershipCheck> {
    const owners = new Map<string, ResourceOwnersTable>();
    for (let i = 0; i < uids.length; i += 500) {
      const rows = await trx
        .selectFrom("resource_owners")
        .selectAll()
        .where("uid", "in", uids.slice(i, i + 500))
        .execute();
      for (const row of rows) owners.set(row.uid, { ...row, ledger_seq: Number(row.ledger_seq) });
    }
    const scopes = new Map<string, Set<string>>();
    const revoked = new Set<string>();
    for (let i = 0; i < agentIds.length; i += 500) {
      const rows = await trx
        .selectFrom("agents")
        .select(["id", "scopes", "revoked_at"])
        .where("id", "in", agentIds.slice(i, i + 500))
        .execute();
      for (const row of rows) {
        scopes.set(row.id, new Set(parseScopes(row.scopes)));
        if (row.revoked_at !== null) revoked.add(row.id);
      }
    }
    return new OwnershipCheck(owners, scopes, revoked);
  }

  /**
   * Throws 403 RESOURCE_NOT_OWNED when the report names a resource bound to another agent or scope, or a
   * cloud resource outside the agent's scopes. Otherwise returns the new bindings (already remembered for
   * the rest of the batch).
   */
  claim(agentId: string, claims: ReportClaims, ledgerSeq: number, at: string): ResourceOwnersTable[] {
    const allowed = this.scopes.get(agentId) ?? new Set<string>();
    for (const uid of claims.scopeErrors) {
      const owner = this.owners.get(uid);
      if (!owner) continue;
      if (owner.agent_id !== null && owner.agent_id !== agentId)
        throw notOwned(uid, `it belongs to agent ${owner.agent_id}`);
      if (owner.scope !== null && !allowed.has(owner.scope))
        throw notOwned(uid, `it belongs to ${owner.scope}`);
    }
    const fresh: ResourceOwnersTable[] = [];
    for (const [uid, scope] of claims.resources) {
      if (scope !== null && !allowed.has(scope)) {
        throw notOwned(uid, `it is in ${scope}, which agent ${agentId} is not allowed to report on`);
      }
      const owner = this.owners.get(uid);
      if (owner) {
        if (owner.scope !== null && owner.scope !== scope) {
          throw notOwned(uid, `it belongs to ${owner.scope}`);
        }
        if (owner.agent_id !== null && owner.agent_id !== agentId) {
          throw notOwned(uid, `it belongs to agent ${owner.agent_id}`);
        }
        continue;
      }
      const row: ResourceOwnersTable = {
        uid,
        agent_id: scope === null ? agentId : null,
        scope,
        bound_at: at,
        ledger_seq: ledgerSeq,
      };
      fresh.push(row);
    }
    for (const row of fresh) this.owners.set(row.uid, row);
    return fresh;
  }
}

function notOwned(uid: string, why: string): HttpError {
  return new HttpError(
    403,
    "RESOURCE_NOT_OWNED",
    `The report names resource ${uid}, but ${why}; nothing was stored.`,
    "resources",
  );
}
