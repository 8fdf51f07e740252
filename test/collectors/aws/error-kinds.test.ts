import { createServer, type Server } from "node:http";
import { createServer as createTcpServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, emulatorSettings } from "./harness.js";

/**
 * The real SDK clients against endpoints that fail below or above HTTP: the errors must say what happened
 * (unreachable, service error), never "missing permission", keep the SDK's raw text out of the message,
 * and a 5xx must not be retried maxAttempts times.
 */
async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** A port nobody listens on: bind one, note it, close it. */
async function closedPort(): Promise<string> {
  const probe = createTcpServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/**
 * An STS endpoint that answers every request with one AWS error, in the query protocol's documented XML error
 * shape (https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html; ErrorResponse/Error/Code), or
 * the JSON shape when the SDK speaks JSON (x-amz-target).
 */
async function awsErrorEndpoint(status: number, code: string, message: string) {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      seen.push(/Action=(\w+)/.exec(body)?.[1] ?? String(req.headers["x-amz-target"] ?? ""));
      if (req.headers["x-amz-target"]) {
        res.writeHead(status, {
          "content-type": "application/x-amz-json-1.1",
          "x-amzn-query-error": `${code};Sender`,
        });
        res.end(JSON.stringify({ __type: code, message }));
        return;
      }
      res.writeHead(status, { "content-type": "text/xml" });
      res.end(
        `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>4d0c1f3a-0000-4000-8000-000000000000</RequestId></ErrorResponse>`,
      );
    });
  });
  return { server, url: await listen(server), seen };
}

let html500: Server;
let html500Url: string;
const requests: string[] = [];

beforeAll(async () => {
  // What a misrouted proxy or a broken load balancer answers: an HTML error page with status 500.
  html500 = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      requests.push(`${req.headers["x-amz-target"] ?? ""}${/Action=(\w+)/.exec(body)?.[1] ?? ""}`);
      res.writeHead(500, { "content-type": "text/html" });
      res.end("<html><body><h1>500 Internal Server Error</h1></body></html>");
    });
  });
  html500Url = await listen(html500);
});
afterAll(() => {
  html500.close();
});

describe("AWS error kinds with the real SDK", () => {
  it("an endpoint that refuses connections is unreachable, not a missing permission", async () => {
    const run = await collect(emulatorSettings(await closedPort(), { regions: ["eu-west-1"] }));
    expect(run.resources).toEqual([]);
    expect(run.errors).toHaveLength(1);
    const [error] = run.errors;
    expect(error).toMatchObject({
      collector: "aws",
      kind: "unreachable",
      code: "ECONNREFUSED",
      message: "sts:GetCallerIdentity: the endpoint could not be reached (ECONNREFUSED)",
    });
    expect(error).not.toHaveProperty("permission");
    expect(String((error as { debug?: string }).debug)).toContain("ECONNREFUSED");
  });

  it("an HTML 500 is a service error with the raw SDK text only in debug, tried twice at most", async () => {
    const run = await collect(emulatorSettings(html500Url, { regions: ["eu-west-1"], maxAttempts: 8 }));
    expect(run.errors).toHaveLength(1);
    const [error] = run.errors;
    expect(error).toMatchObject({
      kind: "serviceError",
      message: expect.stringMatching(/^sts:GetCallerIdentity: the service failed to answer \(.*HTTP 500\)$/),
    });
    expect(error?.message).not.toMatch(/Deserialization|hidden field|permission/);
    expect(error).not.toHaveProperty("permission");
    expect(requests.filter((r) => r === "GetCallerIdentity")).toHaveLength(2);
  });

  it("rejected credentials are an invalid configuration, tried once, never a missing permission", async () => {
    const sts = await awsErrorEndpoint(
      403,
      "InvalidClientTokenId",
      "The security token included in the request is invalid.",
    );
    try {
      const run = await collect(emulatorSettings(sts.url, { regions: ["eu-west-1"], maxAttempts: 5 }));
      expect(run.errors).toHaveLength(1);
      expect(run.errors[0]).toMatchObject({ kind: "invalidConfiguration", code: "InvalidClientTokenId" });
      expect(run.errors[0]).not.toHaveProperty("permission");
      expect(run.errors[0]?.message).not.toMatch(/permission/i);
      expect(sts.seen.filter((r) => r === "GetCallerIdentity")).toHaveLength(1);
    } finally {
      sts.server.close();
    }
  });

  it("a call throttled on every attempt is throttled after maxAttempts, not denied", async () => {
    const sts = await awsErrorEndpoint(400, "Throttling", "Rate exceeded");
    try {
      const run = await collect(emulatorSettings(sts.url, { regions: ["eu-west-1"], maxAttempts: 3 }));
      expect(run.errors).toHaveLength(1);
      expect(run.errors[0]).toMatchObject({ kind: "throttled", code: "Throttling" });
      expect(run.errors[0]).not.toHaveProperty("permission");
      expect(sts.seen.filter((r) => r === "GetCallerIdentity")).toHaveLength(3);
    } finally {
      sts.server.close();
    }
  });

  it("a NoSuch… / …NotFound reply is not found, tried once", async () => {
    const sts = await awsErrorEndpoint(404, "NoSuchEntity", "The role with name scanner cannot be found.");
    try {
      const run = await collect(emulatorSettings(sts.url, { regions: ["eu-west-1"], maxAttempts: 5 }));
      expect(run.errors).toHaveLength(1);
      expect(run.errors[0]).toMatchObject({ kind: "notFound", code: "NoSuchEntity" });
      expect(run.errors[0]).not.toHaveProperty("permission");
      expect(sts.seen.filter((r) => r === "GetCallerIdentity")).toHaveLength(1);
    } finally {
      sts.server.close();
    }
  });
});
