import { OAuth2Client } from "googleapis-common";

/** An OAuth2 client holding a fixed access token, so tests never attempt a real sign-in or refresh. */
export function staticTokenAuth(token = "test-token"): OAuth2Client {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: token, expiry_date: Date.now() + 3_600_000, token_type: "Bearer" });
  return client;
}
