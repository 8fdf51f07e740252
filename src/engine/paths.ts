import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The package root: two levels above this file both in src/engine (tests) and dist/engine (built). */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const BUILTIN_RULES_DIR = join(PACKAGE_ROOT, "rules");
export const BUILTIN_POLICIES_FILE = join(BUILTIN_RULES_DIR, "policies.yaml");
export const BUILTIN_FRAMEWORKS_DIR = join(BUILTIN_RULES_DIR, "frameworks");
