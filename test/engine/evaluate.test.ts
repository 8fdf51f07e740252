import { describe, expect, it } from "vitest";
import { evaluateRule, findingsForCollectorErrors } from "../../src/engine/evaluate.js";
import { applyExceptions } from "../../src/engine/exceptions.js";
import { compileRuleText, device } from "../helpers/compile.js";

const now = new Date("2026-06-01T00:00:00Z");

const sshRule = `id: TST-SSH-001
title: SSH refuses root logins
severity: high
resource: device
policy: remote-access
when: resource.attributes.ssh.serverInstalled
assert: resource.attributes.ssh.permitRootLogin == "no"
failMessage: sshd allows root login ({{ssh.permitRootLogin}})
evidence: [ssh.permitRootLogin, ssh.serverInstalled]
remediation: Set PermitRootLogin no.
`;

describe("evaluateRule", () => {
  it("passes, fails and skips on the facts, keeping evidence with its source", async () => {
    const rule = await compileRuleText(sshRule, new Map([["TST-SSH-001", ["iso27001-2022:A.8.5"]]]));
    const sources = { ssh: "cmd: sshd -T" };
    const pass = evaluateRule(
      rule,
      device({ ssh: { serverInstalled: true, permitRootLogin: "no" } }, { sources }),
      now,
    );
    expect(pass).toMatchObject({
      status: "pass",
      controls: ["iso27001-2022:A.8.5"],
      policy: "remote-access",
    });
    expect(pass.evidence["ssh.permitRootLogin"]).toEqual({ value: "no", source: "cmd: sshd -T" });

    const fail = evaluateRule(rule, device({ ssh: { serverInstalled: true, permitRootLogin: "yes" } }), now);
    expect(fail).toMatchObject({ status: "fail", message: "sshd allows root login (yes)" });

    const skip = evaluateRule(rule, device({ ssh: { serverInstalled: false } }), now);
    expect(skip.status).toBe("skip");
  });

  it("is error, naming the collector's reason, when a fact it reads could not be collected", async () => {
    const rule = await compileRuleText(sshRule);
    const finding = evaluateRule(
      rule,
      device({}, { unreadable: { ssh: "permission denied running sshd -T (run as root)" } }),
      now,
    );
    expect(finding.status).toBe("error");
    expect(finding.message).toContain("permission denied running sshd -T");
    expect(finding.evidence["ssh.permitRootLogin"]).toEqual({
      unreadable: "permission denied running sshd -T (run as root)",
    });
  });

  it("matches unreadable paths by segment, both deeper and shallower than what the rule reads", async () => {
    const rule = await compileRuleText(sshRule);
    const deeper = evaluateRule(
      rule,
      device({ ssh: { serverInstalled: true } }, { unreadable: { "ssh.permitRootLogin": "denied" } }),
      now,
    );
    expect(deeper.status).toBe("error");
    const unrelated = evaluateRule(
      rule,
      device(
        { ssh: { serverInstalled: true, permitRootLogin: "no" } },
        { unreadable: { sshd: "x", firewall: "y" } },
      ),
      now,
    );
    expect(unrelated.status).toBe("pass");
  });

  it("is error, never pass, when an attribute is missing without a reason", async () => {
    const rule = await compileRuleText(sshRule);
    const finding = evaluateRule(rule, device({ ssh: { serverInstalled: true } }), now);
    expect(finding).toMatchObject({
      status: "error",
      message: 'could not evaluate "assert": fact "permitRootLogin" was not collected',
    });
    // The raw CEL error is kept for debugging, apart from the plain message.
    expect(finding.debug).toMatch(/^No such key: permitRootLogin/);
  });

  it("is error when an expression does not yield a boolean", async () => {
    const rule = await compileRuleText(
      sshRule.replace(
        'assert: resource.attributes.ssh.permitRootLogin == "no"',
        "assert: resource.attributes.ssh.permitRootLogin",
      ),
    );
    const finding = evaluateRule(
      rule,
      device({ ssh: { serverInstalled: true, permitRootLogin: "no" } }),
      now,
    );
    expect(finding.status).toBe("error");
    expect(finding.message).toContain('expected true or false, got "no"');
  });

  it("compares JSON numbers with CEL integer literals and uses `now` bound by the caller", async () => {
    const rule = await compileRuleText(`id: TST-AV-001
title: Malware signatures are fresh
severity: medium
resource: device
policy: device-security
assert: resource.attributes.malware.signatureAgeHours <= 24 && timestamp(resource.collectedAt) <= now
evidence: [malware.signatureAgeHours]
remediation: Update signatures.
`);
    const fresh = device({ malware: { installed: true, running: true, signatureAgeHours: 3.5 } });
    expect(evaluateRule(rule, fresh, now).status).toBe("pass");
    expect(
      evaluateRule(rule, device({ malware: { installed: true, running: true, signatureAgeHours: 30 } }), now)
        .status,
    ).toBe("fail");
    expect(evaluateRule(rule, fresh, new Date("2020-01-01T00:00:00Z")).status).toBe("fail");
  });
});

