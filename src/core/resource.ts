import { z } from "zod";

/**
 * One thing that was looked at. `attributes` hold plain JSON facts whose shape is fixed per `type` by a
 * facts schema (src/core/facts); rules read only those. A fact the collector could not read is absent from
 * `attributes` and named in `unreadable` with the reason (for example the missing permission), so a rule
 * that needs it becomes `error`, never `pass`.
 */
export const ResourceSchema = z.strictObject({
  /** Stable identity: ARN, Azure resource id, GCP self link, device hardware UUID. */
  uid: z.string().min(1),
  type: z.string().min(1),
  provider: z.string().min(1),
  account: z.string().optional(),
  region: z.string().optional(),
  name: z.string(),
  tags: z.record(z.string(), z.string()).default({}),
  attributes: z.record(z.string(), z.unknown()),
  /** Where each top-level fact came from (`cmd: lsblk -J …`, `file: /etc/login.defs`, `api: s3:GetBucketEncryption`). */
  sources: z.record(z.string(), z.string()).default({}),
  /** Facts that could not be read, by dotted attribute path, with the reason. */
  unreadable: z.record(z.string(), z.string()).default({}),
  collectedAt: z.iso.datetime(),
});

export type Resource = z.infer<typeof ResourceSchema>;
export type ResourceInput = z.input<typeof ResourceSchema>;
