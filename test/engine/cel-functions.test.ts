import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { factsSchemaFor } from "../../src/core/facts/index.js";
import { compileCel } from "../../src/engine/cel.js";
import { typeOfFor } from "../../src/engine/fact-types.js";
import { compileNode } from "../../src/engine/fast-path.js";

/** Evaluate an expression the way rules are evaluated: `resource.attributes` holds the facts. */
function run(expression: string, attributes: Record<string, unknown> = {}): unknown {
  return compileCel(expression).evaluate({ resource: { attributes }, now: new Date(0), profile: {} });
}

function errorOf(expression: string, attributes: Record<string, unknown> = {}): string {
  try {
    run(expression, attributes);
  } catch (error) {
    return (error as Error).message.split("\n")[0] as string;
  }
  throw new Error(`expected ${expression} to raise an error`);
}

describe("CIDR functions", () => {
  it.each([
    ['cidrContains("0.0.0.0/0", "10.1.2.3/32")', true],
    ['cidrContains("10.0.0.0/8", "10.255.0.0/16")', true],
    ['cidrContains("10.0.0.0/8", "11.0.0.0/16")', false],
    ['cidrContains("10.0.0.0/16", "10.0.0.0/8")', false],
    ['cidrContains("10.0.0.1/8", "10.200.1.1")', true], // host bits set: read as the network
    ['cidrContains("192.0.2.7", "192.0.2.7/32")', true],
    ['cidrContains("::/0", "2001:db8::1")', true],
    ['cidrContains("2001:db8::/32", "2001:db8:ffff::/48")', true],
    ['cidrContains("2001:db8::/32", "2001:db9::/48")', false],
    ['cidrContains("0.0.0.0/0", "::/0")', false], // families never contain each other
    ['cidrContains("::ffff:0:0/96", "::ffff:192.0.2.1")', true],
    ['cidrOverlaps("10.0.0.0/8", "10.5.0.0/16")', true],
    ['cidrOverlaps("10.5.0.0/16", "10.0.0.0/8")', true],
    ['cidrOverlaps("10.0.0.0/24", "10.0.1.0/24")', false],
    ['cidrOverlaps("fe80::/10", "fe80::1/128")', true],
    ['isAnyAddress("0.0.0.0/0")', true],
    ['isAnyAddress("::/0")', true],
    ['isAnyAddress("*")', true],
    ['isAnyAddress("0.0.0.0/1")', false],
    ['isAnyAddress("0.0.0.0")', false],
    ['isAnyAddress("Internet")', false],
    ['isAnyAddress("VirtualNetwork")', false],
    ['isAnyAddress("10.0.0.0/8")', false],
  ])("%s is %s", (expression, expected) => {
    expect(run(expression)).toBe(expected);
  });

  it("reads facts", () => {
    const facts = { rules: [{ cidr: "10.0.0.0/8" }, { cidr: "0.0.0.0/0" }] };
    expect(run("resource.attributes.rules.exists(r, isAnyAddress(r.cidr))", facts)).toBe(true);
    expect(run('resource.attributes.rules.all(r, cidrContains("10.0.0.0/8", r.cidr))', facts)).toBe(false);
  });

  it.each([
    ['cidrContains("10.0.0.300/8", "10.0.0.0/8")', '"10.0.0.300/8" is not an IPv4 or IPv6 address'],
    ['cidrContains("10.0.0.0/33", "10.0.0.0/8")', '"10.0.0.0/33" is not'],
    ['cidrOverlaps("2001:db8:::1", "::/0")', '"2001:db8:::1" is not'],
    ['cidrOverlaps("1:2:3:4:5:6:7:8:9", "::/0")', '"1:2:3:4:5:6:7:8:9" is not'],
    ['cidrContains("10.0.0.0/8", 10)', "expected an address or CIDR string, got 10"],
    ['isAnyAddress("10.0.0.0/x")', '"10.0.0.0/x" is not'],
    ["isAnyAddress(null)", "got null"],
  ])("%s raises an error naming the value", (expression, message) => {
    expect(errorOf(expression)).toContain(message);
  });
});

