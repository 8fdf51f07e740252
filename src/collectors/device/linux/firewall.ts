import { z } from "zod";
import type { DeviceFacts } from "../../../core/facts/device.js";
import { describeFailure, type ExecResult } from "../exec.js";
import { deviceRecord, type Host, type ProbeResult } from "../probe.js";

type Firewall = NonNullable<DeviceFacts["firewall"]>;

/** What one packet-filter ruleset says about inbound traffic. */
export interface Ruleset {
  /** All rules in all tables. */
  ruleCount: number;
  /** Rules reachable from the input hook (directly or through jump/goto), i.e. rules that filter inbound traffic. */
  inboundRuleCount: number;
  /** Policy of the input hook: "deny" when unmatched inbound packets are dropped. */
  inputPolicy?: "allow" | "deny";
}

type Json = unknown;
const NftSchema = z.object({ nftables: z.array(z.record(z.string(), z.unknown())) });
const NftChainSchema = z.object({
  family: z.string(),
  table: z.string(),
  name: z.string(),
  hook: z.string().optional(),
  type: z.string().optional(),
  policy: z.string().optional(),
});
const NftRuleSchema = z.object({
  family: z.string(),
  table: z.string(),
  chain: z.string(),
  expr: z.array(z.unknown()).optional(),
});

/** Jump and goto targets anywhere inside a rule's expressions (verdict maps nest them). */
function jumpTargets(value: Json, out: string[]): string[] {
  if (Array.isArray(value)) {
    for (const v of value) jumpTargets(v, out);
  } else if (value && typeof value === "object") {
    for (const [key, v] of Object.entries(value)) {
      if ((key === "jump" || key === "goto") && v && typeof v === "object" && "target" in v) {
        const target = (v as { target: unknown }).target;
        if (typeof target === "string") out.push(target);
      } else jumpTargets(v, out);
    }
  }
  return out;
}

/** An nft rule without any match that drops or rejects: everything reaching it is denied. */
function deniesEverything(expr: unknown[]): boolean {
  const keys = expr.flatMap((e) => (e && typeof e === "object" ? Object.keys(e) : []));
  return (
    keys.some((k) => k === "drop" || k === "reject") &&
    keys.every((k) => ["drop", "reject", "counter", "log"].includes(k))
  );
}

/** Count rules reachable from the start chains through jump/goto edges. */
function reachable(start: string[], rulesByChain: Map<string, string[][]>): number {
  const seen = new Set<string>();
  const queue = [...start];
  let count = 0;
  while (queue.length) {
    const chain = queue.shift() as string;
    if (seen.has(chain)) continue;
    seen.add(chain);
    for (const targets of rulesByChain.get(chain) ?? []) {
      count += 1;
      queue.push(...targets);
    }
  }
  return count;
}

/** Pure: `nft -j list ruleset` -> ruleset summary. */
export function parseNftRuleset(json: string): Ruleset {
  const parsed = NftSchema.parse(JSON.parse(json));
  const rulesByChain = new Map<string, string[][]>();
  const lastRuleDenies = new Map<string, boolean>();
  const inputChains: string[] = [];
  let inputPolicy: Ruleset["inputPolicy"];
  let ruleCount = 0;
  for (const item of parsed.nftables) {
    if ("chain" in item) {
      const chain = NftChainSchema.safeParse(item.chain);
      // libnftables-json(5): a base chain (one with a hook) always carries its type.
      if (!chain.success || chain.data.hook !== "input" || chain.data.type !== "filter") continue;
      if (!["inet", "ip", "ip6"].includes(chain.data.family)) continue;
      inputChains.push(`${chain.data.family}/${chain.data.table}/${chain.data.name}`);
      // Several input chains may exist (ip and ip6, or two tables); a drop in any of them filters inbound.
      const policy = chain.data.policy === "drop" ? "deny" : "allow";
      inputPolicy = inputPolicy === "deny" ? "deny" : policy;
    } else if ("rule" in item) {
      const rule = NftRuleSchema.safeParse(item.rule);
      if (!rule.success) continue;
      ruleCount += 1;
      const { family, table, chain } = rule.data;
      const key = `${family}/${table}/${chain}`;
      const targets = jumpTargets(rule.data.expr ?? [], []).map((t) => `${family}/${table}/${t}`);
      rulesByChain.set(key, [...(rulesByChain.get(key) ?? []), targets]);
      lastRuleDenies.set(key, deniesEverything(rule.data.expr ?? []));
    }
  }
  // firewalld and many hand-written rulesets accept by policy but end the input chain with a catch-all reject.
  if (inputChains.some((c) => lastRuleDenies.get(c))) inputPolicy = "deny";
  return {
    ruleCount,
    inboundRuleCount: reachable(inputChains, rulesByChain),
    ...(inputPolicy ? { inputPolicy } : {}),
  };
}

