import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { entraUserUid } from "../../../src/collectors/azure/entra.js";
import { GRAPH_NOT_CONFIGURED } from "../../../src/collectors/azure/subscription-facts.js";
import { azureScenario, entraUsers, azureIds as ids, SUB_A } from "../../emulators/azure/scenario.js";
import { type ArmEmulator, startArmEmulator } from "../../emulators/azure/server.js";
import { type Collected, collectAzure } from "./collect.js";

const NOW = new Date("2026-06-01T12:00:00.000Z");

/**
 * Defender for Cloud plans, subnets and their NSGs, Log Analytics retention, subscription owners and Entra ID
 * users' MFA registration, read from Microsoft's published example bodies (examples.ts) through the real
 * collector: facts as returned, every denial or absence an unreadable fact or a collector error, never a default.
 */
describe("Azure posture types against the ARM and Graph emulator", () => {
  let emulator: ArmEmulator;
  let collected: Collected;

  beforeAll(async () => {
    emulator = await startArmEmulator(azureScenario(NOW), { pageSize: 2 });
    collected = await collectAzure(
      emulator,
      {
        concurrency: 4,
        subscriptions: [SUB_A],
        tenantId: "tenant-1",
        entra: { endpoint: emulator.endpoint },
      },
      NOW,
    );
  });
  afterAll(async () => emulator?.close());

  const resource = (uid: string) => collected.resources.get(uid);

  it("reads the Defender for Cloud plans by name, as the pricings list returned them", () => {
    const sub = resource(ids.subscriptionA);
    expect(sub?.type).toBe("azure.subscription");
    expect(sub?.attributes.defenderPlans).toEqual({
      VirtualMachines: { pricingTier: "Standard", subPlan: "P2" },
      SqlServers: { pricingTier: "Standard" },
      AppServices: { pricingTier: "Free" },
      KubernetesService: { pricingTier: "Free", deprecated: true },
      Containers: { pricingTier: "Standard" },
    });
    expect(sub?.sources?.defenderPlans).toBe("api: Microsoft.Security/pricings/read");
  });

  it("reads the subscription's Owner assignments with each user's MFA registration from Graph", () => {
    expect(resource(ids.subscriptionA)?.attributes.owners).toEqual([
      {
        principalId: entraUsers.alex,
        principalType: "User",
        scope: `/subscriptions/${SUB_A}`,
        userPrincipalName: "AlexW@Contoso.com",
        isMfaRegistered: true,
        isMfaCapable: true,
      },
      {
        principalId: entraUsers.allan,
        principalType: "User",
        scope: `/subscriptions/${SUB_A}`,
        userPrincipalName: "AllanD@Contoso.com",
        isMfaRegistered: false,
        isMfaCapable: false,
      },
      // Not in the report (Graph 404): no MFA facts, so the rule cannot pass it.
      { principalId: entraUsers.ghost, principalType: "User", scope: `/subscriptions/${SUB_A}` },
      { principalId: entraUsers.ownersGroup, principalType: "Group", scope: `/subscriptions/${SUB_A}` },
    ]);
    const roleCalls = emulator.requests.filter((r) => r.path.endsWith("/roleAssignments"));
    expect(roleCalls.every((r) => r.status === 200)).toBe(true);
  });

  it("lists every Entra ID user of the registration report with their MFA facts", () => {
    const users = [...collected.resources.values()].filter((r) => r.type === "azure.entra.user");
    expect(users.map((u) => u.name).sort()).toEqual([
      "AlexW@Contoso.com",
      "AllanD@Contoso.com",
      "BiancaP@Contoso.com",
    ]);
    const allan = resource(entraUserUid(entraUsers.allan));
    expect(allan?.account).toBe("tenant-1");
    expect(allan?.attributes).toEqual({
      userPrincipalName: "AllanD@Contoso.com",
      userDisplayName: "Allan Deyoung",
      userType: "guest",
      isAdmin: false,
      isMfaRegistered: false,
      isMfaCapable: false,
      isPasswordlessCapable: false,
      isSsprRegistered: false,
      methodsRegistered: [],
      lastUpdatedDateTime: "2023-03-13T19:15:41.6195833Z",
    });
    expect(allan?.sources?.isMfaRegistered).toBe(
      "api: GET /reports/authenticationMethods/userRegistrationDetails",
    );
    // Page size 2: the report was read through @odata.nextLink.
    const pages = emulator.requests.filter((r) =>
      r.path.endsWith("/reports/authenticationMethods/userRegistrationDetails"),
    );
    expect(pages).toHaveLength(2);
  });

  it("reads each subnet of a virtual network, its NSG only when ARM returned one", () => {
    expect(resource(ids.subnetApp)?.attributes).toEqual({
      virtualNetwork: "vnet-prod",
      addressPrefixes: ["10.0.1.0/24"],
      networkSecurityGroupId: ids.nsgPrivate,
      provisioningState: "Succeeded",
    });
    expect(resource(ids.subnetData)?.attributes).toEqual({
      virtualNetwork: "vnet-prod",
      addressPrefixes: ["10.0.2.0/24"],
      delegations: ["Microsoft.Sql/managedInstances"],
      provisioningState: "Succeeded",
    });
    expect(resource(ids.subnetGateway)?.name).toBe("vnet-prod/GatewaySubnet");
    expect(resource(ids.subnetGateway)?.region).toBe("westeurope");
  });

  it("reports a virtual network it could not read as an error for the subnet type, naming the permission", () => {
    expect(collected.errors.find((e) => e.scope === ids.vnetDenied)).toMatchObject({
      kind: "denied",
      permission: "Microsoft.Network/virtualNetworks/read",
      resourceTypes: ["azure.network.subnet"],
    });
  });

  it("reads Log Analytics workspace retention as returned (Microsoft's WorkspacesGet example)", () => {
    expect(resource(ids.lawExample)?.attributes).toEqual({ retentionInDays: 30, sku: "Free" });
    expect(resource(ids.lawLong)?.attributes).toEqual({
      retentionInDays: 400,
      sku: "PerGB2018",
      dailyQuotaGb: -1,
    });
  });
});