describe("port functions", () => {
  it.each([
    ["portInRange(22, 22)", true],
    ["portInRange(22, 23)", false],
    ['portInRange(22, "22")', true],
    ['portInRange(22, "20-25")', true],
    ['portInRange(26, "20-25")', false],
    ['portInRange(22, "*")', true],
    ['portInRange(22, "ALL")', true],
    ["portInRange(22, -1)", true],
    ['portInRange(3389, ["22", "3000-4000"])', true],
    ['portInRange(80, ["22", "3000-4000"])', false],
    ["portInRange(22, [])", false],
    ["portInRange(22, 0, 65535)", true],
    ["portInRange(22, 22, 22)", true],
    ["portInRange(22, 80, 443)", false],
    ["portInRange(22, -1, -1)", true],
    ['portInRange("22", "1", "1024")', true],
    ['portRangesOverlap("20-25", "0-1023")', true],
    ['portRangesOverlap("1024-2048", "0-1023")', false],
    ['portRangesOverlap(["80", "443"], "*")', true],
    ['portRangesOverlap(["80", "443"], [22, 3389])', false],
  ])("%s is %s", (expression, expected) => {
    expect(run(expression)).toBe(expected);
  });

  it("takes JSON numbers from facts as well as CEL ints", () => {
    const facts = { FromPort: 0, ToPort: 1024, ports: ["22", "1000-2000"], range: "*" };
    expect(run("portInRange(22, resource.attributes.FromPort, resource.attributes.ToPort)", facts)).toBe(
      true,
    );
    expect(run("portInRange(1500, resource.attributes.ports)", facts)).toBe(true);
    expect(run("portInRange(3389, resource.attributes.range)", facts)).toBe(true);
  });

  it.each([
    ['portInRange(22, "ssh")', '"ssh" is not a port number'],
    ['portInRange(22, "25-20")', "from > to"],
    ["portInRange(22, 70000)", "70000 is not a port number"],
    ["portInRange(22, 2.5)", "2.5 is not a port number"],
    ["portInRange(-1, 22)", "must be 0-65535"],
    ["portInRange(22, {})", "a map is not a port number"],
  ])("%s raises an error naming the value", (expression, message) => {
    expect(errorOf(expression)).toContain(message);
  });
});

