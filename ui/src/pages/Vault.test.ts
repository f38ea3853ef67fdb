import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import type { VaultRow } from "../lib/bindings/VaultRow";
import VaultBanner from "../lib/components/VaultBanner.svelte";
import { deleteWarning, expiryLabel, expiryTone } from "../lib/vault";
import { deferred, inDays, mockCommands, pageProps } from "../test/fixtures";
import Vault from "./Vault.svelte";

const TENANT = "aaaaaaaa-1111-4111-8111-111111111111";
const CLUSTER = (name: string) =>
  `/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/${name}`;

function row(keyId: string, extra: Partial<VaultRow> = {}): VaultRow {
  return {
    tenantId: TENANT,
    appId: "0a1b2c3d-0000-4000-8000-000000000001",
    keyId,
    hint: "Xq8",
    displayName: "rekey 2026-06-01",
    appDisplayName: "aks-prod-weu-sp",
    owner: "application",
    created: inDays(-2),
    expires: inDays(180.5),
    clusters: [CLUSTER("aks-prod-weu"), CLUSTER("aks-prod-weu-2")],
    rotationId: null,
    inKeyring: true,
    inAzure: "present",
    azureProblem: null,
    lastUsed: null,
    keyVault: null,
    ...extra,
  };
}

const inUse = row("11111111-aaaa-4aaa-8aaa-000000000001");
const removed = row("22222222-bbbb-4bbb-8bbb-000000000002", {
  appDisplayName: "aks-payments-sp",
  hint: "Pq1",
  inAzure: "removed",
  expires: inDays(12.5),
});
const unknown = row("33333333-cccc-4ccc-8ccc-000000000003", {
  appDisplayName: null,
  appId: "9f9f9f9f-0000-4000-8000-000000000009",
  hint: null,
  inAzure: "unknown",
  azureProblem: "No signed-in account can reach the tenant bbbb: sign in to it first.",
  clusters: [CLUSTER("aks-fabrikam")],
  inKeyring: false,
  expires: inDays(-3.5),
});
const unused = row("44444444-dddd-4ddd-8ddd-000000000004", { clusters: [], appDisplayName: "ci-runner-sp" });

const rowFor = (keyId: string) =>
  screen.getAllByTestId("vault-row").find((r) => r.dataset.keyId === keyId)!;

