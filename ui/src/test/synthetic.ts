// Deterministic synthetic inventories for the virtualisation test and the UI benchmark.
import type { ClusterRow } from "../lib/bindings/ClusterRow";
import type { ExpiryBucket } from "../lib/bindings/ExpiryBucket";
import type { ExpiryStatus } from "../lib/bindings/ExpiryStatus";

const DAY = 86_400_000;
const ENVS = ["prod", "stg", "dev", "test", "data", "edge", "ml", "web"];
const REGIONS = ["weu", "neu", "eus", "wus2", "sea", "uks"];

// mulberry32: small, fast, reproducible.
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
const guid = (prefix: number, n: number) =>
  `${hex(prefix, 8)}-0000-4000-8000-${hex(n, 12)}`;

export type SyntheticOptions = { tenants?: number; subscriptions?: number; seed?: number; now?: number };

/**
 * `count` clusters named `aks-<env>-<region>-<n>` (n = 0 … count-1, zero-padded to 5 digits),
 * spread over tenants and subscriptions, with every bucket represented and one service principal
 * shared by every three SP clusters.
 */
export function syntheticClusters(count: number, options: SyntheticOptions = {}): ClusterRow[] {
  const { tenants = 3, subscriptions = 100, seed = 42, now = Date.now() } = options;
  const random = rng(seed);
  const rows: ClusterRow[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const sub = i % subscriptions;
    const tenantId = guid(0xa0000000 + (sub % tenants), 0);
    const subscriptionId = guid(0x50000000 + sub, sub);
    const env = ENVS[i % ENVS.length]!;
    const region = REGIONS[Math.floor(i / ENVS.length) % REGIONS.length]!;
    const name = `aks-${env}-${region}-${String(i).padStart(5, "0")}`;
    const rg = `rg-${env}-${region}`;
    const managed = random() < 0.2;
    const spClientId = managed ? null : guid(0xc0000000, Math.floor(i / 3));
    const roll = random();
    let bucket: ExpiryBucket;
    let days: number | null;
    if (managed) [bucket, days] = ["autoRotated", null];
    else if (roll < 0.04) [bucket, days] = ["unknown", null];
    else if (roll < 0.1) [bucket, days] = ["expired", -Math.floor(random() * 60) - 1];
    else if (roll < 0.18) [bucket, days] = ["critical", Math.floor(random() * 8)];
    else if (roll < 0.35) [bucket, days] = ["warning", 8 + Math.floor(random() * 23)];
    else if (roll < 0.6) [bucket, days] = ["notice", 31 + Math.floor(random() * 60)];
    else [bucket, days] = ["ok", 91 + Math.floor(random() * 600)];
    const expiresAt = days === null ? null : new Date(now + (days + 0.5) * DAY).toISOString();
    const keyId = spClientId ? `${spClientId}-k1` : null;
    const status: ExpiryStatus = {
      bucket,
      expiresAt,
      daysLeft: days as unknown as ExpiryStatus["daysLeft"],
      assumed: random() < 0.7,
      keyId: days === null ? null : keyId,
      reason: `Synthetic ${bucket}`,
    };
    const row: Omit<ClusterRow, "rotatable"> = {
      id: `/subscriptions/${subscriptionId}/resourceGroups/${rg}/providers/Microsoft.ContainerService/managedClusters/${name}`,
      name,
      subscriptionId,
      subscriptionName: `Subscription ${String(sub).padStart(3, "0")}`,
      resourceGroup: rg,
      location: region,
      identityKind: managed ? "managedIdentity" : "servicePrincipal",
      aadIntegration: random() < 0.05 ? "legacy" : "managed",
      spClientId,
      provisioningState: "Succeeded",
      powerState: random() < 0.9 ? "Running" : "Stopped",
      kubernetesVersion: `1.${28 + (i % 4)}.${i % 10}`,
      tenantId,
      tenantName: `Tenant ${sub % tenants}`,
      nodeCount: 1 + (i % 20),
      aadServerAppId: null,
      spDisplayName: spClientId ? `sp-${env}-${Math.floor(i / 3)}` : null,
      expiry: status,
      credentials:
        spClientId && expiresAt && keyId
          ? [
              {
                owner: "application",
                kind: "password",
                appId: spClientId,
                keyId,
                hint: "abc",
                displayName: "synthetic",
                start: new Date(now - 300 * DAY).toISOString(),
                end: expiresAt,
                expired: (days ?? 0) < 0,
                lastUsed: null,
              },
            ]
          : [],
    };
    // As Rust sends it (ClusterRow::can_rotate).
    rows[i] = { ...row, rotatable: row.identityKind === "servicePrincipal" || row.aadIntegration === "legacy" };
  }
  return rows;
}
