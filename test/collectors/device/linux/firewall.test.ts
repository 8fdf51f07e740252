import { describe, expect, it } from "vitest";
import {
  decideFirewall,
  parseIptablesSave,
  parseNftRuleset,
  parseUfwStatus,
  probeFirewall,
} from "../../../../src/collectors/device/linux/firewall.js";
import { fakeHost, recorded } from "./helpers.js";

describe("firewall parsers", () => {
  it("nft -j (RHEL 9 firewalld): follows jump/goto from the input hook to count inbound rules", () => {
    const r = parseNftRuleset(recorded("rhel9", "nft-j-list-ruleset.json"));
    // 5 in filter_INPUT, 1 in INPUT_ZONES, 1 in IN_public, 2 in IN_public_allow; the forward rule is not inbound.
    // The chain policy is accept, but its last rule rejects everything else: inbound is denied by default.
    expect(r).toEqual({ ruleCount: 10, inboundRuleCount: 9, inputPolicy: "deny" });
  });

  it("nft -j (Fedora, hand-written inet filter): input policy drop", () => {
    expect(parseNftRuleset(recorded("fedora40", "nft-j-list-ruleset.json"))).toEqual({
      ruleCount: 2,
      inboundRuleCount: 2,
      inputPolicy: "deny",
    });
  });

  it("nft -j of an empty ruleset has no rules and no input policy", () => {
    expect(parseNftRuleset(recorded("fedora40", "nft-j-list-ruleset-empty.json"))).toEqual({
      ruleCount: 0,
      inboundRuleCount: 0,
    });
  });

  it("iptables-save (Ubuntu 24.04 with Docker): NAT and FORWARD rules do not filter inbound traffic", () => {
    expect(parseIptablesSave(recorded("ubuntu2404", "iptables-save.txt"))).toEqual({
      ruleCount: 15,
      inboundRuleCount: 0,
      inputPolicy: "allow",
    });
  });

  it("iptables-save: a final unconditional REJECT in INPUT denies by default despite an ACCEPT policy", () => {
    const text =
      "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT\n-A INPUT -p tcp --dport 22 -j ACCEPT\n-A INPUT -j REJECT --reject-with icmp-host-prohibited\nCOMMIT\n";
    expect(parseIptablesSave(text)).toEqual({ ruleCount: 3, inboundRuleCount: 3, inputPolicy: "deny" });
    const conditional = text.replace("-A INPUT -j REJECT", "-A INPUT -p udp -j REJECT");
    expect(parseIptablesSave(conditional).inputPolicy).toBe("allow");
  });

  it("iptables-save follows user chains from INPUT", () => {
    const text =
      "*filter\n:INPUT DROP [0:0]\n:f2b-sshd - [0:0]\n-A INPUT -p tcp --dport 22 -j f2b-sshd\n-A f2b-sshd -s 203.0.113.9/32 -j REJECT\n-A f2b-sshd -j RETURN\nCOMMIT\n";
    expect(parseIptablesSave(text)).toEqual({ ruleCount: 3, inboundRuleCount: 3, inputPolicy: "deny" });
  });

  it("ufw status verbose: active with rules and default deny; inactive has no rules", () => {
    expect(parseUfwStatus(recorded("ubuntu2204", "ufw-status-verbose.txt"))).toEqual({
      active: true,
      rules: 3,
      defaultIncoming: "deny",
    });
    expect(parseUfwStatus(recorded("ubuntu2404", "ufw-status-verbose.txt"))).toEqual({
      active: false,
      rules: 0,
    });
  });
});

