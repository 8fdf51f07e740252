import { execFile } from "node:child_process";
import { copyFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { parseAgentConfig } from "../../src/agent/config.js";
import { defaultAgentPaths } from "../../src/agent/paths.js";
import { tempDir } from "./helpers.js";

const run = promisify(execFile);
let bundleDir: string;

beforeAll(async () => {
  bundleDir = await tempDir("assay-bundle-");
  await run(process.execPath, ["agent/bundle.mjs", bundleDir]);
}, 120_000);

/** python3's standard library parses the plist and the task XML (no XML dependency in the project). */
async function python(code: string, file: string): Promise<unknown> {
  const { stdout } = await run("python3", ["-c", code, file]);
  return JSON.parse(stdout);
}

describe("deployment files", () => {
  it("the systemd unit passes systemd-analyze verify without a single warning", async () => {
    const dir = await tempDir("assay-unit-");
    const unit = join(dir, "assay-agent.service");
    await copyFile(join(bundleDir, "assay-agent.service"), unit);
    const { stdout, stderr } = await run("systemd-analyze", ["verify", unit]);
    expect(`${stdout}${stderr}`.trim()).toBe("");
    const text = await readFile(unit, "utf8");
    expect(text).toMatch(
      /^ExecStart=\/usr\/bin\/node \/opt\/assay\/assay-agent\.mjs agent --config \/etc\/assay\/agent\.yaml$/m,
    );
    expect(text).toMatch(/^StateDirectory=assay$/m);
    expect(text).toMatch(/^KillSignal=SIGTERM$/m);
    // A deliberately broken copy is reported: the check above can fail.
    await writeFile(unit, text.replace("ProtectSystem=strict", "ProtectSystem=sometimes"));
    const broken = await run("systemd-analyze", ["verify", unit]);
    expect(`${broken.stdout}${broken.stderr}`).toMatch(/Failed to parse protect system value/);
  });

  it("the launchd plist runs the bundle with the macOS default config as a background daemon", async () => {
    const plist = (await python(
      "import json,plistlib,sys; print(json.dumps(plistlib.load(open(sys.argv[1],'rb'))))",
      join(bundleDir, "com.assay.agent.plist"),
    )) as Record<string, unknown>;
    expect(plist.Label).toBe("com.assay.agent");
    expect(plist.ProgramArguments).toEqual([
      "/usr/local/bin/node",
      "/Library/Application Support/Assay/bin/assay-agent.mjs",
      "agent",
      "--config",
      defaultAgentPaths("darwin").configFile,
    ]);
    expect(plist).toMatchObject({
      RunAtLoad: true,
      KeepAlive: { SuccessfulExit: false },
      ProcessType: "Background",
      UserName: "root",
    });
  });

  it("the Windows task runs as SYSTEM at boot with the Windows default config", async () => {
    const task = (await python(
      [
        "import json,sys,xml.etree.ElementTree as ET",
        "ns={'t':'http://schemas.microsoft.com/windows/2004/02/mit/task'}",
        "r=ET.parse(sys.argv[1]).getroot()",
        "g=lambda p: r.find(p,ns).text",
        "print(json.dumps({'user':g('t:Principals/t:Principal/t:UserId'),'boot':r.find('t:Triggers/t:BootTrigger',ns) is not None,",
        "'command':g('t:Actions/t:Exec/t:Command'),'args':g('t:Actions/t:Exec/t:Arguments'),'limit':g('t:Settings/t:ExecutionTimeLimit')}))",
      ].join("\n"),
      join(bundleDir, "assay-agent-task.xml"),
    )) as Record<string, unknown>;
    expect(task).toEqual({
      user: "S-1-5-18",
      boot: true,
      command: '"__NODE__"',
      args: `"__HOME__\\assay-agent.mjs" agent --config "${defaultAgentPaths("win32", {}).configFile}"`,
      limit: "PT0S",
    });
    const installer = await readFile(join(bundleDir, "install-windows.ps1"), "utf8");
    expect(installer).toContain("Register-ScheduledTask");
    expect(installer).toContain("'__NODE__'");
  });

  it("the example agent.yaml is a valid config, also with the Windows log file enabled", async () => {
    const text = await readFile(join(bundleDir, "agent.example.yaml"), "utf8");
    const config = parseAgentConfig("/etc/assay/agent.yaml", text, {});
    expect(config.store.enrolmentSecretFile).toBe("/etc/assay/enrolment-secret");
    expect(config.jobs.map((j) => j.name)).toEqual(["device-posture"]);
    const windows = text.replace(
      "  # file: C:\\ProgramData\\Assay\\logs\\agent.log",
      "  file: C:\\ProgramData\\Assay\\logs\\agent.log",
    );
    expect(windows).not.toBe(text);
    expect(parseAgentConfig("/etc/assay/agent.yaml", windows, {}).log.file).toContain("agent.log");
  });

  it("the bundle runs with only Node: help, and a config error names the field and line", async () => {
    const help = await run(process.execPath, [join(bundleDir, "assay-agent.mjs"), "agent", "--help"]);
    expect(help.stdout).toMatch(/--config <file>/);
    const dir = await tempDir("assay-badconf-");
    const bad = join(dir, "agent.yaml");
    await writeFile(
      bad,
      'store:\n  url: https://a.example\njobs:\n  - name: posture\n    schedule: "every day"\n',
    );
    const failed = await run(process.execPath, [
      join(bundleDir, "assay-agent.mjs"),
      "agent",
      "--config",
      bad,
    ]).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toMatch(/agent\.yaml:5:\d+: jobs\.0\.schedule: not a valid cron expression/);
  });
});
