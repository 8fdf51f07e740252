import { join } from "node:path";

/** Where the agent keeps its config and its state on each OS, following each platform's convention. */
export interface AgentPaths {
  configFile: string;
  stateDir: string;
}

export function defaultAgentPaths(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
): AgentPaths {
  switch (platform) {
    case "darwin": {
      const base = "/Library/Application Support/Assay";
      return { configFile: join(base, "agent.yaml"), stateDir: join(base, "state") };
    }
    case "win32": {
      // %ProgramData% is C:\ProgramData unless the machine moved it; path.win32 keeps backslashes on any host.
      const base = `${env.ProgramData ?? env.PROGRAMDATA ?? "C:\\ProgramData"}\\Assay`;
      return { configFile: `${base}\\agent.yaml`, stateDir: `${base}\\state` };
    }
    default:
      return { configFile: "/etc/assay/agent.yaml", stateDir: "/var/lib/assay" };
  }
}
