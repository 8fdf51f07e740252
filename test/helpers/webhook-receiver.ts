import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A real HTTP receiver on 127.0.0.1 for webhook, Slack and Teams deliveries: it records every request and
 * can be told to fail the next N requests on a path or to answer slowly.
 */
export class WebhookReceiver {
  readonly received: ReceivedRequest[] = [];
  private failures = new Map<string, number>();
  private server: Server;
  delayMs = 0;

  private constructor(server: Server) {
    this.server = server;
  }

  static async start(): Promise<WebhookReceiver> {
    const receiver: WebhookReceiver = new WebhookReceiver(
      createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          const path = req.url ?? "/";
          const respond = () => {
            const failing = receiver.failures.get(path) ?? 0;
            if (failing > 0) {
              receiver.failures.set(path, failing - 1);
              res.writeHead(503, { "content-type": "text/plain" }).end("try later");
              return;
            }
            receiver.received.push({
              path,
              headers: req.headers,
              body: Buffer.concat(chunks).toString("utf8"),
            });
            res.writeHead(200, { "content-type": "text/plain" }).end("ok");
          };
          if (receiver.delayMs > 0) setTimeout(respond, receiver.delayMs);
          else respond();
        });
      }),
    );
    await new Promise<void>((resolve) => receiver.server.listen(0, "127.0.0.1", resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  failNext(path: string, times: number): void {
    this.failures.set(path, times);
  }

  on(path: string): ReceivedRequest[] {
    return this.received.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
