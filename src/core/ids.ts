import { monotonicFactory } from "ulid";

const nextUlid = monotonicFactory();

/** Report ids are ULIDs: sortable by time, unique without coordination across a fleet. */
export function newReportId(now: number = Date.now()): string {
  return nextUlid(now);
}

export const ULID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;
