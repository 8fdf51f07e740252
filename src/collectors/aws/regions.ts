import { createRequire } from "node:module";
import type { SettingProblem } from "../kit/settings.js";
import type { AwsSettings } from "./settings.js";

type PartitionOf = (region: string) => { name: string; description?: string };
let partitionOf: PartitionOf | undefined;

/**
 * The SDK's own partition lookup (`@aws-sdk/core/client`, generated from the SDK's partitions.json, the data
 * it resolves endpoints with). It returns a `description` only for region names listed in a partition; any
 * other name falls back to the `aws` partition's defaults, which is why a typo otherwise reaches the network.
 * Loaded only when AWS settings are checked.
 */
function sdkPartition(): PartitionOf {
  partitionOf ??= (createRequire(import.meta.url)("@aws-sdk/core/client") as { partition: PartitionOf })
    .partition;
  return partitionOf;
}

/** True when the name is a real region of some partition (not a pseudo-region such as `aws-global`). */
export function isKnownRegion(name: string): boolean {
  if (name.endsWith("-global") || name.startsWith("aws-")) return false;
  return sdkPartition()(name).description !== undefined;
}

/** `euwest2`, `EU_West-2` → `eu-west-2` when that is a known region: the usual typos of a region name. */
function suggestion(name: string): string | undefined {
  const compact = name.toLowerCase().replace(/[-_ ]/g, "");
  const m = /^([a-z]+)(\d+)$/.exec(compact);
  if (!m) return undefined;
  const [, letters = "", digits = ""] = m;
  // Region prefixes are 2 to 4 letters (`eu`, `us-gov`, `eusc`); try each split of the letters.
  for (let prefix = 2; prefix <= 4; prefix += 1) {
    for (let cut = prefix + 1; cut < letters.length; cut += 1) {
      const middle = letters.slice(prefix, cut);
      const rest = letters.slice(cut);
      for (const guess of [
        `${letters.slice(0, prefix)}-${letters.slice(prefix)}-${digits}`,
        `${letters.slice(0, prefix)}-${middle}-${rest}-${digits}`,
      ]) {
        if (guess !== name && isKnownRegion(guess)) return guess;
      }
    }
  }
  return undefined;
}

/** Every configured region name the SDK's partition data does not know, each naming its setting. */
export function regionProblems(settings: Pick<AwsSettings, "regions" | "homeRegion">): SettingProblem[] {
  const problems: SettingProblem[] = [];
  const check = (path: string, name: string) => {
    if (isKnownRegion(name)) return;
    const guess = suggestion(name);
    problems.push({
      path,
      message: `"${name}" is not a region the AWS SDK knows${guess ? ` (did you mean ${guess}?)` : ""}`,
    });
  };
  settings.regions?.forEach((region, i) => {
    check(`aws.regions[${i}]`, region);
  });
  check("aws.homeRegion", settings.homeRegion);
  return problems;
}
