import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { validate as isValidCron } from "node-cron";
import { z } from "zod";
import { AssayError, DiagnosticsError } from "../core/errors.js";
import { parseYamlSource, zodDiagnostics } from "../engine/yaml-source.js";
import { defaultAgentPaths } from "./paths.js";

/**
 * agent.yaml: where the store is, how to enrol, and which scans run when. Validated with zod; every problem
 * names the file, line and field. The enrolment secret may sit in the file, in a file of its own
 * (`enrolmentSecretFile`, so the config can be world-readable) or in an environment variable; it is never logged.
 */
const cronExpression = z
  .string()
  .min(1)
  .refine((expr) => isValidCron(expr), { message: 'not a valid cron expression (e.g. "0 */4 * * *")' });

const JobSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "use lower-case letters, digits and dashes"),
  /** node-cron expression, 5 fields (or 6 with seconds first). */
  schedule: cronExpression,
  /** Each run starts up to this many seconds after its slot, so a fleet does not report at one instant. */
  jitterSeconds: z.number().int().min(0).max(86_400).default(0),
  /** Run once soon after the agent starts when the job has never run on this machine. */
  runAtStart: z.boolean().default(false),
  /** Collectors this job runs (`device`, `aws`, …); default: the scan config's collectors. */
  collectors: z.array(z.string().min(1)).min(1).optional(),
  /** An assay.yaml with collector settings (cloud scopes), extra rule folders and exceptions. */
  config: z.string().min(1).optional(),
  /** Extra rule folders for this job, after the built-in rules. */
  rules: z.array(z.string().min(1)).default([]),
  /** Give up on a run that takes longer than this. */
  timeoutSeconds: z.number().int().min(1).max(86_400).default(3600),
});
export type AgentJob = z.infer<typeof JobSchema>;

export const AgentConfigSchema = z.strictObject({
  store: z.strictObject({
    url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL such as https://assay.example.com" }),
    enrolmentSecret: z.string().min(1).optional(),
    enrolmentSecretFile: z.string().min(1).optional(),
    /** Name of the environment variable that holds the secret. */
    enrolmentSecretEnv: z.string().min(1).default("ASSAY_ENROLMENT_SECRET"),
    group: z.string().min(1).optional(),
    timeoutSeconds: z.number().int().min(1).max(600).default(30),
  }),
  stateDir: z.string().min(1).optional(),
  spool: z
    .strictObject({
      /** Upper bound on spooled bytes; when reached, new reports are refused loudly and old ones kept. */
      maxBytes: z
        .number()
        .int()
        .min(1024)
        .default(64 * 1024 * 1024),
      maxReports: z.number().int().min(1).default(1000),
      /** Backoff between delivery attempts while the store is unreachable. */
      retryMinSeconds: z.number().min(0.05).default(5),
      retryMaxSeconds: z.number().min(0.05).default(900),
    })
    .default({ maxBytes: 64 * 1024 * 1024, maxReports: 1000, retryMinSeconds: 5, retryMaxSeconds: 900 }),
  heartbeat: z
    .strictObject({ intervalSeconds: z.number().min(0.1).max(86_400).default(300) })
    .default({ intervalSeconds: 300 }),
  jobs: z.array(JobSchema).min(1, "configure at least one job"),
  /** On SIGTERM, how long an upload under way may take to finish before it is left in the spool. */
  shutdownGraceSeconds: z.number().min(0).max(300).default(10),
  log: z
    .strictObject({
      level: z.enum(["debug", "info", "warn", "error"]).default("info"),
      /** Append JSON lines to this file instead of stdout (Windows scheduled tasks have no console to capture). */
      file: z.string().min(1).optional(),
    })
    .default({ level: "info" }),
});
export type AgentConfig = z.infer<typeof AgentConfigSchema> & { stateDir: string; file: string };

