import { describe, expect, it } from "vitest";
import type { GenericResourceSummary } from "../../../src/collectors/azure/arm.js";
import { SubscriptionListing } from "../../../src/collectors/azure/listing.js";

const r = (name: string, type: string): GenericResourceSummary => ({
  id: `/x/${name}`,
  name,
  type,
  tags: {},
});

async function collect(iterable: AsyncIterable<GenericResourceSummary>): Promise<string[]> {
  const names: string[] = [];
  for await (const item of iterable) names.push(item.name);
  return names;
}

describe("a subscription's resource list read by every type while it arrives", () => {
  it("gives each reader every item of its type once, in order, including those added after it started", async () => {
    const listing = new SubscriptionListing();
    listing.add([r("st1", "Microsoft.Storage/storageAccounts"), r("kv1", "Microsoft.KeyVault/vaults")]);
    const storage = collect(listing.ofType("microsoft.storage/storageaccounts"));
    const vaults = collect(listing.ofType("microsoft.keyvault/vaults"));
    await new Promise((resolve) => setTimeout(resolve, 5));
    listing.add([r("st2", "Microsoft.Storage/storageAccounts")]);
    listing.finish();
    expect(await storage).toEqual(["st1", "st2"]);
    expect(await vaults).toEqual(["kv1"]);
    expect((await listing.allOfType("microsoft.storage/storageaccounts")).map((i) => i.name)).toEqual([
      "st1",
      "st2",
    ]);
  });

  it("ends every reader with the error of a page that failed, after the items it had", async () => {
    const listing = new SubscriptionListing();
    listing.add([r("st1", "Microsoft.Storage/storageAccounts")]);
    const seen: string[] = [];
    const reading = (async () => {
      for await (const item of listing.ofType("microsoft.storage/storageaccounts")) seen.push(item.name);
    })();
    listing.fail(new Error("page 2 failed"));
    await expect(reading).rejects.toThrow("page 2 failed");
    expect(seen).toEqual(["st1"]);
  });
});
