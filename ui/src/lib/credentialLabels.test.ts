import { describe, expect, it } from "vitest";
import type { CredentialInfo } from "./bindings/CredentialInfo";
import { credentialName, kindLabel, ownerLabel, remaining } from "./credentialLabels";

const SP = "11111111-0000-0000-0000-000000000001";
const AAD = "22222222-0000-0000-0000-000000000002";
const NOW = Date.parse("2026-12-08T12:00:00Z");

function cred(over: Partial<CredentialInfo> = {}): CredentialInfo {
  return {
    owner: "application",
    kind: "password",
    appId: SP,
    keyId: "k1",
    hint: "abc",
    displayName: "rekey 2026-12",
    start: "2026-01-01T00:00:00Z",
    end: "2026-12-18T12:00:00Z",
    expired: false,
    lastUsed: null,
    ...over,
  };
}

describe("credential labels", () => {
  const row = { spClientId: SP, aadServerAppId: AAD };

  it("names where a credential is kept, and whose it is when not the cluster's own", () => {
    expect(ownerLabel(cred(), row)).toBe("App registration");
    expect(ownerLabel(cred({ owner: "servicePrincipal" }), row)).toBe("Service principal object");
    expect(ownerLabel(cred({ appId: AAD }), row)).toBe("App registration · legacy AAD server app");
    expect(ownerLabel(cred({ appId: "other" }), row)).toBe("App registration · other");
  });

  it("names a credential by its display name and hint, or says it has none", () => {
    expect(credentialName(cred())).toBe("rekey 2026-12 · abc…");
    expect(credentialName(cred({ displayName: null, hint: null }))).toBe("(no name)");
    expect(kindLabel(cred({ kind: "certificate" }))).toBe("Certificate");
  });

  it("says the days left, today, expired or no end date", () => {
    expect(remaining(cred(), NOW)).toBe("10 days left");
    expect(remaining(cred({ end: "2026-12-09T11:00:00Z" }), NOW)).toBe("Expires today");
    expect(remaining(cred({ end: "2026-12-09T13:00:00Z" }), NOW)).toBe("1 day left");
    expect(remaining(cred({ end: "2026-12-01T00:00:00Z" }), NOW)).toBe("Expired");
    expect(remaining(cred({ expired: true }), NOW)).toBe("Expired");
    expect(remaining(cred({ end: null }), NOW)).toBe("No end date");
  });
});
