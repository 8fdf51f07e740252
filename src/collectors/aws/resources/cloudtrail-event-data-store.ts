import type { EventDataStore } from "@aws-sdk/client-cloudtrail";
import { CloudTrailEventDataStoreFactsSchema } from "../../../core/facts/aws.js";
import { paginate } from "../../kit/bounded.js";
import { apiCall } from "../../kit/calls.js";
import { defineResourceType, type TypeContext } from "../../kit/resource-type.js";
import type { AccountScope } from "../context.js";
import { loadCloudTrailSdk } from "../sdk.js";

const CALLS = {
  listEventDataStores: apiCall("cloudtrail:ListEventDataStores"),
  getEventDataStore: apiCall("cloudtrail:GetEventDataStore"),
};

/** The facts GetEventDataStore answers; all unreadable together when it fails. */
const DETAIL_FACTS = [
  "status",
  "retentionPeriodDays",
  "multiRegion",
  "organizationEnabled",
  "terminationProtection",
  "billingMode",
] as const;

const cloudtrailClient = (ctx: TypeContext<AccountScope>) =>
  ctx.provider.client(
    "cloudtrail",
    ctx.where,
    (config) => new (loadCloudTrailSdk().CloudTrailClient)(config),
  );

/**
 * CloudTrail Lake event data stores of a region: where CloudTrail keeps events for a retention period it
 * enforces itself. ListEventDataStores names them (its other fields are deprecated,
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_EventDataStore.html); each store's
 * retention and status come from GetEventDataStore
 * (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetEventDataStore.html).
 */
export const cloudtrailEventDataStore = defineResourceType<AccountScope, EventDataStore>({
  type: "aws.cloudtrail.eventDataStore",
  service: "cloudtrail",
  scope: "regional",
  facts: CloudTrailEventDataStoreFactsSchema,
  calls: Object.values(CALLS),

  list(ctx) {
    const { ListEventDataStoresCommand } = loadCloudTrailSdk();
    const client = cloudtrailClient(ctx);
    return paginate(
      (NextToken) =>
        ctx.call(CALLS.listEventDataStores, () =>
          // MaxResults 1-1000 (API_ListEventDataStores.html).
          client.send(new ListEventDataStoresCommand({ NextToken, MaxResults: 1000 })),
        ),
      (page) => page.EventDataStores,
      (page) => page.NextToken,
    );
  },

  async read(ctx, store, facts) {
    const arn = store.EventDataStoreArn;
    if (!arn) return undefined;
    const { GetEventDataStoreCommand } = loadCloudTrailSdk();
    const client = cloudtrailClient(ctx);
    facts.set("arn", arn, CALLS.listEventDataStores);
    facts.set("name", store.Name, CALLS.listEventDataStores);
    await facts.read(
      DETAIL_FACTS,
      () =>
        ctx.call(CALLS.getEventDataStore, () =>
          client.send(new GetEventDataStoreCommand({ EventDataStore: arn })),
        ),
      (reply) => {
        const set = (key: string, value: unknown) => facts.set(key, value, CALLS.getEventDataStore);
        set("status", reply.Status);
        set("retentionPeriodDays", reply.RetentionPeriod);
        set("multiRegion", reply.MultiRegionEnabled);
        set("organizationEnabled", reply.OrganizationEnabled);
        set("terminationProtection", reply.TerminationProtectionEnabled);
        set("billingMode", reply.BillingMode);
      },
    );
    const scope = ctx.provider;
    return { uid: arn, name: store.Name ?? arn, account: scope.accountId, region: ctx.where };
  },
});