describe("IAM functions", () => {
  const admin = { Effect: "Allow", Action: "*", Resource: "*" };
  const adminList = { Effect: "Allow", Action: ["s3:GetObject", "*"], Resource: ["*"] };
  const conditioned = { ...admin, Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" } } };
  const notAction = { Effect: "Allow", NotAction: ["iam:*", "organizations:*"], Resource: "*" };
  const denyHttp = {
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: ["arn:aws:s3:::logs", "arn:aws:s3:::logs/*"],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
  const facts = { admin, adminList, conditioned, notAction, denyHttp, doc: { Statement: admin } };

  it.each([
    ['iamActionMatches("iam:Pass*", "iam:PassRole")', true],
    ['iamActionMatches("IAM:passrole", "iam:PassRole")', true],
    ['iamActionMatches("iam:?assRole", "iam:PassRole")', true],
    ['iamActionMatches("iam:Get*", "iam:PassRole")', false],
    ['iamActionMatches(["s3:*", "iam:*"], "iam:PassRole")', true],
    ['iamActionMatches("*", "ec2:RunInstances")', true],
    ['iamActionMatches("s3.*", "s3:GetObject")', false], // "." is literal, not a regex wildcard
    ['iamResourceMatches("arn:aws:s3:::logs/*", "arn:aws:s3:::logs/2024/01")', true],
    ['iamResourceMatches("arn:aws:s3:::Logs/*", "arn:aws:s3:::logs/a")', false],
  ])("%s is %s", (expression, expected) => {
    expect(run(expression)).toBe(expected);
  });

  it.each([
    ["iamStatementAllowsAll(resource.attributes.admin)", true],
    ["iamStatementAllowsAll(resource.attributes.adminList)", true],
    ["iamStatementAllowsAll(resource.attributes.conditioned)", false],
    ["iamStatementAllowsAll(resource.attributes.notAction)", false],
    ["iamStatementAllowsAll(resource.attributes.denyHttp)", false],
    ['iamStatementAllows(resource.attributes.notAction, "ec2:RunInstances")', true],
    ['iamStatementAllows(resource.attributes.notAction, "iam:CreateUser")', false],
    ['iamStatementAllows(resource.attributes.admin, "iam:PassRole", "arn:aws:iam::1:role/x")', true],
    ['iamStatementDenies(resource.attributes.denyHttp, "s3:GetObject")', true],
    ['iamStatementDenies(resource.attributes.denyHttp, "s3:GetObject", "arn:aws:s3:::logs/a")', true],
    ['iamStatementDenies(resource.attributes.denyHttp, "s3:GetObject", "arn:aws:s3:::other/a")', false],
    ['iamStatementDenies(resource.attributes.admin, "s3:GetObject")', false],
    ["iamStatements(resource.attributes.doc).exists(s, iamStatementAllowsAll(s))", true],
    ['iamPrincipals(resource.attributes.denyHttp, "AWS") == ["*"]', true],
    ['iamPrincipals(resource.attributes.admin, "AWS") == []', true],
    ['iamConditionKeys(resource.attributes.denyHttp) == ["aws:securetransport"]', true],
    ["size(iamConditionKeys(resource.attributes.admin)) == 0", true],
  ])("%s is %s", (expression, expected) => {
    expect(run(expression, facts)).toBe(expected);
  });

  it.each([
    [
      "iamStatementAllowsAll(resource.attributes.bad)",
      { bad: { Effect: "Allow", Action: 3, Resource: "*" } },
      "Action must be a string or a list of strings, got 3",
    ],
    [
      'iamStatementAllows(resource.attributes.bad, "s3:Get")',
      { bad: { Effect: "Allow", Resource: "*" } },
      "neither Action nor NotAction",
    ],
    [
      'iamStatementAllows(resource.attributes.bad, "s3:Get")',
      { bad: { Effect: "allow", Action: "*" } },
      'Effect must be "Allow" or "Deny", got "allow"',
    ],
    [
      "iamStatements(resource.attributes.bad)",
      { bad: { Statement: "x" } },
      "Statement must be a map or a list",
    ],
    [
      'iamActionMatches(resource.attributes.bad, "s3:Get")',
      { bad: [1] },
      "pattern must be a string or a list of strings",
    ],
  ])("%s raises an error naming the problem", (expression, attributes, message) => {
    expect(errorOf(expression, attributes)).toContain(message);
  });
});

describe("CEL functions and the rule tooling", () => {
  it("type-checks calls against the registered signatures", () => {
    expect(() => compileCel('portInRange(22, "22") > 3')).toThrow(/no such overload/);
    expect(() => compileCel('cidrContains("0.0.0.0/0")')).toThrow(/cidrContains/);
    expect(() => compileCel('iamStatementAllowsAll(resource.attributes.s, "x")')).toThrow();
  });

  it("expressions calling them are left to cel-js by the fast path, decided at compile time", () => {
    const typeOf = typeOfFor([factsSchemaFor("device") as z.ZodType]);
    const plain = compileCel("resource.attributes.firewall.enabled == true");
    expect(compileNode(plain.ast, typeOf)).toBeDefined();
    const { ast } = compileCel('isAnyAddress("0.0.0.0/0") && resource.attributes.firewall.enabled == true');
    expect(compileNode(ast, typeOf)).toBeUndefined();
  });
});