describe("decideFirewall", () => {
  it("ufw active wins and reports its default inbound policy", () => {
    const fw = decideFirewall({
      ufw: parseUfwStatus(recorded("ubuntu2204", "ufw-status-verbose.txt")),
      installed: ["ufw", "nftables"],
    });
    expect(fw).toEqual({ enabled: true, backend: "ufw", ruleCount: 3, defaultInboundPolicy: "deny" });
  });

  it("firewalld running with its nft ruleset is enabled", () => {
    const fw = decideFirewall({
      nft: parseNftRuleset(recorded("rhel9", "nft-j-list-ruleset.json")),
      firewalldRunning: true,
      installed: ["firewalld", "nftables"],
    });
    expect(fw).toMatchObject({ enabled: true, backend: "firewalld", ruleCount: 10 });
    // firewalld running while nobody could read the kernel ruleset: no rule count is made up.
    expect(decideFirewall({ firewalldRunning: true, installed: ["firewalld", "nftables"] })).toEqual({
      enabled: true,
      backend: "firewalld",
    });
  });

  it("Docker's iptables rules alone are not a host firewall", () => {
    const fw = decideFirewall({
      iptables: parseIptablesSave(recorded("ubuntu2404", "iptables-save.txt")),
      ufw: { active: false, rules: 0 },
      installed: ["ufw", "iptables"],
    });
    expect(fw).toEqual({ enabled: false, backend: "ufw", ruleCount: 15, defaultInboundPolicy: "allow" });
  });

  it("nothing installed: backend none, disabled", () => {
    expect(decideFirewall({ installed: [] })).toEqual({ enabled: false, backend: "none" });
  });
});

describe("probeFirewall", () => {
  it("no firewall tool at all is a recorded fact (this Debian 12 VM), not an error", async () => {
    const r = await probeFirewall(fakeHost({}));
    expect(r.attributes.firewall).toEqual({ enabled: false, backend: "none" });
    expect(r.sources.firewall).toContain("none installed");
    const empty = await probeFirewall(fakeHost({ files: { "/proc/net/ip_tables_names": "" } }));
    expect(empty.attributes.firewall?.backend).toBe("none");
    expect(empty.sources.firewall).toContain("/proc/net/ip_tables_names (no tables loaded)");
    expect(r.unreadable).toEqual({});
  });

  it("no tool but legacy iptables tables loaded in the kernel: cannot tell, so unreadable", async () => {
    const r = await probeFirewall(fakeHost({ files: { "/proc/net/ip_tables_names": "filter\nnat\n" } }));
    expect(r.attributes.firewall).toBeUndefined();
    expect(r.unreadable.firewall).toContain("iptables tables are loaded (filter, nat)");
  });

  it("tools present but refused without root make the fact unreadable, never 'disabled'", async () => {
    const r = await probeFirewall(
      fakeHost({
        commands: {
          "nft -j list ruleset": {
            code: 1,
            stderr: "Error: Could not process rule: Operation not permitted",
          },
          "iptables-save": {
            code: 1,
            stderr:
              "iptables-save v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)",
          },
        },
      }),
    );
    expect(r.attributes.firewall).toBeUndefined();
    expect(r.unreadable.firewall).toMatch(/run the scan as root/);
  });

  it("a ruleset tool that fails for another reason than root is unreadable, never 'no rules, disabled'", async () => {
    const r = await probeFirewall(
      fakeHost({
        commands: {
          "nft -j list ruleset": {
            code: 1,
            stderr: "netlink: Error: cache initialization failed: Protocol not supported",
          },
        },
      }),
    );
    expect(r.attributes.firewall).toBeUndefined();
    expect(r.unreadable.firewall).toMatch(/no ruleset could be read: .*Protocol not supported/);
  });

  it("uses nft's JSON when present", async () => {
    const r = await probeFirewall(
      fakeHost({
        commands: { "nft -j list ruleset": { stdout: recorded("fedora40", "nft-j-list-ruleset.json") } },
      }),
    );
    expect(r.attributes.firewall).toEqual({
      enabled: true,
      backend: "nftables",
      ruleCount: 2,
      defaultInboundPolicy: "deny",
    });
    expect(r.sources.firewall).toBe("cmd: nft -j list ruleset");
  });
});