describe("Vault page", () => {
  it("lists each secret with its app, hint, expiry, clusters, keyring and Azure state, and no value", async () => {
    const calls = mockCommands({ vault_list: () => [inUse, removed, unknown] });
    render(Vault, pageProps());

    const rows = await screen.findAllByTestId("vault-row");
    expect(rows.map((r) => r.dataset.keyId)).toEqual([inUse.keyId, removed.keyId, unknown.keyId]);

    const first = within(rowFor(inUse.keyId));
    expect(first.getByText("aks-prod-weu-sp")).toBeTruthy();
    expect(first.getByTestId("vault-hint").textContent).toBe("Xq8…");
    expect(first.getByTestId("vault-expiry").textContent).toMatch(/180 days left/);
    expect(first.getByTestId("vault-clusters").textContent).toContain("aks-prod-weu");
    expect(first.getByTestId("vault-clusters").textContent).toContain("aks-prod-weu-2");
    expect(first.getByTestId("vault-in-keyring").textContent).toContain("Yes");
    expect(first.getByTestId("vault-in-azure").textContent).toContain("In Azure");

    const second = within(rowFor(removed.keyId));
    expect(second.getByTestId("vault-in-azure").textContent).toContain("Removed from Azure");
    expect(second.getByTestId("vault-expiry").className).toContain("soon");

    const third = within(rowFor(unknown.keyId));
    // No display name: the app ID stands in.
    expect(third.getAllByText(unknown.appId).length).toBeGreaterThan(0);
    expect(third.getByTestId("vault-in-azure").textContent).toContain("Unknown");
    expect(third.getByTestId("vault-azure-problem").textContent).toContain("No signed-in account can reach");
    expect(third.getByTestId("vault-in-keyring").textContent).toContain("Missing");
    expect(third.getByTestId("vault-expiry").textContent).toMatch(/expired 4 days ago/);
    // A value the keyring lost can be neither copied nor revealed.
    expect(third.getByTestId<HTMLButtonElement>("vault-copy").disabled).toBe(true);
    expect(third.getByTestId<HTMLButtonElement>("vault-reveal").disabled).toBe(true);

    expect(calls.map((c) => c.cmd)).toEqual(["vault_list"]);
  });

  it("says so when the vault is empty", async () => {
    mockCommands({ vault_list: () => [] });
    render(Vault, pageProps());
    expect((await screen.findByTestId("empty")).textContent).toContain("No stored secrets yet");
  });

  it("shows the keyring problem with its fix, and tries again", async () => {
    let available = false;
    const calls = mockCommands({
      vault_list: () => {
        if (!available)
          throw {
            code: "keyring_unavailable",
            message:
              "The Secret Service (your desktop keyring) is not available (ServiceUnknown). No Secret Service is running: install and start gnome-keyring",
          };
        return [inUse];
      },
    });
    render(Vault, pageProps());
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("install and start gnome-keyring");
    expect(alert.textContent).toContain("keyring_unavailable");

    available = true;
    await fireEvent.click(within(alert).getByRole("button", { name: "Try again" }));
    expect(await screen.findByTestId("vault-row")).toBeTruthy();
    expect(calls.filter((c) => c.cmd === "vault_list")).toHaveLength(2);
  });

  it("copies in Rust and says when the clipboard is cleared", async () => {
    const calls = mockCommands({ vault_list: () => [inUse], vault_copy: () => 30 });
    render(Vault, pageProps());
    await fireEvent.click(within(await screen.findByTestId("vault-row")).getByTestId("vault-copy"));

    const toast = await screen.findByTestId("vault-toast");
    expect(toast.getAttribute("role")).toBe("status");
    expect(toast.textContent).toContain("Copied the secret of aks-prod-weu-sp");
    expect(toast.textContent).toContain("cleared from the clipboard in 30 s");
    expect(calls.find((c) => c.cmd === "vault_copy")!.args).toEqual({ keyId: inUse.keyId });
  });

  it("shows why a copy failed", async () => {
    mockCommands({
      vault_list: () => [inUse],
      vault_copy: () => {
        throw { code: "clipboard_unavailable", message: "The clipboard is not available (no display)." };
      },
    });
    render(Vault, pageProps());
    await fireEvent.click(within(await screen.findByTestId("vault-row")).getByTestId("vault-copy"));
    const error = await screen.findByTestId("vault-action-error");
    expect(error.textContent).toContain("Couldn’t copy the secret");
    expect(error.textContent).toContain("clipboard_unavailable");
    expect(screen.queryByTestId("vault-toast")).toBeNull();
  });

  it("reveals through Rust's dialog, with the buttons held while it is open", async () => {
    const dialog = deferred<null>();
    const calls = mockCommands({ vault_list: () => [inUse, unused], vault_reveal: () => dialog.promise });
    render(Vault, pageProps());
    await screen.findAllByTestId("vault-row");
    await fireEvent.click(within(rowFor(inUse.keyId)).getByTestId("vault-reveal"));

    expect(within(rowFor(inUse.keyId)).getByTestId("vault-reveal").textContent).toContain("Showing…");
    expect(screen.getByTestId("vault-revealing").textContent).toContain("shown in a system dialog, not in this window");
    expect(within(rowFor(unused.keyId)).getByTestId<HTMLButtonElement>("vault-copy").disabled).toBe(true);
    dialog.resolve(null);
    await waitFor(() =>
      expect(within(rowFor(unused.keyId)).getByTestId<HTMLButtonElement>("vault-copy").disabled).toBe(false),
    );
    expect(calls.find((c) => c.cmd === "vault_reveal")!.args).toEqual({ keyId: inUse.keyId });
    expect(screen.queryByTestId("vault-revealing")).toBeNull();
  });

  it("warns before deleting a secret a cluster still uses, and deletes on confirmation", async () => {
    const calls = mockCommands({ vault_list: () => [inUse, removed], vault_delete: () => null });
    render(Vault, pageProps());
    await screen.findAllByTestId("vault-row");
    await fireEvent.click(within(rowFor(inUse.keyId)).getByTestId("vault-delete"));

    const dialog = screen.getByTestId("vault-delete-dialog");
    expect(dialog.getAttribute("role")).toBe("alertdialog");
    const warning = within(dialog).getByTestId("vault-delete-warning").textContent ?? "";
    expect(warning).toContain("given to 2 clusters (aks-prod-weu, aks-prod-weu-2)");
    expect(warning).toContain("Azure still has its credential");
    // Cancel is the safe default.
    expect(document.activeElement?.textContent).toBe("Cancel");
    expect(within(dialog).getByTestId("vault-delete-confirm").textContent).toContain("Delete anyway");
    expect(calls.some((c) => c.cmd === "vault_delete")).toBe(false);

    await fireEvent.click(within(dialog).getByTestId("vault-delete-confirm"));
    await waitFor(() => expect(screen.queryByTestId("vault-delete-dialog")).toBeNull());
    expect(calls.find((c) => c.cmd === "vault_delete")!.args).toEqual({ keyId: inUse.keyId });
    expect(screen.getAllByTestId("vault-row").map((r) => r.dataset.keyId)).toEqual([removed.keyId]);
    expect((await screen.findByTestId("vault-toast")).textContent).toContain("Deleted the secret");
  });

  it("asks without a warning when no cluster uses the secret or Azure removed it; Cancel keeps it", async () => {
    const calls = mockCommands({ vault_list: () => [removed, unused], vault_delete: () => null });
    render(Vault, pageProps());
    await screen.findAllByTestId("vault-row");
    for (const keyId of [removed.keyId, unused.keyId]) {
      await fireEvent.click(within(rowFor(keyId)).getByTestId("vault-delete"));
      const dialog = screen.getByTestId("vault-delete-dialog");
      expect(within(dialog).queryByTestId("vault-delete-warning")).toBeNull();
      expect(within(dialog).getByTestId("vault-delete-confirm").textContent?.trim()).toBe("Delete");
      await fireEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
      expect(screen.queryByTestId("vault-delete-dialog")).toBeNull();
    }
    expect(calls.some((c) => c.cmd === "vault_delete")).toBe(false);
    expect(screen.getAllByTestId("vault-row")).toHaveLength(2);
  });

  it("keeps the dialog open with the error when the delete fails", async () => {
    mockCommands({
      vault_list: () => [unknown],
      vault_delete: () => {
        throw { code: "keyring_no_access", message: "The keyring refused access: it is locked. Unlock it." };
      },
    });
    render(Vault, pageProps());
    await fireEvent.click(within(await screen.findByTestId("vault-row")).getByTestId("vault-delete"));
    const dialog = screen.getByTestId("vault-delete-dialog");
    expect(within(dialog).getByTestId("vault-delete-warning").textContent).toContain(
      "could not check whether Azure still has its credential (No signed-in account can reach",
    );
    await fireEvent.click(within(dialog).getByTestId("vault-delete-confirm"));
    expect((await within(dialog).findByTestId("vault-delete-error")).textContent).toContain("Unlock it.");
    expect(screen.getAllByTestId("vault-row")).toHaveLength(1);
  });
});

