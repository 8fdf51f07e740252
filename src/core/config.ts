import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { z } from "zod";
import { AssayError, DiagnosticsError } from "./errors.js";
import { SeveritySchema } from "./finding.js";
import { ProfileOverridesSchema } from "./profile.js";

/**
 * assay.yaml: one file configures scans, the cloud scopes and (later) the agent and the store. Provider and
 * agent sections are validated by their owners (a collector validates its own settings), so this schema
 * keeps them as plain objects. Flags override the file; ASSAY_* environment variables override both
 * where a deployment cannot edit the file (MDM, containers).
 */
export const ScanConfigSchema = z.strictObject({
  collectors: z.array(z.string().min(1)).min(1).default(["device"]),
  /** Extra rule folders, loaded after the built-in rules unless `builtinRules` is false. */
  rules: z.array(z.string().min(1)).default([]),
  builtinRules: z.boolean().default(true),
  exceptions: z.string().min(1).optional(),
  failOn: z.union([SeveritySchema, z.literal("none")]).default("none"),
  /** Do not count checks that could not run (`error` findings, a collector with 0 resources) against failOn. */
  allowErrors: z.boolean().default(false),
  outDir: z.string().min(1).default("reports"),
  formats: z.array(z.string().min(1)).default(["json"]),
  /** Collectors run at once; each collector bounds its own API concurrency. */
  concurrency: z.number().int().min(1).max(64).default(4),
});
export type ScanConfig = z.infer<typeof ScanConfigSchema>;

export const AssayConfigSchema = z.strictObject({
  scan: ScanConfigSchema.default(ScanConfigSchema.parse({})),
  device: z.record(z.string(), z.unknown()).optional(),
  aws: z.record(z.string(), z.unknown()).optional(),
  azure: z.record(z.string(), z.unknown()).optional(),
  gcp: z.record(z.string(), z.unknown()).optional(),
  agent: z.record(z.string(), z.unknown()).optional(),
  store: z.record(z.string(), z.unknown()).optional(),
  /** The organisation profile: thresholds the rules read as `profile.*`, merged over the shipped defaults. */
  profile: ProfileOverridesSchema.optional(),
});
export type AssayConfig = z.infer<typeof AssayConfigSchema>;

export interface LoadedConfig {
  config: AssayConfig;
  /** The file it came from, if any; relative paths in it resolve against its folder. */
  file?: string;
}

export const DEFAULT_CONFIG_FILE = "assay.yaml";

/** Environment overrides, applied over the file and under flags. */
function environmentOverrides(env: NodeJS.ProcessEnv): Partial<ScanConfig> {
  const list = (value: string | undefined) =>
    value
      ?.split(/[,:]/)
      .map((s) => s.trim())
      .filter(Boolean);
  const out: Partial<ScanConfig> = {};
  if (env.ASSAY_COLLECTORS) out.collectors = list(env.ASSAY_COLLECTORS);
  if (env.ASSAY_RULES) out.rules = list(env.ASSAY_RULES);
  if (env.ASSAY_EXCEPTIONS) out.exceptions = env.ASSAY_EXCEPTIONS;
  if (env.ASSAY_FAIL_ON) out.failOn = env.ASSAY_FAIL_ON as ScanConfig["failOn"];
  if (env.ASSAY_OUT_DIR) out.outDir = env.ASSAY_OUT_DIR;
  return out;
}

export async function loadConfig(
  file: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LoadedConfig> {
  const path =
    file ?? (env.ASSAY_CONFIG || (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined));
  let raw: Record<string, unknown> = {};
  let source: import("../engine/yaml-source.js").YamlSource | undefined;
  if (path) {
    if (!existsSync(path)) throw new AssayError("CONFIG_MISSING", `config file ${path} not found`);
    const { readYamlSource } = await import("../engine/yaml-source.js");
    source = await readYamlSource(path);
    if (source.syntaxErrors.length)
      throw new DiagnosticsError("CONFIG_INVALID", `${path} is not valid YAML`, source.syntaxErrors);
    raw = (source.value ?? {}) as Record<string, unknown>;
    if (typeof raw !== "object" || Array.isArray(raw))
      throw new AssayError("CONFIG_INVALID", `${path}: expected a mapping at the top level`);
  }
  const scanSection = (raw.scan ?? {}) as Record<string, unknown>;
  const merged = { ...raw, scan: { ...scanSection, ...environmentOverrides(env) } };
  const parsed = AssayConfigSchema.safeParse(merged);
  if (!parsed.success) {
    if (source) {
      const { zodDiagnostics } = await import("../engine/yaml-source.js");
      throw new DiagnosticsError(
        "CONFIG_INVALID",
        `${path} is not a valid Assay config`,
        zodDiagnostics(source, parsed.error, "CONFIG_INVALID"),
      );
    }
    const issue = parsed.error.issues[0];
    throw new AssayError(
      "CONFIG_INVALID",
      `invalid setting ${issue?.path.join(".")}: ${issue?.message} (from ASSAY_* environment variables)`,
    );
  }
  const config = parsed.data;
  if (path) {
    // Paths in the file are relative to the file, not to where assay runs.
    const base = dirname(resolve(path));
    config.scan.rules = config.scan.rules.map((r) => resolve(base, r));
    if (config.scan.exceptions && !env.ASSAY_EXCEPTIONS)
      config.scan.exceptions = resolve(base, config.scan.exceptions);
  }
  return path ? { config, file: path } : { config };
}
