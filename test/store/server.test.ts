import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/store/app.js";
import {
  ENROLMENT_SECRET,
  enrolAgent,
  personToken,
  postReport,
  realisticFindings,
  signedReport,
} from "./fixtures.js";

describe("store server: TLS and JSON logs", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "assay-store-tls-"));
    // A self-signed certificate for 127.0.0.1, made with the system openssl.
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("serves HTTPS when given a certificate", async () => {
    const app = await buildApp({
      dataDir: join(dir, "data"),
      logLevel: "silent",
      backgroundJobs: false,
      tls: { certFile: join(dir, "cert.pem"), keyFile: join(dir, "key.pem") },
    });
    try {
      await app.listen({ host: "127.0.0.1", port: 0 });
      const port = (app.server.address() as AddressInfo).port;
      const { readFileSync } = await import("node:fs");
      const body = await new Promise<string>((resolve, reject) => {
        const req = request(
          { host: "127.0.0.1", port, path: "/healthz", ca: readFileSync(join(dir, "cert.pem")) },
          (res) => {
            let text = "";
            res.on("data", (c: Buffer) => {
              text += c.toString();
            });
            res.on("end", () => resolve(text));
          },
        );
        req.on("error", reject);
        req.end();
      });
      expect(JSON.parse(body)).toEqual({ status: "ok", database: "sqlite" });
    } finally {
      await app.close();
    }
  });

  it("logs JSON lines that never contain a token or the enrolment secret", async () => {
    const lines: string[] = [];
    const app = await buildApp(
      {
        dataDir: join(dir, "logs"),
        logLevel: "info",
        backgroundJobs: false,
        enrolmentSecret: ENROLMENT_SECRET,
      },
      { logStream: { write: (line: string) => lines.push(line) } },
    );
    try {
      const agent = await enrolAgent(app);
      const lead = await personToken(app, "lead");
      expect((await postReport(app, agent, signedReport(agent, realisticFindings("log")))).statusCode).toBe(
        201,
      );
      await app.inject({ method: "GET", url: "/v1/posture", headers: { authorization: `Bearer ${lead}` } });
      await app.inject({ method: "GET", url: "/v1/posture", headers: { authorization: "Bearer asp_bogus" } });
    } finally {
      await app.close();
    }
    expect(lines.length).toBeGreaterThan(5);
    const parsed = lines.map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(parsed.some((l) => l.msg === "agent enrolled")).toBe(true);
    expect(parsed.some((l) => l.msg === "request completed")).toBe(true);
    const all = lines.join("\n");
    expect(all).not.toContain(ENROLMENT_SECRET);
    expect(all).not.toMatch(/as[ap]_[0-9A-Z]{26}\./);
    expect(all).not.toContain("Bearer");
  });
});
