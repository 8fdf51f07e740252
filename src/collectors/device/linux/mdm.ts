import { deviceRecord, type Host, type ProbeResult } from "../probe.js";
import { anyProcess } from "./processes.js";

/**
 * Linux has no MDM enrolment of its own: most Linux devices are not managed by one, and the MDM rule does not
 * apply to them (no `mdm` fact, no reason: the rule skips). Where an MDM agent is installed, the device is
 * meant to be managed, so the fact is named unreadable with the agent: Microsoft Intune for Linux keeps its
 * registration in the signed-in user's session (the intune-portal app and the identity broker), which this
 * collector does not read, so it is reported for a person to confirm, never passed or failed on a guess.
 */
const AGENTS: { name: string; paths: string[]; processes: string[] }[] = [
  {
    // https://learn.microsoft.com/en-us/intune/intune-service/fundamentals/deployment-guide-platform-linux
    name: "Microsoft Intune (intune-portal)",
    paths: ["/opt/microsoft/intune/bin/intune-portal", "/opt/microsoft/identitybroker"],
    processes: ["intune-portal", "intune-agent", "microsoft-identity-broker"],
  },
];

export async function probeMdm(host: Host): Promise<ProbeResult> {
  const processes = await host.processes();
  for (const agent of AGENTS) {
    const present = (await Promise.all(agent.paths.map((p) => host.exists(p)))).some(Boolean);
    const running = anyProcess(processes, agent.processes);
    if (!present && !running) continue;
    return deviceRecord().fail(
      "mdm",
      `${agent.name} is installed${running ? ` (${running} running)` : ""}; its enrolment is kept in the user's session and not read by this collector`,
      `file: ${agent.paths.join(", ")}; proc: ${agent.processes.join(", ")}`,
    );
  }
  return deviceRecord();
}