export async function loadAgentConfig(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<AgentConfig> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new AssayError(
      "AGENT_CONFIG_MISSING",
      `cannot read agent config ${file}: ${(error as Error).message}`,
    );
  }
  return parseAgentConfig(file, text, env);
}

export function parseAgentConfig(
  file: string,
  text: string,
  env: NodeJS.ProcessEnv = process.env,
): AgentConfig {
  const source = parseYamlSource(file, text);
  if (source.syntaxErrors.length)
    throw new DiagnosticsError("AGENT_CONFIG_INVALID", `${file} is not valid YAML`, source.syntaxErrors);
  const parsed = AgentConfigSchema.safeParse(source.value ?? {});
  if (!parsed.success) {
    throw new DiagnosticsError(
      "AGENT_CONFIG_INVALID",
      `${file} is not a valid agent config`,
      zodDiagnostics(source, parsed.error, "AGENT_CONFIG_INVALID"),
    );
  }
  const config = parsed.data;
  const names = new Set<string>();
  for (const [index, job] of config.jobs.entries()) {
    if (names.has(job.name)) {
      throw new DiagnosticsError("AGENT_CONFIG_INVALID", `${file} is not a valid agent config`, [
        {
          code: "AGENT_CONFIG_INVALID",
          message: `job name "${job.name}" is used twice`,
          location: source.locate(["jobs", index, "name"]),
          field: `jobs.${index}.name`,
        },
      ]);
    }
    names.add(job.name);
  }
  const secrets = [config.store.enrolmentSecret, config.store.enrolmentSecretFile].filter(Boolean);
  if (secrets.length > 1) {
    throw new DiagnosticsError("AGENT_CONFIG_INVALID", `${file} is not a valid agent config`, [
      {
        code: "AGENT_CONFIG_INVALID",
        message: "give enrolmentSecret or enrolmentSecretFile, not both",
        location: source.locate(["store", "enrolmentSecretFile"]),
        field: "store.enrolmentSecretFile",
      },
    ]);
  }
  // Relative paths in the file are relative to the file, not to wherever the service manager started us.
  const base = dirname(resolve(file));
  const at = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  return {
    ...config,
    file,
    store: {
      ...config.store,
      enrolmentSecretFile: config.store.enrolmentSecretFile && at(config.store.enrolmentSecretFile),
    },
    stateDir: at(env.ASSAY_STATE_DIR ?? config.stateDir ?? defaultAgentPaths().stateDir),
    log: { ...config.log, ...(config.log.file ? { file: at(config.log.file) } : {}) },
    jobs: config.jobs.map((job) => ({
      ...job,
      config: job.config && at(job.config),
      rules: job.rules.map(at),
    })),
  };
}

/**
 * The enrolment secret, needed only on first start. Read at the moment of enrolment so it is not kept in
 * memory longer than needed; a missing secret is an error only when the agent is not yet enrolled.
 */
export async function readEnrolmentSecret(
  config: AgentConfig,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  if (config.store.enrolmentSecret) return config.store.enrolmentSecret;
  if (config.store.enrolmentSecretFile) {
    try {
      const secret = (await readFile(config.store.enrolmentSecretFile, "utf8")).trim();
      if (secret) return secret;
    } catch (error) {
      // An absent file falls back to the environment variable; any other failure is worth saying.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT") {
        throw new AssayError(
          "AGENT_SECRET_MISSING",
          `cannot read the enrolment secret file ${config.store.enrolmentSecretFile}: ${code ?? "error"}`,
        );
      }
    }
  }
  const fromEnv = env[config.store.enrolmentSecretEnv]?.trim();
  if (fromEnv) return fromEnv;
  throw new AssayError(
    "AGENT_SECRET_MISSING",
    `this agent is not enrolled yet and has no enrolment secret: put it in ${config.store.enrolmentSecretFile ?? `a file named by store.enrolmentSecretFile in ${config.file}`} or in the ${config.store.enrolmentSecretEnv} environment variable`,
  );
}
