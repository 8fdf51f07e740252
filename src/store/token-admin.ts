import type { Kysely } from "kysely";
import type { Role } from "./context.js";
import type { Database } from "./db/schema.js";
import { issueToken } from "./tokens.js";

/** Creates a person's API token; the clear token is returned once and only its hash is stored. */
export async function createApiToken(
  db: Kysely<Database>,
  input: { role: Role; name: string; now?: Date },
): Promise<{ id: string; token: string; role: Role; name: string }> {
  const issued = issueToken("person");
  await db
    .insertInto("api_tokens")
    .values({
      id: issued.id,
      name: input.name,
      role: input.role,
      token_hash: issued.hash,
      created_at: (input.now ?? new Date()).toISOString(),
      revoked_at: null,
    })
    .execute();
  return { id: issued.id, token: issued.token, role: input.role, name: input.name };
}

/** Revokes an active token; false when there is no active token with that id. Its sessions end with it. */
export async function revokeApiToken(db: Kysely<Database>, id: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable("api_tokens")
    .set({ revoked_at: now.toISOString() })
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
