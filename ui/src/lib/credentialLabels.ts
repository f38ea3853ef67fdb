// How a credential is named on screen (the drawer's table and the line saying what the rating is
// based on): one home, so both say the same.
import type { ClusterRow } from "./bindings/ClusterRow";
import type { CredentialInfo } from "./bindings/CredentialInfo";
import { daysLeft } from "./vault";

/** Where it is kept, and whose it is when it is not the cluster's own service principal's. */
export function ownerLabel(c: CredentialInfo, row: Pick<ClusterRow, "spClientId" | "aadServerAppId">): string {
  const owner = c.owner === "application" ? "App registration" : "Service principal object";
  if (c.appId !== row.spClientId && c.appId === row.aadServerAppId) return `${owner} · legacy AAD server app`;
  if (c.appId !== row.spClientId) return `${owner} · ${c.appId}`;
  return owner;
}

export function kindLabel(c: CredentialInfo): string {
  return c.kind === "password" ? "Secret" : "Certificate";
}

/** Its display name and hint (the first characters Azure keeps), or that it has none. */
export function credentialName(c: CredentialInfo): string {
  const parts = [c.displayName, c.hint ? `${c.hint}…` : null].filter((p): p is string => !!p);
  return parts.length > 0 ? parts.join(" · ") : "(no name)";
}

/** Days left in words, at `now` (ms). */
export function remaining(c: CredentialInfo, now: number): string {
  if (c.expired) return "Expired";
  if (!c.end) return "No end date";
  const d = daysLeft(c.end, now) ?? 0;
  if (d < 0) return "Expired";
  return d === 0 ? "Expires today" : `${d} ${d === 1 ? "day" : "days"} left`;
}
