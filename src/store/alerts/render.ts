import type { AlertMessage } from "./route.js";

/** Rendering is pure: one alert (or a digest of many) to the body each channel expects. */

const TITLES: Record<string, string> = {
  regressed: "Control drift: newly failing",
  resolved: "Control drift: resolved",
  new: "New finding",
  gone: "Resource no longer reported",
  changed: "Finding status changed",
  "agent-silent": "Agent stopped reporting",
  "agent-stuck": "Agent stuck: reports not getting through",
};

export function alertTitle(alert: AlertMessage): string {
  return TITLES[alert.type] ?? `Drift: ${alert.type}`;
}

function what(alert: AlertMessage): string {
  if (alert.type === "agent-silent" || alert.type === "agent-stuck") return `agent ${alert.agentId}`;
  return `${alert.ruleId} on ${alert.resourceUid}`;
}

function transition(alert: AlertMessage): string {
  return `${alert.from ?? "none"} -> ${alert.to ?? "none"}`;
}

function link(alert: AlertMessage, base: string | undefined): string | undefined {
  if (!base) return undefined;
  return `${base.replace(/\/$/, "")}/drift/${alert.eventId}`;
}

export function summaryLine(alert: AlertMessage): string {
  return `${alertTitle(alert)} [${alert.severity}]: ${what(alert)} (${transition(alert)})`;
}

/** Slack incoming webhook with Block Kit (shape of shared/reference/alerting/slack_incoming_webhook_blocks_example.json). */
export function slackBody(alerts: readonly AlertMessage[], linkBase?: string, digest = false): unknown {
  if (!digest && alerts.length === 1) {
    const a = alerts[0]!;
    const url = link(a, linkBase);
    const blocks: unknown[] = [
      { type: "header", text: { type: "plain_text", text: alertTitle(a) } },
      {
        type: "section",
        fields: [
          { type: "mrkdwn", text: `*Control:*\n${a.controls.join(", ") || a.ruleId || "n/a"}` },
          { type: "mrkdwn", text: `*Asset:*\n${a.resourceUid ?? a.agentId}` },
          { type: "mrkdwn", text: `*Was:*\n${a.from ?? "none"}` },
          { type: "mrkdwn", text: `*Now:*\n${a.to ?? "none"} (${a.at})` },
        ],
      },
      { type: "section", text: { type: "mrkdwn", text: escapeSlack(a.message) } },
      {
        type: "context",
        elements: [
          {
            type: "mrkdwn",
            text: `alert ${a.eventId} · severity ${a.severity} · dedup key ${escapeSlack(a.dedupKey)}${a.ledgerSeq ? ` · ledger entry ${a.ledgerSeq}` : ""}`,
          },
        ],
      },
    ];
    if (url) {
      blocks.push({
        type: "actions",
        elements: [{ type: "button", text: { type: "plain_text", text: "Open event" }, url }],
      });
    }
    return { text: summaryLine(a), blocks };
  }
  return {
    text: `Assay digest: ${alerts.length} drift events`,
    blocks: [
      { type: "header", text: { type: "plain_text", text: `Assay digest: ${alerts.length} drift events` } },
      ...chunk(alerts, 10).map((group) => ({
        type: "section",
        text: { type: "mrkdwn", text: group.map((a) => `• ${escapeSlack(summaryLine(a))}`).join("\n") },
      })),
    ],
  };
}

/** Teams Workflows webhook: a message carrying an Adaptive Card 1.4 (shape of the reference example). */
export function teamsBody(alerts: readonly AlertMessage[], linkBase?: string, digest = false): unknown {
  const body: unknown[] = [];
  const actions: unknown[] = [];
  if (!digest && alerts.length === 1) {
    const a = alerts[0]!;
    body.push(
      { type: "TextBlock", size: "Large", weight: "Bolder", text: alertTitle(a), wrap: true },
      {
        type: "FactSet",
        facts: [
          { title: "Control", value: a.controls.join(", ") || a.ruleId || "n/a" },
          { title: "Asset", value: a.resourceUid ?? a.agentId },
          { title: "Was / Now", value: transition(a) },
          { title: "Severity", value: a.severity },
          { title: "Detected", value: a.at },
        ],
      },
      { type: "TextBlock", text: a.message, wrap: true },
    );
    const url = link(a, linkBase);
    if (url) actions.push({ type: "Action.OpenUrl", title: "Open event", url });
  } else {
    body.push(
      {
        type: "TextBlock",
        size: "Large",
        weight: "Bolder",
        text: `Assay digest: ${alerts.length} drift events`,
        wrap: true,
      },
      ...alerts.map((a) => ({ type: "TextBlock", text: summaryLine(a), wrap: true })),
    );
  }
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: "1.4",
          body,
          ...(actions.length ? { actions } : {}),
        },
      },
    ],
  };
}

export function webhookBody(alerts: readonly AlertMessage[], sentAt: string, digest = false): unknown {
  return !digest && alerts.length === 1
    ? { kind: "alert", sentAt, alert: alerts[0] }
    : { kind: "digest", sentAt, alerts };
}

export function emailContent(
  alerts: readonly AlertMessage[],
  linkBase?: string,
  digest = false,
): { subject: string; text: string } {
  if (!digest && alerts.length === 1) {
    const a = alerts[0]!;
    const url = link(a, linkBase);
    return {
      subject: `[Assay] ${summaryLine(a)}`,
      text: [
        alertTitle(a),
        "",
        `What:      ${what(a)}`,
        `Change:    ${transition(a)}`,
        `Severity:  ${a.severity}`,
        `Policy:    ${a.policy ?? "n/a"}`,
        `Controls:  ${a.controls.join(", ") || "n/a"}`,
        `Detected:  ${a.at}`,
        `Report:    ${a.reportId ?? "n/a"} (ledger entry ${a.ledgerSeq ?? "n/a"})`,
        "",
        a.message,
        ...(url ? ["", url] : []),
      ].join("\n"),
    };
  }
  return {
    subject: `[Assay] Digest: ${alerts.length} drift events`,
    text: alerts.map((a) => `- ${summaryLine(a)}\n  ${a.message}`).join("\n"),
  };
}

function escapeSlack(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
