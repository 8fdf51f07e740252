import type { AccessToken, TokenCredential } from "@azure/core-auth";

/** A credential that always returns the same bearer token, so tests never attempt a real sign-in. */
export function staticTokenCredential(token = "test-token"): TokenCredential {
  return {
    async getToken(): Promise<AccessToken> {
      return { token, expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
}