describe("evidence", () => {
  const portRule = `id: TST-FW-001
title: Few open ports
severity: low
resource: device
policy: remote-access
assert: resource.attributes.firewall.ruleCount > 3
failMessage: "only {{firewall.ruleCount}} rules, enabled {{firewall.enabled}}, backend {{firewall.backend}}"
evidence: [firewall.ruleCount, firewall.enabled, diskEncryption.volumes]
remediation: Add rules.
`;

  it("shares one frozen value object per primitive value and source, never for arrays or another source", async () => {
    const rule = await compileRuleText(portRule);
    const volumes = [{ mount: "/", device: "/dev/sda1", encrypted: true }];
    const facts = {
      firewall: { enabled: true, ruleCount: 2, backend: "nftables" },
      diskEncryption: { volumes },
    };
    const nft = { firewall: "cmd: nft -j list ruleset" };
    const a = evaluateRule(rule, device(facts, { sources: nft }), now);
    const b = evaluateRule(rule, device(structuredClone(facts), { sources: nft }), now);
    expect(b.evidence["firewall.ruleCount"]).toBe(a.evidence["firewall.ruleCount"]);
    expect(Object.isFrozen(a.evidence["firewall.ruleCount"])).toBe(true);
    expect(b.evidence["diskEncryption.volumes"]).not.toBe(a.evidence["diskEncryption.volumes"]);
    expect(b.evidence["diskEncryption.volumes"]).toEqual({ value: volumes });

    const other = evaluateRule(rule, device(facts, { sources: { firewall: "cmd: iptables-save" } }), now);
    expect(other.evidence["firewall.ruleCount"]).toEqual({ value: 2, source: "cmd: iptables-save" });
    const differentValue = evaluateRule(
      rule,
      device({ ...facts, firewall: { ...facts.firewall, ruleCount: 7 } }, { sources: nft }),
      now,
    );
    expect(differentValue.evidence["firewall.ruleCount"]).toEqual({ value: 7, source: nft.firewall });
    expect(a.evidence["firewall.ruleCount"]).toEqual({ value: 2, source: nft.firewall });
  });

  it("shares the whole frozen evidence object when every value is shared, and not otherwise", async () => {
    const rule = await compileRuleText(`id: TST-FW-002
title: Firewall on
severity: low
resource: device
policy: remote-access
assert: resource.attributes.firewall.enabled
evidence: [firewall.enabled, firewall.backend, firewall.ruleCount]
remediation: Turn it on.
`);
    const facts = (ruleCount: number, enabled = true) => ({
      firewall: { enabled, ruleCount, backend: "nftables" },
    });
    const a = evaluateRule(rule, device(facts(3)), now);
    const b = evaluateRule(rule, device(facts(3)), now);
    expect(b.evidence).toBe(a.evidence);
    expect(Object.isFrozen(a.evidence)).toBe(true);
    expect(a.evidence).toEqual({
      "firewall.enabled": { value: true },
      "firewall.backend": { value: "nftables" },
      "firewall.ruleCount": { value: 3 },
    });
    // Another value is another object; a measurement that is not an integer is never shared.
    const off = evaluateRule(rule, device(facts(3, false)), now);
    expect(off.evidence).not.toBe(a.evidence);
    expect(off.evidence["firewall.enabled"]).toEqual({ value: false });
    const c = evaluateRule(rule, device(facts(2.5)), now);
    const d = evaluateRule(rule, device(facts(2.5)), now);
    expect(d.evidence).not.toBe(c.evidence);
    expect(Object.isFrozen(c.evidence)).toBe(false);
    expect(d.evidence).toEqual(c.evidence);
    // Past the bound on combinations, evidence is still right, only no longer shared.
    const many = Array.from({ length: 2500 }, (_, i) =>
      evaluateRule(
        rule,
        device({ firewall: { enabled: true, ruleCount: Math.floor(i / 40), backend: `b${i % 40}` } }),
        now,
      ),
    );
    for (const [i, f] of many.entries()) {
      expect(f.evidence["firewall.ruleCount"]).toEqual({ value: Math.floor(i / 40) });
      expect(f.evidence["firewall.backend"]).toEqual({ value: `b${i % 40}` });
    }
    expect(Object.isFrozen(many[0]!.evidence)).toBe(true);
    expect(Object.isFrozen(many[2499]!.evidence)).toBe(false);
  });

  it("writes numbers and booleans into fail messages as JSON does", async () => {
    const rule = await compileRuleText(portRule);
    const finding = evaluateRule(
      rule,
      device({
        firewall: { enabled: false, ruleCount: 0.5, backend: "ufw" },
        diskEncryption: { volumes: [] },
      }),
      now,
    );
    expect(finding.message).toBe("only 0.5 rules, enabled false, backend ufw");
  });
});

