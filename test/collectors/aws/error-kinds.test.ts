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
});
