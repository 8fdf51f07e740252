import type { Server } from "node:http";
import { createServer } from "node:net";
import Provider from "oidc-provider";

/** People of the test identity provider: the group claim decides their Assay role. */
export const PEOPLE: Record<string, { email: string; groups: string[] }> = {
  alice: { email: "alice@example.test", groups: ["staff", "assay-leads"] },
  audrey: { email: "audrey@example.test", groups: ["external-auditors"] },
  mallory: { email: "mallory@example.test", groups: ["staff"] },
};

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A real OpenID Connect provider (`oidc-provider`, the certified Node implementation) on localhost, with its
 * development login and consent pages: any password signs in the person named in the login field.
 */
export async function startOidcProvider(
  port: number,
  client: { id: string; secret: string; redirectUri: string },
): Promise<{ issuer: string; close(): Promise<void> }> {
  const issuer = `http://localhost:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: client.id,
        client_secret: client.secret,
        redirect_uris: [client.redirectUri],
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    claims: { openid: ["sub"], email: ["email"], groups: ["groups"] },
    scopes: ["openid", "email", "groups"],
    pkce: { required: () => true },
    cookies: { keys: ["test-cookie-key-not-secret"] },
    findAccount: async (_ctx, id) => {
      const person = PEOPLE[id];
      if (!person) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...person }) };
    },
    features: { devInteractions: { enabled: true } },
  });
  const server: Server = await new Promise((resolve) => {
    const s = provider.listen(port, "127.0.0.1", () => resolve(s));
  });
  return { issuer, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