/** Pure: `iptables-save` (or `ip6tables-save`) -> ruleset summary; only the filter table's INPUT path counts as inbound. */
export function parseIptablesSave(text: string): Ruleset {
  const rulesByChain = new Map<string, string[][]>();
  let table = "";
  let ruleCount = 0;
  let inputPolicy: Ruleset["inputPolicy"];
  let lastInputRule = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("*")) table = line.slice(1);
    else if (line.startsWith(":") && table === "filter") {
      const [chain, policy] = line.slice(1).split(/\s+/);
      if (chain === "INPUT") inputPolicy = policy === "DROP" || policy === "REJECT" ? "deny" : "allow";
    } else if (line.startsWith("-A ")) {
      ruleCount += 1;
      if (table !== "filter") continue;
      const chain = line.split(/\s+/)[1] ?? "";
      if (chain === "INPUT") lastInputRule = line;
      const target = /\s-[jg]\s+(\S+)/.exec(line)?.[1];
      const targets =
        target && !["ACCEPT", "DROP", "REJECT", "RETURN", "LOG"].includes(target) ? [target] : [];
      rulesByChain.set(chain, [...(rulesByChain.get(chain) ?? []), targets]);
    }
  }
  // A final unconditional `-A INPUT -j REJECT|DROP` denies by default as surely as the chain policy.
  if (/^-A INPUT -j (DROP|REJECT)(\s+--reject-with\s+\S+)?$/.test(lastInputRule)) inputPolicy = "deny";
  return {
    ruleCount,
    inboundRuleCount: reachable(["INPUT"], rulesByChain),
    ...(inputPolicy ? { inputPolicy } : {}),
  };
}

export interface UfwStatus {
  active: boolean;
  rules: number;
  defaultIncoming?: "allow" | "deny";
}

/** Pure: `ufw status verbose`. */
export function parseUfwStatus(text: string): UfwStatus {
  const active = /^Status:\s*active\b/m.test(text);
  const incoming = /^Default:\s*(\w+)\s*\(incoming\)/m.exec(text)?.[1];
  const table = text.split(/^--\s+-+\s+-+.*$/m)[1] ?? "";
  const rules = table.split("\n").filter((l) => l.trim() !== "").length;
  return {
    active,
    rules: active ? rules : 0,
    ...(incoming ? { defaultIncoming: incoming === "allow" ? "allow" : "deny" } : {}),
  };
}

export interface FirewallInputs {
  nft?: Ruleset;
  iptables?: Ruleset;
  ufw?: UfwStatus;
  firewalldRunning?: boolean;
  /** Front-ends and tools that are installed, in order of preference, for naming the backend when none is active. */
  installed: Firewall["backend"][];
}

/**
 * Pure: the tools' answers -> one firewall fact. "Enabled" means inbound traffic is actually filtered: the
 * input hook drops by default or has rules. A ruleset with only NAT/forward rules (Docker) is not a host firewall.
 */
export function decideFirewall(inputs: FirewallInputs): Firewall {
  const kernel = pickKernelRuleset(inputs);
  const filters = (r?: Ruleset) => !!r && (r.inputPolicy === "deny" || r.inboundRuleCount > 0);
  // A rule count is stated only from a ruleset that was read (or ufw's own list): a kernel ruleset nobody could
  // read has no count, rather than 0.
  const facts = (
    backend: Firewall["backend"],
    enabled: boolean,
    ruleset?: Ruleset,
    extraRules?: number,
  ): Firewall => {
    const counts = [ruleset?.ruleCount, extraRules].filter((n): n is number => n !== undefined);
    return {
      enabled,
      backend,
      ...(counts.length > 0 ? { ruleCount: Math.max(...counts) } : {}),
      ...(ruleset?.inputPolicy ? { defaultInboundPolicy: ruleset.inputPolicy } : {}),
    };
  };
  if (inputs.ufw?.active) {
    const enabled = filters(kernel.ruleset) || inputs.ufw.defaultIncoming === "deny";
    const fw = facts("ufw", enabled, kernel.ruleset, inputs.ufw.rules);
    return inputs.ufw.defaultIncoming ? { ...fw, defaultInboundPolicy: inputs.ufw.defaultIncoming } : fw;
  }
  if (inputs.firewalldRunning)
    return facts("firewalld", filters(kernel.ruleset) || !kernel.ruleset, kernel.ruleset);
  if (kernel.ruleset && filters(kernel.ruleset)) return facts(kernel.backend, true, kernel.ruleset);
  const present = inputs.installed[0] ?? "none";
  return facts(present, false, kernel.ruleset);
}

