/**
 * A full disk (or an exhausted quota) is a condition the agent lives through, not a crash: the spool keeps
 * what it has and still delivers it, new reports are refused, and every such refusal is logged as "disk full"
 * with the path. Freeing space (or the store taking the spool) ends it without a restart.
 */
export function isDiskFull(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOSPC" || code === "EDQUOT";
}

export function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
