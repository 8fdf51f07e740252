import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { parseSettings } from "../kit/settings.js";
import type { Collector } from "../types.js";
import { DEFAULT_TIMEOUT_MS } from "./exec.js";
import { realHost } from "./probe.js";
import { trackUpdateHistory } from "./update-history.js";

/** `device:` section of assay.yaml. */
const DeviceSettingsSchema = z
  .strictObject({
    /** Per-command timeout. */
    timeoutMs: z.number().int().min(100).max(120_000).default(DEFAULT_TIMEOUT_MS),
    /** Where results that only change with their input files (apt simulation) are kept; `false` disables it. */
    cacheDir: z.union([z.string().min(1), z.literal(false)]).optional(),
    /**
     * The file that keeps when each pending security update was first seen (`update-history.ts`); by default
     * `update-history.json` in the cache folder (the agent passes its state folder's); `false` keeps none.
     */
    updateHistory: z.union([z.string().min(1), z.literal(false)]).optional(),
  })
  .default({ timeoutMs: DEFAULT_TIMEOUT_MS });

function defaultCacheDir(): string {
  if (process.getuid?.() === 0) return "/var/cache/assay";
  return join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "assay");
}

/**
 * The device collector: one `device` resource for the machine the scan runs on. Platform code lives in
 * ./linux, ./darwin, ./win32 and is loaded only on its platform.
 */
export const deviceCollector: Collector = {
  name: "device",
  provider: "device",
  produces: ["device"],
  permissions: [],
  /** Before any collector runs (scan/run.ts): a bad setting stops the scan with exit 2, naming it. */
  checkSettings(settings) {
    parseSettings("device", DeviceSettingsSchema, settings ?? undefined);
  },
  async collect(ctx) {
    const settings = DeviceSettingsSchema.safeParse(ctx.settings ?? undefined);
    if (!settings.success) {
      const issue = settings.error.issues[0];
      ctx.reportError({
        collector: "device",
        scope: "device",
        code: "SETTINGS_INVALID",
        message: `device settings: ${issue?.path.join(".")}: ${issue?.message}`,
        resourceTypes: ["device"],
      });
      return;
    }
    const platform = process.platform;
    if (platform !== "linux" && platform !== "darwin" && platform !== "win32") {
      ctx.reportError({
        collector: "device",
        scope: "device",
        code: "PLATFORM_UNSUPPORTED",
        message: `device collection on ${platform}: platform not supported yet`,
        resourceTypes: ["device"],
      });
      return;
    }
    const cacheDir =
      settings.data.cacheDir === false ? undefined : (settings.data.cacheDir ?? defaultCacheDir());
    const host = realHost({ now: ctx.now, signal: ctx.signal, timeoutMs: settings.data.timeoutMs, cacheDir });
    const collectPlatform =
      platform === "darwin"
        ? (await import("./darwin/index.js")).collectDarwinDevice
        : platform === "win32"
          ? (await import("./win32/index.js")).collectWin32Device
          : (await import("./linux/index.js")).collectLinuxDevice;
    const resource = await collectPlatform(host);
    const historyFile =
      settings.data.updateHistory === false
        ? undefined
        : (settings.data.updateHistory ?? (cacheDir ? join(cacheDir, "update-history.json") : undefined));
    await trackUpdateHistory(resource, historyFile, ctx.now);
    ctx.emit(resource);
  },
};
