import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isKnownRegion } from "../../../src/collectors/aws/regions.js";
import { parseAwsSettings } from "../../../src/collectors/aws/settings.js";
import { AssayError } from "../../../src/core/errors.js";
import { runCli } from "../../helpers/cli.js";

function problem(raw: unknown): string {
  try {
    parseAwsSettings(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(AssayError);
    expect((err as AssayError).code).toBe("COLLECTOR_SETTINGS_INVALID");
    return (err as Error).message;
  }
  throw new Error("expected the settings to be refused");
}

describe("aws settings, checked before any call", () => {
  it("knows regions from the SDK's partition data, in every partition, and no pseudo-regions", () => {
    for (const region of ["us-east-1", "eu-west-2", "cn-north-1", "us-gov-west-1"]) {
      expect(isKnownRegion(region), region).toBe(true);
    }
    for (const name of ["euwest2", "eu-west-9", "aws-global", "us-east-1a", "EU-WEST-2"]) {
      expect(isKnownRegion(name), name).toBe(false);
    }
  });

  it("names each unknown region by its setting and suggests the likely one", () => {
    const message = problem({ regions: ["eu-west-1", "euwest2"], homeRegion: "us-east1" });
    expect(message).toBe(
      "the aws settings are not valid, so nothing was scanned:\n" +
        '  aws.regions[1]: "euwest2" is not a region the AWS SDK knows (did you mean eu-west-2?)\n' +
        '  aws.homeRegion: "us-east1" is not a region the AWS SDK knows (did you mean us-east-1?)',
    );
  });

  it("names unknown and mistyped settings by their path", () => {
    expect(problem({ region: ["eu-west-1"] })).toContain('  aws: unknown setting "region"');
    expect(problem({ concurrency: 0 })).toMatch(/\n {2}aws\.concurrency: /);
    expect(problem({ services: ["s3", "lambda"] })).toMatch(/\n {2}aws\.services\[1\]: /);
  });

  it("accepts valid settings and fills the defaults", () => {
    const s = parseAwsSettings({ regions: ["eu-west-1"] });
    expect(s).toMatchObject({ homeRegion: "us-east-1", maxAttempts: 5, callTimeoutSeconds: 60 });
  });

  it("assay scan exits 2 with one message and makes no call", async () => {
    // A listening socket that records connections: the scan must not open one.
    let connections = 0;
    const server = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    const dir = await mkdtemp(join(tmpdir(), "assay-aws-settings-"));
    const file = join(dir, "assay.yaml");
    await writeFile(
      file,
      [
        "scan:",
        "  collectors: [aws]",
        "aws:",
        `  endpoint: http://127.0.0.1:${port}`,
        "  credentials: { accessKeyId: AKIDEXAMPLE, secretAccessKey: not-a-secret }",
        "  regions: [euwest2]",
        "",
      ].join("\n"),
    );
    const result = runCli(["scan", "--config", file, "--fail-on", "high"]);
    server.close();
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "assay: the aws settings are not valid, so nothing was scanned:\n" +
        '  aws.regions[0]: "euwest2" is not a region the AWS SDK knows (did you mean eu-west-2?)\n',
    );
    expect(connections).toBe(0);
  });
});
