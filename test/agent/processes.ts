import { type ChildProcess, execFile, spawn } from "node:child_process";
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { type AddressInfo, createServer as createNetServer } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";

/**
 * Real processes for the agent's end-to-end tests: the store (`assay store serve` from dist/), the agent
 * (the single-file bundle, exactly what MDM deploys) and a small HTTP proxy between them that can play
 * "store down" or hold the store's reply to one upload.
 */
const CLI = join(process.cwd(), "dist", "cli", "index.js");
const run = promisify(execFile);

export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}

export class StoreProcess {
  private child: ChildProcess | undefined;
  output = "";
  constructor(
    readonly dataDir: string,
    readonly port: number,
    readonly enrolmentSecret: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.child = spawn(
      process.execPath,
      [CLI, "store", "serve", "--data-dir", this.dataDir, "--port", String(this.port)],
      {
        env: { ...process.env, ASSAY_ENROLMENT_SECRET: this.enrolmentSecret },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    this.child.stdout?.on("data", (d: Buffer) => {
      this.output += d.toString();
    });
    this.child.stderr?.on("data", (d: Buffer) => {
      this.output += d.toString();
    });
    const child = this.child;
    await waitFor(`the store on port ${this.port}`, async () => {
      if (child.exitCode !== null) throw new Error(`store exited: ${this.output}`);
      return fetch(`${this.url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    child.kill("SIGTERM");
    await exited(child);
  }

  async createToken(role: string): Promise<string> {
    const { stdout } = await run(process.execPath, [
      CLI,
      "store",
      "token",
      "create",
      "--role",
      role,
      "--name",
      "agent-e2e",
      "--data-dir",
      this.dataDir,
    ]);
    return stdout.trim();
  }

  /** Report ids in the evidence ledger, in ledger order (duplicates would show up twice). */
  async ledgerReportIds(token: string): Promise<string[]> {
    const ids: string[] = [];
    let after = 0;
    for (;;) {
      const reply = await fetch(`${this.url}/v1/ledger?after=${after}&limit=5000`, {
        headers: { authorization: `Bearer ${token}` },
      });
      if (!reply.ok) throw new Error(`ledger: HTTP ${reply.status} ${await reply.text()}`);
      const page = (await reply.json()) as {
        entries: { seq: number; kind: string; ref: string }[];
        next?: number;
      };
      ids.push(...page.entries.filter((e) => e.kind === "report").map((e) => e.ref));
      if (page.next === undefined) return ids;
      after = page.next;
    }
  }
}

export type LogLine = Record<string, unknown> & { msg: string };

export class AgentProcess {
  readonly lines: LogLine[] = [];
  raw = "";
  private readonly child: ChildProcess;
  private readonly listeners = new Set<(line: LogLine) => void>();

  constructor(bundle: string, configFile: string, env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [bundle, "agent", "--config", configFile], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let partial = "";
    this.child.stdout?.on("data", (d: Buffer) => {
      const text = d.toString();
      this.raw += text;
      partial += text;
      const complete = partial.split("\n");
      partial = complete.pop() ?? "";
      for (const l of complete.filter(Boolean)) {
        const line = JSON.parse(l) as LogLine;
        this.lines.push(line);
        for (const listener of this.listeners) listener(line);
      }
    });
    this.child.stderr?.on("data", (d: Buffer) => {
      this.raw += d.toString();
    });
  }

  /** Called synchronously for each log line as it arrives (to kill the agent at an exact step). */
  onLine(listener: (line: LogLine) => void): void {
    this.listeners.add(listener);
  }

  ids(msg: string): string[] {
    return this.lines.filter((l) => l.msg === msg).map((l) => String(l.reportId));
  }

  waitForLine(what: string, match: (line: LogLine) => boolean, timeoutMs = 30_000): Promise<LogLine> {
    return waitFor(
      what,
      () => {
        if (this.child.exitCode !== null)
          throw new Error(`agent exited (${this.child.exitCode}) while waiting for ${what}:\n${this.raw}`);
        return this.lines.find(match);
      },
      timeoutMs,
    );
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  exited() {
    return exited(this.child);
  }
}

type ProxyMode = "pass" | "down";

/**
 * Between agent and store: "pass" forwards, "down" answers 503 like a load balancer with no backend, and
 * `holdNextReport()` forwards one upload to the store but never answers the agent (the ack is lost).
 */
export class StoreProxy {
  mode: ProxyMode = "pass";
  private server: Server | undefined;
  private holding: { resolve: (id: string) => void; releaseAfterMs?: number } | undefined;
  private readonly held: ServerResponse[] = [];
  port = 0;

  constructor(private readonly target: () => number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const res of this.held.splice(0)) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Resolves with the id of the report whose reply was swallowed, once the store has answered it. */
  holdNextReport(releaseAfterMs?: number): Promise<string> {
    return new Promise((resolve) => {
      this.holding = { resolve, ...(releaseAfterMs !== undefined ? { releaseAfterMs } : {}) };
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    if (this.mode === "down") {
      res.writeHead(503, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "UNAVAILABLE", message: "no backend" } }));
      return;
    }
    const upstream = await new Promise<{ status: number; headers: Record<string, string>; body: Buffer }>(
      (resolve, reject) => {
        const forward = httpRequest(
          { host: "127.0.0.1", port: this.target(), method: req.method, path: req.url, headers: req.headers },
          (reply) => {
            const parts: Buffer[] = [];
            reply.on("data", (p: Buffer) => parts.push(p));
            reply.on("end", () =>
              resolve({
                status: reply.statusCode ?? 502,
                headers: reply.headers as Record<string, string>,
                body: Buffer.concat(parts),
              }),
            );
          },
        );
        forward.on("error", reject);
        forward.end(body);
      },
    ).catch(() => undefined);
    if (!upstream) {
      res.writeHead(502).end();
      return;
    }
    if (req.url === "/v1/reports" && this.holding && upstream.status < 300) {
      const holding = this.holding;
      this.holding = undefined;
      this.held.push(res);
      holding.resolve(String((JSON.parse(body.toString()) as { id: string }).id));
      if (holding.releaseAfterMs !== undefined) {
        setTimeout(() => {
          res.writeHead(upstream.status, upstream.headers);
          res.end(upstream.body);
        }, holding.releaseAfterMs);
      }
      return;
    }
    res.writeHead(upstream.status, upstream.headers);
    res.end(upstream.body);
  }
}
