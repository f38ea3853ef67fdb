import { describe, expect, it } from "vitest";
import { clusters } from "../test/fixtures";
import { aadLabel, countLabel, identityLabel, plural, provisioningTone } from "./clusterLabels";

describe("cluster labels", () => {
  it("counts clusters and distinct subscriptions with correct plurals", () => {
    expect(countLabel(clusters)).toBe("8 clusters in 3 subscriptions");
    expect(countLabel(clusters.slice(0, 1))).toBe("1 cluster in 1 subscription");
    expect(countLabel([])).toBe("0 clusters in 0 subscriptions");
    expect(plural(1, "match", "matches")).toBe("1 match");
    expect(plural(3, "match", "matches")).toBe("3 matches");
  });

  it("maps provisioning states to tones", () => {
    expect(provisioningTone("Succeeded")).toBe("ok");
    expect(provisioningTone("Failed")).toBe("danger");
    expect(provisioningTone("Upgrading")).toBe("warn");
  });

  it("names identities and AAD modes for people", () => {
    expect(identityLabel("servicePrincipal")).toBe("Service principal");
    expect(identityLabel("managedIdentity")).toBe("Managed identity");
    expect(aadLabel("legacy")).toBe("Legacy AAD");
    expect(aadLabel("managed")).toBe("Entra ID (managed)");
    expect(aadLabel("none")).toBeNull();
  });
});
