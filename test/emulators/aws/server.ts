import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { backupHandler } from "./backup.js";
import { jsonHandler } from "./json-services.js";
import { EmuError, type EmuReply, type EmuRequest, type Protocol, type ServiceHandler } from "./protocol.js";
import { ec2Handler, queryHandler } from "./query-services.js";
import { s3Handler } from "./s3.js";
import type { EmuWorld } from "./state.js";
import { ecrHandler, elbv2Handler, inspector2Handler, logsHandler } from "./vuln-network-logs.js";

/**
 * A protocol-level AWS emulator: one HTTP server on 127.0.0.1 that answers the real SDK clients (pointed at it
 * with `endpoint`) in each service's wire protocol. The service and region come from the SigV4 credential
 * scope, the account from the access key id, so several accounts and regions share one endpoint.
 */
const handlers: Record<string, ServiceHandler> = {
  s3: s3Handler,
  kms: jsonHandler,
  cloudtrail: jsonHandler,
  organizations: jsonHandler,
  backup: backupHandler,
  iam: queryHandler,
  sts: queryHandler,
  rds: queryHandler,
  ec2: ec2Handler,
  inspector2: inspector2Handler,
  ecr: ecrHandler,
  logs: logsHandler,
  elasticloadbalancing: elbv2Handler,
};

const DENIED: Record<Protocol, { code: string; status: number }> = {
  restXml: { code: "AccessDenied", status: 403 },
  json: { code: "AccessDeniedException", status: 400 },
  restJson: { code: "AccessDeniedException", status: 403 },
  query: { code: "AccessDenied", status: 403 },
  ec2: { code: "UnauthorizedOperation", status: 403 },
};

const THROTTLED: Record<Protocol, { code: string; status: number }> = {
  restXml: { code: "SlowDown", status: 503 },
  json: { code: "ThrottlingException", status: 400 },
  restJson: { code: "TooManyRequestsException", status: 429 },
  query: { code: "Throttling", status: 400 },
  ec2: { code: "RequestLimitExceeded", status: 503 },
};

export interface RunningEmulator {
  url: string;
  world: EmuWorld;
  close(): Promise<void>;
}

export function createWorld(partial: Partial<EmuWorld> = {}): EmuWorld {
  return {
    accounts: new Map(),
    credentials: new Map(),
    pageSize: 1000,
    latencyMs: 0,
    calls: new Map(),
    ...partial,
  };
}

export async function startAwsEmulator(world: EmuWorld): Promise<RunningEmulator> {
  const server: Server = createServer((req, res) => {
    handle(world, req, res).catch((err: unknown) => {
      res.statusCode = 500;
      res.end(String(err));
    });
  });
  server.keepAliveTimeout = 30_000;
  // Connections opened by clients, reported by the calls endpoint: shows whether keep-alive reuses sockets.
  server.on("connection", () => count(world, "__connections"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    world,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** Unsigned GET that returns the call counters as JSON. */
export const CALLS_PATH = "/__emulator/calls";

const SCOPE = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/;

async function handle(world: EmuWorld, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const url = new URL(req.url ?? "/", "http://emulator");
  if (url.pathname === CALLS_PATH) {
    // Control endpoint for benchmarks in another process (no bucket can be named `__emulator`).
    const cpu = process.cpuUsage();
    const body = { ...Object.fromEntries(world.calls), __cpuMs: Math.round((cpu.user + cpu.system) / 1000) };
    send(res, { contentType: "application/json", body: JSON.stringify(body) });
    return;
  }
  const scope = SCOPE.exec(String(req.headers.authorization ?? ""));
  const service = scope?.[3] ?? "";
  const handler = handlers[service];
  let protocol: Protocol = handler?.protocol ?? "query";
  count(world, "total");
  try {
    if (!scope || !handler)
      throw new EmuError("MissingAuthenticationToken", 403, "Request is not signed for a known service");
    const accessKeyId = scope[1] ?? "";
    const who = world.credentials.get(accessKeyId);
    const account = who ? world.accounts.get(who.accountId) : undefined;
    if (!account) {
      throw new EmuError(
        protocol === "restXml" ? "InvalidAccessKeyId" : "InvalidClientTokenId",
        403,
        "The security token included in the request is invalid.",
      );
    }
    const contentType = String(req.headers["content-type"] ?? "");
    const request: EmuRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
      region: scope[2] ?? "",
      service,
      accessKeyId,
      form: contentType.startsWith("application/x-www-form-urlencoded")
        ? new URLSearchParams(body.toString("utf8"))
        : new URLSearchParams(),
      json:
        contentType.includes("json") && body.length > 0
          ? (JSON.parse(body.toString("utf8")) as Record<string, unknown>)
          : {},
    };
    const operation = handler.resolve(request, account, world);
    protocol = handler.protocol;
    count(world, operation.action);
    if (world.latencyMs > 0) await sleep(world.latencyMs);
    if (account.denied.has(operation.action)) {
      const d = DENIED[protocol];
      throw new EmuError(
        d.code,
        d.status,
        `User: ${who?.arn} is not authorized to perform: ${operation.action} because no identity-based policy allows the ${operation.action} action`,
      );
    }
    const throttled = account.throttle.get(operation.action) ?? 0;
    if (throttled > 0) {
      account.throttle.set(operation.action, throttled - 1);
      const t = THROTTLED[protocol];
      throw new EmuError(t.code, t.status, "Rate exceeded");
    }
    send(res, operation.run());
  } catch (err) {
    if (!(err instanceof EmuError)) throw err;
    send(res, errorReply(protocol, err));
  }
}

function count(world: EmuWorld, key: string): void {
  world.calls.set(key, (world.calls.get(key) ?? 0) + 1);
}

function send(res: ServerResponse, reply: EmuReply): void {
  res.statusCode = reply.status ?? 200;
  res.setHeader("content-type", reply.contentType);
  res.setHeader("x-amzn-requestid", "emu-request");
  for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
  res.end(reply.body);
}

function escapeText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function errorReply(protocol: Protocol, err: EmuError): EmuReply {
  const message = escapeText(err.message);
  switch (protocol) {
    case "restXml":
      return {
        status: err.status,
        contentType: "application/xml",
        body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${err.code}</Code><Message>${message}</Message><RequestId>emu</RequestId></Error>`,
      };
    case "json":
      return {
        status: err.status,
        contentType: "application/x-amz-json-1.1",
        body: JSON.stringify({ __type: err.code, message: err.message }),
      };
    case "restJson":
      return {
        status: err.status,
        contentType: "application/json",
        headers: { "x-amzn-errortype": err.code },
        body: JSON.stringify({ Message: err.message, Code: err.code }),
      };
    case "query":
      return {
        status: err.status,
        contentType: "text/xml",
        body: `<ErrorResponse><Error><Type>Sender</Type><Code>${err.code}</Code><Message>${message}</Message></Error><RequestId>emu</RequestId></ErrorResponse>`,
      };
    case "ec2":
      return {
        status: err.status,
        contentType: "text/xml",
        body: `<Response><Errors><Error><Code>${err.code}</Code><Message>${message}</Message></Error></Errors><RequestID>emu</RequestID></Response>`,
      };
  }
}