describe("exceptions", () => {
  it("marks a matching failure as excepted and keeps it a failure; an expired exception no longer applies", async () => {
    const rule = await compileRuleText(sshRule);
    const resource = device({ ssh: { serverInstalled: true, permitRootLogin: "yes" } });
    const findings = [evaluateRule(rule, resource, now)];
    const resources = new Map([[resource.uid, resource]]);
    const base = {
      rule: "TST-SSH-001",
      resource: "laptop-*",
      owner: "alice@example.com",
      reason: "bastion migration",
    };

    const active = applyExceptions(findings, resources, [{ ...base, expires: "2026-06-01" }], now);
    expect(active.findings[0]).toMatchObject({
      status: "fail",
      exception: { owner: "alice@example.com", expires: "2026-06-01" },
    });

    const expired = applyExceptions(findings, resources, [{ ...base, expires: "2026-05-31" }], now);
    expect(expired.findings[0]?.exception).toBeUndefined();
    expect(expired.expired).toHaveLength(1);

    const otherResource = applyExceptions(
      findings,
      resources,
      [{ ...base, resource: "server-*", expires: "2027-01-01" }],
      now,
    );
    expect(otherResource.findings[0]?.exception).toBeUndefined();
  });
});

const volumesRule = `id: TST-ENC-009
title: Every volume is encrypted
severity: high
resource: device
policy: encryption
assert: resource.attributes.diskEncryption.volumes.all(v, v.encrypted)
message: >-
  resource.attributes.diskEncryption.volumes.filter(v, !v.encrypted)
  .map(v, v.mount + " (" + v.device + ") is not encrypted")
failMessage: Some volume is not encrypted.
evidence: [diskEncryption.volumes]
remediation: Encrypt them.
`;

