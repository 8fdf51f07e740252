import type { z } from "zod";
import { awsFactsSchemas } from "./aws.js";
import { azureFactsSchemas } from "./azure.js";
import { DeviceFactsSchema } from "./device.js";
import { gcpFactsSchemas } from "./gcp.js";

/**
 * The contract between collectors and rules: one facts schema per resource type. A collector's resources
 * and every rule test fixture are validated against it, and `assay rules lint` rejects a rule that reads an
 * attribute its resource type's schema does not have. A provider adds its schemas in its own file
 * (`aws.ts` exporting a `Record<type, schema>`) and one spread line here; schemas are plain zod, no SDKs.
 */
export const factsSchemas: Readonly<Record<string, z.ZodType>> = {
  device: DeviceFactsSchema,
  ...awsFactsSchemas,
  ...azureFactsSchemas,
  ...gcpFactsSchemas,
};

export function factsSchemaFor(type: string): z.ZodType | undefined {
  return factsSchemas[type];
}
