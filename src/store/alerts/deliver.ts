import { createHmac } from "node:crypto";
import { AssayError } from "../../core/errors.js";
import type { AlertChannel } from "../options.js";
import { emailContent, slackBody, teamsBody, webhookBody } from "./render.js";
import type { AlertMessage } from "./route.js";

export const SIGNATURE_HEADER = "x-assay-signature-256";
export const TIMESTAMP_HEADER = "x-assay-timestamp";

/** HMAC-SHA256 over `<timestamp>.<body>`, so a receiver can reject replays of old deliveries. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

function fromEnv(name: string | undefined, what: string): string | undefined {
  if (!name) return undefined;
  const value = process.env[name];
  if (!value)
    throw new AssayError("STORE_ALERT_CONFIG", `${what} is configured from ${name}, which is not set.`);
  return value;
}

/** Sends one alert (or a digest) to one channel; throws on any failure so the outbox retries. */
export async function deliver(
  channel: AlertChannel,
  alerts: readonly AlertMessage[],
  options: { linkBase?: string; timeoutMs?: number; digest?: boolean },
): Promise<void> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 10_000);
  switch (channel.type) {
    case "webhook": {
      const body = JSON.stringify(webhookBody(alerts, new Date().toISOString(), options.digest));
      const timestamp = String(Math.floor(Date.now() / 1000));
      const secret = channel.secret ?? fromEnv(channel.secretEnv, "The webhook secret");
      const headers: Record<string, string> = {
        "content-type": "application/json",
        [TIMESTAMP_HEADER]: timestamp,
      };
      if (secret) headers[SIGNATURE_HEADER] = webhookSignature(secret, timestamp, body);
      await post(channel.url, body, headers, timeout);
      return;
    }
    case "slack": {
      const url = channel.url ?? fromEnv(channel.urlEnv, "The Slack webhook URL");
      if (!url) throw new AssayError("STORE_ALERT_CONFIG", "A Slack channel needs url or urlEnv.");
      await post(
        url,
        JSON.stringify(slackBody(alerts, options.linkBase, options.digest)),
        { "content-type": "application/json" },
        timeout,
      );
      return;
    }
    case "teams": {
      const url = channel.url ?? fromEnv(channel.urlEnv, "The Teams workflow URL");
      if (!url) throw new AssayError("STORE_ALERT_CONFIG", "A Teams channel needs url or urlEnv.");
      await post(
        url,
        JSON.stringify(teamsBody(alerts, options.linkBase, options.digest)),
        { "content-type": "application/json" },
        timeout,
      );
      return;
    }
    case "email": {
      const nodemailer = await import("nodemailer");
      const password = fromEnv(channel.passwordEnv, "The SMTP password");
      const transport = nodemailer.createTransport({
        host: channel.host,
        port: channel.port,
        secure: channel.secure,
        requireTLS: channel.requireTls && !channel.secure,
        ignoreTLS: !channel.requireTls && !channel.secure,
        auth: channel.user ? { user: channel.user, pass: password ?? "" } : undefined,
        connectionTimeout: options.timeoutMs ?? 10_000,
      });
      try {
        const content = emailContent(alerts, options.linkBase, options.digest);
        await transport.sendMail({
          from: channel.from,
          to: channel.to,
          subject: content.subject,
          text: content.text,
        });
      } finally {
        transport.close();
      }
      return;
    }
  }
}

async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<void> {
  const response = await fetch(url, { method: "POST", body, headers, signal });
  // Drain the body so the connection is released.
  const text = await response.text();
  if (!response.ok) {
    throw new AssayError(
      "STORE_ALERT_HTTP",
      `The receiver answered HTTP ${response.status}: ${text.slice(0, 200)}`,
    );
  }
}