describe("failure messages and offending elements", () => {
  const volumes = [
    { mount: "/", device: "/dev/nvme0n1p2", encrypted: true },
    { mount: "/data", device: "/dev/sdb1", encrypted: false },
    { mount: "/srv", device: "/dev/sdc1", encrypted: false },
  ];

  it("says why in the resource's terms and marks the offending list elements", async () => {
    const rule = await compileRuleText(volumesRule);
    const finding = evaluateRule(
      rule,
      device({ diskEncryption: { systemVolumeEncrypted: true, volumes } }),
      now,
    );
    expect(finding.status).toBe("fail");
    expect(finding.message).toBe("/data (/dev/sdb1) is not encrypted; /srv (/dev/sdc1) is not encrypted");
    expect(finding.evidence["diskEncryption.volumes"]).toEqual({ value: volumes, offending: [1, 2] });
  });

  it("marks the elements a negated exists found, and nothing on a pass", async () => {
    const rule = await compileRuleText(
      volumesRule
        .replace(
          "volumes.all(v, v.encrypted)",
          "volumes.exists(x, x.mount == '/data') && !resource.attributes.diskEncryption.volumes.exists(v, !v.encrypted)",
        )
        .replace(/message: >-\n.*\n.*\n/, ""),
    );
    const finding = evaluateRule(
      rule,
      device({ diskEncryption: { systemVolumeEncrypted: true, volumes } }),
      now,
    );
    expect(finding).toMatchObject({ status: "fail", message: "Some volume is not encrypted." });
    // The plain exists over /data is true and decided nothing; the negated one found /data and /srv.
    expect(finding.evidence["diskEncryption.volumes"]?.offending).toEqual([1, 2]);
    const fine = volumes.map((v) => ({ ...v, encrypted: true }));
    const pass = evaluateRule(
      rule,
      device({ diskEncryption: { systemVolumeEncrypted: true, volumes: fine } }),
      now,
    );
    expect(pass.status).toBe("pass");
    expect(pass.evidence["diskEncryption.volumes"]?.offending).toBeUndefined();
  });

  it("falls back to failMessage when the message expression cannot be evaluated", async () => {
    const rule = await compileRuleText(volumesRule.replace('v.mount + " ("', 'v.method + " ("'));
    const finding = evaluateRule(
      rule,
      device({ diskEncryption: { systemVolumeEncrypted: true, volumes } }),
      now,
    );
    expect(finding).toMatchObject({ status: "fail", message: "Some volume is not encrypted." });
  });
});

describe("collector errors", () => {
  it("turn into an error finding for every rule of the resource types that could not be listed", async () => {
    const rule = await compileRuleText(sshRule);
    const findings = findingsForCollectorErrors(
      [rule],
      [
        {
          collector: "device",
          scope: "host/ssh",
          code: "EACCES",
          message: "denied",
          permission: "root",
          resourceTypes: ["device"],
        },
        {
          collector: "device",
          scope: "host/x",
          code: "X",
          message: "unrelated",
          resourceTypes: ["aws.s3.bucket"],
        },
      ],
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ status: "error", ruleId: "TST-SSH-001", resourceUid: "host/ssh" });
    expect(findings[0]?.message).toContain("missing permission root");
  });

  it("keeps the collector's plain sentence in the message and its code and raw text in debug", async () => {
    const rule = await compileRuleText(sshRule);
    const [finding] = findingsForCollectorErrors(
      [rule],
      [
        {
          collector: "aws",
          scope: "123456789012/eu-west-2",
          code: "unreachable",
          message: "the endpoint could not be reached",
          debug: "connect ECONNREFUSED 127.0.0.1:1",
          resourceTypes: ["device"],
        },
      ],
    );
    expect(finding?.message).toBe(
      "could not list device in 123456789012/eu-west-2: the endpoint could not be reached",
    );
    expect(finding?.debug).toBe("unreachable: connect ECONNREFUSED 127.0.0.1:1");
  });
});
