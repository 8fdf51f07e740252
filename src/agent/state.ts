import { chmod, mkdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { AssayError } from "../core/errors.js";
import { writeFileAtomic } from "./atomic-file.js";

/**
 * The agent's state folder: its enrolled identity, its signing key, the spool and job bookkeeping. The folder
 * is 0700 and every file 0600 (owner only), because the token and the private key let anyone holding them
 * report as this device. On Windows the installer sets an ACL on %ProgramData%\Assay instead.
 */
export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

export const IdentitySchema = z.strictObject({
  agentId: z.string().min(1),
  token: z.string().min(1),
  storeUrl: z.string(),
  hostname: z.string(),
  enrolledAt: z.iso.datetime(),
});
export type AgentIdentity = z.infer<typeof IdentitySchema>;

const JobRecordSchema = z.strictObject({
  lastStartedAt: z.iso.datetime().optional(),
  lastCompletedAt: z.iso.datetime().optional(),
  /** The slot the job must have run by; a later clock on start or wake means a slot was slept through. */
  nextDueAt: z.iso.datetime().optional(),
});
export type JobRecord = z.infer<typeof JobRecordSchema>;
const JobsStateSchema = z.record(z.string(), JobRecordSchema);

export interface StatePaths {
  dir: string;
  identity: string;
  privateKey: string;
  publicKey: string;
  jobs: string;
  spool: string;
  quarantine: string;
  /** When each pending security update was first seen (the device collector's update history). */
  updateHistory: string;
}

export function statePaths(dir: string): StatePaths {
  return {
    dir,
    identity: join(dir, "identity.json"),
    privateKey: join(dir, "signing-key.pem"),
    publicKey: join(dir, "signing-key.pub.pem"),
    jobs: join(dir, "jobs.json"),
    spool: join(dir, "spool"),
    quarantine: join(dir, "spool-quarantine"),
    updateHistory: join(dir, "update-history.json"),
  };
}

/** Create the folders owner-only, and tighten them if an earlier install left them looser. */
export async function prepareStateDir(paths: StatePaths): Promise<void> {
  for (const dir of [paths.dir, paths.spool, paths.quarantine]) {
    await mkdir(dir, { recursive: true, mode: DIR_MODE });
    if (process.platform !== "win32") {
      const mode = (await stat(dir)).mode & 0o777;
      if (mode !== DIR_MODE) await chmod(dir, DIR_MODE);
    }
  }
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

export async function readIdentity(paths: StatePaths): Promise<AgentIdentity | undefined> {
  const text = await readOptional(paths.identity);
  if (text === undefined) return undefined;
  const parsed = IdentitySchema.safeParse(safeJson(text));
  if (!parsed.success) {
    throw new AssayError(
      "AGENT_STATE_CORRUPT",
      `${paths.identity} is damaged (${parsed.error.issues[0]?.message}); remove it to enrol this device again`,
    );
  }
  return parsed.data;
}

export async function writeIdentity(paths: StatePaths, identity: AgentIdentity): Promise<void> {
  await writeFileAtomic(paths.identity, `${JSON.stringify(identity, null, 2)}\n`, FILE_MODE);
}

export async function readSigningKey(
  paths: StatePaths,
): Promise<{ privateKeyPem: string; publicKeyPem: string } | undefined> {
  const privateKeyPem = await readOptional(paths.privateKey);
  const publicKeyPem = await readOptional(paths.publicKey);
  if (!privateKeyPem || !publicKeyPem) return undefined;
  return { privateKeyPem, publicKeyPem };
}

export async function writeSigningKey(
  paths: StatePaths,
  key: { privateKeyPem: string; publicKeyPem: string },
): Promise<void> {
  await writeFileAtomic(paths.privateKey, key.privateKeyPem, FILE_MODE);
  await writeFileAtomic(paths.publicKey, key.publicKeyPem, FILE_MODE);
}

export async function readJobsState(paths: StatePaths): Promise<Record<string, JobRecord>> {
  const text = await readOptional(paths.jobs);
  if (text === undefined) return {};
  const parsed = JobsStateSchema.safeParse(safeJson(text));
  // Job bookkeeping only decides catch-up runs; if it is damaged, starting afresh is safe.
  return parsed.success ? parsed.data : {};
}

export async function writeJobsState(paths: StatePaths, jobs: Record<string, JobRecord>): Promise<void> {
  await writeFileAtomic(paths.jobs, `${JSON.stringify(jobs, null, 2)}\n`, FILE_MODE);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
