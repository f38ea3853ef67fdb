// "Last used" of a secret as the drawer and the Vault page say it, from Graph's sign-in activity
// report as Rust read it (`LastUsed`): a time, "not seen", or "usage unknown" with why. No IPC.
import type { LastUsed } from "./bindings/LastUsed";
import { USAGE_CAVEAT as REPORT_CAVEAT } from "./bindings/UsageCaveat";
import { formatAge, formatDateTime } from "./expiry";

/**
 * The report's own caveat, said once near its dates: Rust's `azure::reports::CAVEAT` (its one home,
 * which the CLI and the hold text use too), through a generated binding.
 */
export const USAGE_CAVEAT = `Last used: ${REPORT_CAVEAT}.`;

export type LastUsedView = {
  /** What the cell says. */
  text: string;
  /** The hover text: the exact time, or why usage is unknown. */
  title: string;
  kind: LastUsed["kind"] | "none";
};

/** How one secret's last use reads; `null` (Rekey did not ask, e.g. an older inventory) reads "—". */
export function lastUsedView(lastUsed: LastUsed | null, now: number = Date.now()): LastUsedView {
  if (lastUsed === null) return { text: "—", title: "Not read yet: refresh to ask Microsoft Graph.", kind: "none" };
  switch (lastUsed.kind) {
    case "at": {
      const age = formatAge(lastUsed.at, now);
      return {
        text: age ?? formatDateTime(lastUsed.at),
        title: `Last signed in ${formatDateTime(lastUsed.at)}`,
        kind: "at",
      };
    }
    case "notSeen":
      return { text: "Not seen", title: "The sign-in activity report has no sign-in with this secret.", kind: "notSeen" };
    case "unknown":
      return { text: "Usage unknown", title: lastUsed.reason, kind: "unknown" };
  }
}

/** Whether any of these secrets has a last use read from the report (so the caveat applies). */
export function anyUsageRead(all: readonly (LastUsed | null)[]): boolean {
  return all.some((l) => l !== null && l.kind !== "unknown");
}