describe("Azure posture types when a read is refused", () => {
  it("makes the owners unreadable without Graph, and a denied pricings read costs only the plans", async () => {
    const scenario = azureScenario(NOW);
    scenario.faults = [
      {
        path: `/subscriptions/${SUB_A}/providers/Microsoft.Security/pricings`,
        status: 403,
        action: "Microsoft.Security/pricings/read",
      },
    ];
    const emulator = await startArmEmulator(scenario);
    try {
      const { resources } = await collectAzure(emulator, { subscriptions: [SUB_A] }, NOW);
      const sub = resources.get(ids.subscriptionA);
      expect(sub?.attributes).toEqual({});
      expect(sub?.unreadable).toEqual({
        defenderPlans: "AccessDenied: Microsoft.Security/pricings/read",
        owners: GRAPH_NOT_CONFIGURED,
      });
      expect([...resources.values()].some((r) => r.type === "azure.entra.user")).toBe(false);
    } finally {
      await emulator.close();
    }
  });

  it("reports a denied Graph report as one error for the Entra user type, naming the Graph permission", async () => {
    const scenario = azureScenario(NOW);
    scenario.faults = [
      { path: "/v1.0/reports/authenticationMethods/userRegistrationDetails", status: 403 },
      { path: `/v1.0/reports/authenticationMethods/userRegistrationDetails/${entraUsers.alex}`, status: 403 },
    ];
    const emulator = await startArmEmulator(scenario);
    try {
      const { resources, errors } = await collectAzure(
        emulator,
        { subscriptions: [SUB_A], entra: { endpoint: emulator.endpoint } },
        NOW,
      );
      expect(errors.find((e) => e.scope === "entra/tenant")).toMatchObject({
        kind: "denied",
        code: "AccessDenied",
        permission: "AuditLog.Read.All",
        resourceTypes: ["azure.entra.user"],
      });
      expect(resources.get(ids.subscriptionA)?.unreadable?.owners).toBe("AccessDenied: AuditLog.Read.All");
    } finally {
      await emulator.close();
    }
  });

  it("calls a tenant without Entra ID P1/P2 a configuration problem, not a missing permission", async () => {
    const scenario = azureScenario(NOW);
    scenario.faults = [
      {
        path: "/v1.0/reports/authenticationMethods/userRegistrationDetails",
        status: 403,
        code: "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
      },
    ];
    const emulator = await startArmEmulator(scenario);
    try {
      const { errors } = await collectAzure(
        emulator,
        { subscriptions: [SUB_A], entra: { endpoint: emulator.endpoint } },
        NOW,
      );
      const error = errors.find((e) => e.scope === "entra/tenant");
      expect(error).toMatchObject({
        kind: "invalidConfiguration",
        code: "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
      });
      expect(error?.permission).toBeUndefined();
    } finally {
      await emulator.close();
    }
  });
});