describe("Vault page: last used and Key Vault", () => {
  it("shows when each secret last signed in, why usage is unknown, the report's caveat once, and the Key Vault copy", async () => {
    const used = row("55555555-eeee-4eee-8eee-000000000005", {
      lastUsed: { kind: "at", at: new Date(Date.now() - 3 * 3_600_000).toISOString() },
      keyVault: {
        vaultName: "kv-contoso-platform",
        vaultUri: "https://kv-contoso-platform.vault.azure.net/",
        secretName: "aks-prod-weu-sp-secret",
        version: "4f1c2d",
      },
    });
    const quiet = row("66666666-ffff-4fff-8fff-000000000006", { lastUsed: { kind: "notSeen" } });
    const blind = row("77777777-aaaa-4aaa-8aaa-000000000007", {
      lastUsed: { kind: "unknown", reason: "Microsoft Graph refused the sign-in activity report (403): AuditLog.Read.All" },
    });
    mockCommands({ vault_list: () => [used, quiet, blind, inUse] });
    render(Vault, pageProps());
    await screen.findAllByTestId("vault-row");

    const lastUsed = (keyId: string) => within(rowFor(keyId)).getByTestId("last-used");
    expect(screen.getByRole("columnheader", { name: "Last used" })).toBeTruthy();
    expect(lastUsed(used.keyId).textContent).toBe("3 h ago");
    expect(lastUsed(used.keyId).title).toMatch(/^Last signed in \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    expect(lastUsed(quiet.keyId).textContent).toBe("Not seen");
    expect(lastUsed(blind.keyId).textContent).toBe("Usage unknown");
    expect(lastUsed(blind.keyId).title).toContain("AuditLog.Read.All");
    expect(lastUsed(inUse.keyId).dataset.kind).toBe("none");
    expect(screen.getAllByTestId("usage-caveat")).toHaveLength(1);
    expect(screen.getByTestId("usage-caveat").textContent).toContain("sign-ins that did not complete");

    const copy = within(rowFor(used.keyId)).getByTestId("vault-key-vault");
    expect(copy.textContent).toContain("Also in Key Vault: kv-contoso-platform/aks-prod-weu-sp-secret");
    expect(copy.title).toContain("https://kv-contoso-platform.vault.azure.net/");
    expect(copy.title).toContain("4f1c2d");
    expect(within(rowFor(quiet.keyId)).queryByTestId("vault-key-vault")).toBeNull();
  });

  it("leaves the caveat out when no date came from the report", async () => {
    mockCommands({ vault_list: () => [row("88888888-aaaa-4aaa-8aaa-000000000008", { lastUsed: { kind: "unknown", reason: "Another cloud" } })] });
    render(Vault, pageProps());
    expect((await screen.findByTestId("last-used")).textContent).toBe("Usage unknown");
    expect(screen.queryByTestId("usage-caveat")).toBeNull();
  });
});

describe("the keyring banner", () => {
  it("says when the keyring does not work, with the fix, and checks again", async () => {
    let available = false;
    const calls = mockCommands({
      vault_status: () =>
        available
          ? { available: true, problem: null }
          : {
              available: false,
              problem: { code: "keyring_unavailable", message: "No Secret Service is running: start gnome-keyring." },
            },
    });
    render(VaultBanner);
    const banner = await screen.findByTestId("vault-banner");
    expect(banner.textContent?.replace(/\s+/g, " ")).toContain("so it will not start a rotation");
    expect(screen.getByTestId("vault-banner-message").textContent).toBe(
      "No Secret Service is running: start gnome-keyring.",
    );
    available = true;
    await fireEvent.click(screen.getByTestId("vault-banner-retry"));
    await waitFor(() => expect(screen.queryByTestId("vault-banner")).toBeNull());
    expect(calls.filter((c) => c.cmd === "vault_status")).toHaveLength(2);
  });

  it("shows nothing when the keyring works", async () => {
    const calls = mockCommands({ vault_status: () => ({ available: true, problem: null }) });
    render(VaultBanner);
    await waitFor(() => expect(calls).toHaveLength(1));
    expect(screen.queryByTestId("vault-banner")).toBeNull();
  });
});

describe("vault labels", () => {
  const now = Date.parse("2026-06-01T12:00:00Z");
  it("words the expiry and its urgency", () => {
    expect(expiryLabel(null, now)).toBe("Never");
    expect(expiryTone(null, now)).toBe("never");
    expect(expiryLabel("2026-12-01T12:00:00Z", now)).toBe("2026-12-01 · 183 days left");
    expect(expiryTone("2026-12-01T12:00:00Z", now)).toBe("ok");
    expect(expiryLabel("2026-06-02T13:00:00Z", now)).toBe("2026-06-02 · 1 day left");
    expect(expiryTone("2026-06-20T12:00:00Z", now)).toBe("soon");
    expect(expiryLabel("2026-06-01T18:00:00Z", now)).toBe("2026-06-01 · expires today");
    expect(expiryLabel("2026-05-30T12:00:00Z", now)).toBe("2026-05-30 · expired 2 days ago");
    expect(expiryTone("2026-05-30T12:00:00Z", now)).toBe("expired");
  });

  it("warns only when a cluster may still use the secret", () => {
    expect(deleteWarning(unused)).toBeNull();
    expect(deleteWarning(removed)).toBeNull();
    expect(deleteWarning({ ...inUse, clusters: [CLUSTER("aks-one")] })).toContain("given to 1 cluster (aks-one)");
  });
});
