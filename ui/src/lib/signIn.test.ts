import { describe, expect, it } from "vitest";
import type { CloudSetting } from "./bindings/CloudSetting";
import {
  buildCloud,
  buildRequest,
  cloudChoices,
  cloudLabel,
  EMPTY_FORM,
  formatCountdown,
  validateMetadataUrl,
  validateTenant,
} from "./signIn";

const demo: CloudSetting = {
  kind: "custom",
  metadataUrl: "https://127.0.0.1:8443/metadata/endpoints",
  caFile: "/tmp/sim-ca.pem",
};
const noCustom = { metadataUrl: "", caFile: "" };

describe("cloud picker", () => {
  it("offers the simulator only when the back end has one", () => {
    expect(cloudChoices(null)).toEqual(["public", "china", "usGov", "custom"]);
    expect(cloudChoices(demo)).toEqual(["public", "china", "usGov", "custom", "demo"]);
  });

  it.each([
    ["public", { kind: "public" }],
    ["china", { kind: "china" }],
    ["usGov", { kind: "usGov" }],
  ] as const)("builds %s", (choice, cloud) => {
    expect(buildCloud(choice, noCustom, demo)).toEqual({ ok: true, cloud });
  });

  it("uses the back end's demo cloud for the simulator", () => {
    expect(buildCloud("demo", noCustom, demo)).toEqual({ ok: true, cloud: demo });
    expect(buildCloud("demo", noCustom, null).ok).toBe(false);
  });

  it("builds a custom cloud with a trimmed URL and never a CA path (Rust holds the chosen CA file)", () => {
    const url = "https://management.local.azurestack.external/metadata/endpoints?api-version=2022-09-01";
    expect(buildCloud("custom", { metadataUrl: `  ${url} `, caFile: "  " }, null)).toEqual({
      ok: true,
      cloud: { kind: "custom", metadataUrl: url, caFile: null },
    });
    expect(buildCloud("custom", { metadataUrl: url, caFile: "my-ca.pem" }, null)).toEqual({
      ok: true,
      cloud: { kind: "custom", metadataUrl: url, caFile: null },
    });
  });

  it("rejects a custom cloud with a bad URL", () => {
    const result = buildCloud("custom", { metadataUrl: "http://example.com/md", caFile: "" }, null);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.metadataUrl).toMatch(/https/);
  });
});

describe("validateMetadataUrl", () => {
  it.each([
    "https://management.azure.com/metadata/endpoints?api-version=2022-09-01",
    "https://127.0.0.1:8443/metadata/endpoints",
  ])("accepts %s", (url) => {
    expect(validateMetadataUrl(url)).toBeNull();
  });

  it.each([
    ["", /Enter the metadata URL/],
    ["http://management.example.com/metadata", /Only https/],
    ["ftp://example.com/x", /Only https/],
    ["management.example.com/metadata", /not a valid URL/],
    ["https://exa mple.com", /spaces/],
    ["https://user:pw@example.com/md", /user name or password/],
  ])("rejects %j", (url, message) => {
    expect(validateMetadataUrl(url)).toMatch(message);
  });
});

describe("validateTenant", () => {
  it.each(["72f988bf-86f1-41af-91ab-2d7cd011db47", "CONTOSO.onmicrosoft.com", "fabrikam.co.uk", " contoso.com "])(
    "accepts %j",
    (tenant) => {
      expect(validateTenant(tenant, true)).toBeNull();
    },
  );

  it.each(["contoso", "72f988bf-86f1-41af-91ab", "https://contoso.com", "-bad.com", "a b.com", "contoso.c0m"])(
    "rejects %j",
    (tenant) => {
      expect(validateTenant(tenant, false)).toMatch(/tenant ID/);
    },
  );

  it("allows an empty tenant only where it is optional", () => {
    expect(validateTenant("  ", false)).toBeNull();
    expect(validateTenant("  ", true)).toMatch(/Enter the tenant/);
  });
});

describe("buildRequest", () => {
  it("ignores the cloud fields for the Azure CLI, which uses its own cloud", () => {
    const form = { ...EMPTY_FORM, method: "azureCli" as const, cloud: "custom" as const, metadataUrl: "nope" };
    expect(buildRequest(form, null)).toEqual({ ok: true, request: { method: "azureCli", tenant: null } });
  });

  it("requires tenant, client ID and secret file for a service principal, and never has a secret", () => {
    const empty = buildRequest({ ...EMPTY_FORM, method: "servicePrincipal" }, null);
    expect(empty).toEqual({
      ok: false,
      errors: { tenant: expect.any(String), clientId: expect.any(String), secretFile: expect.any(String) },
    });

    const ok = buildRequest(
      {
        ...EMPTY_FORM,
        method: "servicePrincipal",
        tenant: "contoso.onmicrosoft.com",
        clientId: " 0b2f3a5c-1d4e-4f60-8a7b-9c0d1e2f3a4b ",
        secretFile: "sp.txt",
      },
      null,
    );
    expect(ok).toEqual({
      ok: true,
      request: {
        method: "servicePrincipal",
        cloud: { kind: "public" },
        tenant: "contoso.onmicrosoft.com",
        clientId: "0b2f3a5c-1d4e-4f60-8a7b-9c0d1e2f3a4b",
      },
    });
  });
});

describe("labels", () => {
  it("names clouds, recognising the simulator", () => {
    expect(cloudLabel({ kind: "usGov" })).toBe("Azure US Government");
    expect(cloudLabel({ kind: "custom", metadataUrl: "https://md.example.com:8443/x", caFile: null })).toBe(
      "Custom (md.example.com:8443)",
    );
    expect(cloudLabel({ ...demo }, demo)).toBe("Rekey simulator");
  });

  it("formats a countdown", () => {
    expect(formatCountdown(899.6)).toBe("14:59");
    expect(formatCountdown(61)).toBe("1:01");
    expect(formatCountdown(-5)).toBe("0:00");
  });
});
