import { execFile } from "node:child_process";
import { access, chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { AssayError } from "../core/errors.js";
import { parseAgentConfig } from "./config.js";
import { defaultAgentPaths } from "./paths.js";
import { DIR_MODE, FILE_MODE, statePaths } from "./state.js";

/**
 * `assay agent install` / `assay agent uninstall`: what every package runs on the device (the .deb/.rpm
 * maintainer scripts, the MSI's custom actions, the macOS postinstall), so install-time settings are handled
 * once, in code that is tested, and never baked into a shared package.
 *
 * Install writes agent.yaml only when there is none (an upgrade keeps the config, the identity and the
 * spool), writes the enrolment secret 0600 beside it only while the agent is not enrolled, and on Windows
 * closes the data folder to SYSTEM and Administrators and registers the scheduled task.
 */
export interface InstallOptions {
  configFile?: string;
  storeUrl?: string;
  group?: string;
  enrolmentSecret?: string;
  logFile?: string;
  /** Windows: register and start the scheduled task that runs the agent. */
  registerTask?: boolean;
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
  run?: CommandRunner;
}

export interface InstallResult {
  configFile: string;
  configWritten: boolean;
  secretWritten: boolean;
  taskRegistered: boolean;
  messages: string[];
}

export type CommandRunner = (file: string, args: string[]) => Promise<void>;

const TASK_NAME = "\\Assay\\Assay Agent";

export async function installAgent(options: InstallOptions): Promise<InstallResult> {
  const platform = options.platform ?? process.platform;
  const env = options.env ?? process.env;
  const defaults = defaultAgentPaths(platform, env);
  const configFile = options.configFile ?? defaults.configFile;
  const configDir = dirname(configFile);
  const run = options.run ?? runCommand;
  const messages: string[] = [];
  await mkdir(configDir, { recursive: true, mode: DIR_MODE });
  if (platform === "win32") await restrictWindowsFolder(configDir, run);

  let configWritten = false;
  if (await exists(configFile)) {
    messages.push(`kept the existing config ${configFile}`);
  } else {
    if (!options.storeUrl) {
      throw new AssayError(
        "AGENT_INSTALL_NO_STORE",
        `no agent config at ${configFile} and no store URL given: pass --store-url (MSI: STOREURL=…, deb: debconf assay-agent/store-url or ASSAY_STORE_URL)`,
      );
    }
    const text = agentConfigText({
      storeUrl: options.storeUrl,
      group: options.group,
      logFile:
        options.logFile ??
        (platform === "win32" ? join(dirname(configFile), "logs", "agent.log") : undefined),
    });
    // The same validation the agent applies at start, so a bad URL fails the install, not the first boot.
    parseAgentConfig(configFile, text, {});
    await writeFile(configFile, text, { mode: FILE_MODE });
    await chmod(configFile, FILE_MODE);
    configWritten = true;
    messages.push(`wrote ${configFile}`);
  }

  let secretWritten = false;
  const stateDir = env.ASSAY_STATE_DIR ?? defaults.stateDir;
  if (options.enrolmentSecret) {
    if (await exists(statePaths(stateDir).identity)) {
      messages.push("already enrolled: the enrolment secret was not stored");
    } else {
      const secretFile = join(configDir, "enrolment-secret");
      await writeFile(secretFile, `${options.enrolmentSecret.trim()}\n`, { mode: FILE_MODE });
      await chmod(secretFile, FILE_MODE);
      secretWritten = true;
      messages.push(`stored the enrolment secret in ${secretFile} (read once, at enrolment)`);
    }
  }

  let taskRegistered = false;
  if (options.registerTask) {
    if (platform !== "win32") throw new AssayError("AGENT_INSTALL_TASK", "--register-task is for Windows");
    const xmlFile = join(configDir, "assay-agent-task.xml");
    // schtasks reads task XML as UTF-16 when it says so; a BOM makes that unambiguous.
    await writeFile(xmlFile, `\ufeff${windowsTaskXml(process.execPath, configFile)}`, {
      encoding: "utf16le",
    });
    await run("schtasks.exe", ["/Create", "/TN", TASK_NAME, "/XML", xmlFile, "/F"]);
    await run("schtasks.exe", ["/Run", "/TN", TASK_NAME]);
    await rm(xmlFile, { force: true });
    taskRegistered = true;
    messages.push(`registered and started the scheduled task ${TASK_NAME}`);
  }
  return { configFile, configWritten, secretWritten, taskRegistered, messages };
}

export interface UninstallOptions {
  configFile?: string;
  /** Also remove the config, the identity, the signing key and any unsent reports. */
  purge?: boolean;
  removeTask?: boolean;
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
  run?: CommandRunner;
}

export async function uninstallAgent(options: UninstallOptions): Promise<string[]> {
  const platform = options.platform ?? process.platform;
  const env = options.env ?? process.env;
  const defaults = defaultAgentPaths(platform, env);
  const run = options.run ?? runCommand;
  const messages: string[] = [];
  if (options.removeTask) {
    // Ending a task that is not running, or deleting one that is gone, is not a failure of uninstall.
    await run("schtasks.exe", ["/End", "/TN", TASK_NAME]).catch(() => undefined);
    await run("schtasks.exe", ["/Delete", "/TN", TASK_NAME, "/F"]).catch(() => undefined);
    messages.push(`removed the scheduled task ${TASK_NAME}`);
  }
  if (options.purge) {
    const configDir = dirname(options.configFile ?? defaults.configFile);
    const stateDir = env.ASSAY_STATE_DIR ?? defaults.stateDir;
    for (const dir of new Set([stateDir, configDir])) {
      await rm(dir, { recursive: true, force: true });
      messages.push(`removed ${dir}`);
    }
  } else {
    messages.push("kept the config, identity and spool (purge to remove them)");
  }
  return messages;
}

export function agentConfigText(settings: { storeUrl: string; group?: string; logFile?: string }): string {
  const config = {
    store: {
      url: settings.storeUrl,
      enrolmentSecretFile: "enrolment-secret",
      ...(settings.group ? { group: settings.group } : {}),
    },
    jobs: [
      {
        name: "device-posture",
        schedule: "0 */4 * * *",
        jitterSeconds: 1800,
        runAtStart: true,
        collectors: ["device"],
      },
    ],
    log: { level: "info", ...(settings.logFile ? { file: settings.logFile } : {}) },
  };
  return `# Written by \`assay agent install\`; edit freely, upgrades keep it. Reference: agent.example.yaml.\n${stringify(config)}`;
}

/** The task the MSI registers: at boot, as SYSTEM, restarted after a failure, no time limit. */
export function windowsTaskXml(executable: string, configFile: string): string {
  const esc = (s: string) =>
    s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  return `<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.4" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo><Description>Assay compliance agent: device posture checks, signed reports, offline spool.</Description><URI>${TASK_NAME}</URI></RegistrationInfo>
  <Triggers><BootTrigger><Enabled>true</Enabled></BootTrigger></Triggers>
  <Principals><Principal id="System"><UserId>S-1-5-18</UserId><RunLevel>HighestAvailable</RunLevel></Principal></Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <AllowHardTerminate>true</AllowHardTerminate>
    <StartWhenAvailable>true</StartWhenAvailable>
    <IdleSettings><StopOnIdleEnd>false</StopOnIdleEnd><RestartOnIdle>false</RestartOnIdle></IdleSettings>
    <AllowStartOnDemand>true</AllowStartOnDemand>
    <Enabled>true</Enabled>
    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>
    <Priority>7</Priority>
    <RestartOnFailure><Interval>PT1M</Interval><Count>999</Count></RestartOnFailure>
  </Settings>
  <Actions Context="System"><Exec><Command>"${esc(executable)}"</Command><Arguments>agent --config "${esc(configFile)}"</Arguments></Exec></Actions>
</Task>
`;
}

/** Only SYSTEM and Administrators may read the config folder (the enrolment secret, the agent's identity). */
async function restrictWindowsFolder(dir: string, run: CommandRunner): Promise<void> {
  await run("icacls.exe", [
    dir,
    "/inheritance:r",
    "/grant:r",
    "*S-1-5-18:(OI)(CI)F",
    "*S-1-5-32-544:(OI)(CI)F",
  ]);
}

async function runCommand(file: string, args: string[]): Promise<void> {
  try {
    await promisify(execFile)(file, args, { windowsHide: true });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new AssayError(
      "AGENT_INSTALL_COMMAND",
      `${file} ${args[0] ?? ""} failed: ${(e.stderr || e.message).trim()}`,
    );
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
