import type { Collector } from "../types.js";
import { AWS_READ_PERMISSIONS } from "./permissions.js";
import { AWS_RESOURCE_TYPES } from "./produces.js";
import { parseAwsSettings } from "./settings.js";

export { type AwsSettings, AwsSettingsSchema } from "./settings.js";

/**
 * The AWS collector. Loading this module costs nothing: the SDK clients are imported inside collect(), so
 * `assay permissions aws` and the scan planner can read `produces` and `permissions` without them.
 */
export const awsCollector: Collector = {
  name: "aws",
  provider: "aws",
  produces: AWS_RESOURCE_TYPES,
  permissions: AWS_READ_PERMISSIONS,
  checkSettings(settings) {
    parseAwsSettings(settings);
  },
  async collect(ctx) {
    const { collectAws } = await import("./run.js");
    await collectAws(ctx);
  },
};