function pickKernelRuleset(inputs: FirewallInputs): { backend: "nftables" | "iptables"; ruleset?: Ruleset } {
  // iptables-nft shows the same rules through both tools; prefer the view that filters inbound.
  const { nft, iptables } = inputs;
  if (nft && (nft.inboundRuleCount > 0 || nft.inputPolicy === "deny" || !iptables))
    return { backend: "nftables", ruleset: nft };
  if (iptables) return { backend: "iptables", ruleset: iptables };
  return { backend: "nftables", ruleset: nft };
}

const NEEDS_ROOT = /permission denied|operation not permitted|must be root|need to be root/i;

export async function probeFirewall(host: Host): Promise<ProbeResult> {
  const [nft, iptables, ufw, firewalld] = await Promise.all([
    host.exec("nft", ["-j", "list", "ruleset"]),
    host.exec("iptables-save", []),
    host.exec("ufw", ["status", "verbose"]),
    host.exec("firewall-cmd", ["--state"]),
  ]);
  const used = [nft, iptables, ufw, firewalld].filter((r) => !r.missing);
  if (used.length === 0) {
    // No tool to read a ruleset. Legacy iptables tables loaded by something else (a host-side agent, an
    // image without the userland) still show in /proc; then the answer is "cannot tell", not "none".
    const tables = await host.read("/proc/net/ip_tables_names");
    if (tables.ok && tables.text.trim() !== "")
      return deviceRecord().fail(
        "firewall",
        `iptables tables are loaded (${tables.text.trim().split(/\s+/).join(", ")}) but no nft/iptables tool is installed to read them`,
      );
    return deviceRecord().set(
      "firewall",
      decideFirewall({ installed: [] }),
      `cmd: nft, iptables-save, ufw, firewall-cmd (none installed); file: /proc/net/ip_tables_names (${tables.ok ? "no tables loaded" : "absent"})`,
    );
  }
  const denied = used.filter((r) => !r.ok && NEEDS_ROOT.test(`${r.stderr}${r.stdout}`));
  if (denied.length > 0 && denied.length === used.filter((r) => r !== firewalld).length) {
    return deviceRecord().fail(
      "firewall",
      `${denied.map(describeFailure).join("; ")} (run the scan as root)`,
    );
  }
  const installed: Firewall["backend"][] = [];
  if (!ufw.missing) installed.push("ufw");
  if (!firewalld.missing) installed.push("firewalld");
  if (!nft.missing) installed.push("nftables");
  if (!iptables.missing) installed.push("iptables");
  const inputs: FirewallInputs = { installed };
  const problems: string[] = [];
  const tryParse = <T>(r: ExecResult, parse: (text: string) => T): T | undefined => {
    if (!r.ok) return undefined;
    try {
      return parse(r.stdout);
    } catch (error) {
      problems.push(`${r.command}: output not understood (${(error as Error).message.split("\n")[0]})`);
      return undefined;
    }
  };
  inputs.nft = tryParse(nft, parseNftRuleset);
  inputs.iptables = tryParse(iptables, parseIptablesSave);
  inputs.ufw = tryParse(ufw, parseUfwStatus);
  if (!firewalld.missing) inputs.firewalldRunning = firewalld.ok && firewalld.stdout.trim() === "running";
  if (problems.length) return deviceRecord().fail("firewall", problems.join("; "));
  // nft/iptables installed but failing (for a reason other than root) read no ruleset: that is "cannot tell",
  // never "no rules, disabled", unless ufw or firewalld answered for the firewall themselves.
  const kernelFailed = [nft, iptables].filter((r) => !r.missing && !r.ok);
  if (
    !inputs.nft &&
    !inputs.iptables &&
    kernelFailed.length > 0 &&
    !inputs.ufw?.active &&
    !inputs.firewalldRunning
  )
    return deviceRecord().fail(
      "firewall",
      `no ruleset could be read: ${kernelFailed.map(describeFailure).join("; ")}`,
    );
  const source =
    used.length === 0
      ? "cmd: nft, iptables-save, ufw, firewall-cmd (none installed)"
      : used
          .map(
            (r) => `cmd: ${r.command}${r.ok ? "" : ` (${describeFailure(r).slice(r.command.length + 2)})`}`,
          )
          .join("; ");
  return deviceRecord().set("firewall", decideFirewall(inputs), source);
}
