import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ScanReportSchema } from "../../src/core/report.js";
import { verifyReportSignature } from "../../src/core/signing.js";

/**
 * A small real HTTP server speaking the Store <-> agent contract (COMMON.md), for agent tests that need
 * to control the store's answers (refuse a report, hold a reply). It verifies tokens and signatures and is
 * idempotent on report ids, like the real store.
 */
export interface ReceivedReport {
  id: string;
  ledgerSeq: number;
  agentId: string;
}

export class ContractReceiver {
  readonly accepted: ReceivedReport[] = [];
  readonly posts: string[] = [];
  heartbeats = 0;
  /** Status to answer every report with instead of accepting (e.g. 503 for "down", 422). */
  failReportsWith: number | undefined;
  private readonly agents = new Map<string, { token: string; publicKeyPem: string }>();
  private server: Server | undefined;
  port = 0;

  constructor(readonly enrolmentSecret: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const send = (status: number, json?: unknown) => {
      res.writeHead(status, json === undefined ? {} : { "content-type": "application/json" });
      res.end(json === undefined ? undefined : JSON.stringify(json));
    };
    const fail = (status: number, code: string, message: string) =>
      send(status, { error: { code, message } });
    const auth = () => {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      return [...this.agents].find(([, a]) => a.token === token)?.[0];
    };
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return fail(400, "BAD_JSON", "body is not JSON");
    }
    if (req.method === "POST" && req.url === "/v1/enrol") {
      if (json.enrolmentSecret !== this.enrolmentSecret)
        return fail(401, "ENROL_DENIED", "wrong enrolment secret");
      const agentId = `agent-${randomBytes(4).toString("hex")}`;
      const token = randomBytes(16).toString("hex");
      this.agents.set(agentId, { token, publicKeyPem: String(json.publicKeyPem) });
      return send(201, { agentId, token });
    }
    const agentId = auth();
    if (!agentId) return fail(401, "UNAUTHENTICATED", "unknown token");
    if (req.method === "POST" && req.url === "/v1/heartbeat") {
      this.heartbeats += 1;
      return send(204);
    }
    if (req.method === "POST" && req.url === "/v1/reports") {
      this.posts.push(String(json.id));
      if (this.failReportsWith) return fail(this.failReportsWith, "TEST_FAILURE", "configured failure");
      const parsed = ScanReportSchema.safeParse(json);
      if (!parsed.success) return fail(400, "REPORT_INVALID", parsed.error.issues[0]?.message ?? "invalid");
      const report = parsed.data;
      if (report.agent.id !== agentId) return fail(403, "WRONG_AGENT", "report.agent.id is not this agent");
      if (!verifyReportSignature(report, this.agents.get(agentId)!.publicKeyPem))
        return fail(422, "BAD_SIGNATURE", "signature does not verify");
      const previous = this.accepted.find((r) => r.id === report.id);
      if (previous)
        return send(200, { id: report.id, ledgerSeq: previous.ledgerSeq, hash: "x", duplicate: true });
      const entry = { id: report.id, ledgerSeq: this.accepted.length + 1, agentId };
      this.accepted.push(entry);
      return send(201, { id: report.id, ledgerSeq: entry.ledgerSeq, hash: "x" });
    }
    return fail(404, "NOT_FOUND", "no such route");
  }
}
