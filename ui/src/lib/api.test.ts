import { Channel } from "@tauri-apps/api/core";
import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it, vi } from "vitest";
import { account, clusters, deferred, demoStatus, inventory, mockCommands, sendOnChannel } from "../test/fixtures";
import {
  call,
  cachedInventory,
  cancelRefresh,
  cancelSignIn,
  exportInventory,
  getAuthStatus,
  listSubscriptions,
  listTenants,
  NO_BACKEND,
  refreshInventory,
  setSelection,
  signInAzureCli,
  signInBrowser,
  signInDeviceCode,
  signInServicePrincipal,
  signOut,
  toIpcError,
  UNEXPECTED,
} from "./api";
import type { DeviceCodePrompt } from "./bindings/DeviceCodePrompt";
import type { Inventory } from "./bindings/Inventory";
import type { Progress } from "./bindings/Progress";

describe("the typed command map", () => {
  it("refuses, at compile time, a command the capability does not allow or a wrong argument", async () => {
    mockIPC(() => null);
    // svelte-check fails on each line below unless TypeScript refuses it (unused @ts-expect-error).
    // @ts-expect-error: not in Commands (the Rust table and capabilities/main.json), so not callable.
    await call("plugin:shell|execute").catch(() => undefined);
    // @ts-expect-error: list_tenants needs its accountId.
    await call("list_tenants").catch(() => undefined);
    // @ts-expect-error: accountId is a string.
    await call("sign_out", { accountId: 7 }).catch(() => undefined);
    await expect(call("cancel_sign_in")).resolves.toBeNull();
  });
});

describe("api commands", () => {
  it("invokes cached_inventory and auth_status by name and returns their payloads", async () => {
    const seen: string[] = [];
    mockIPC((cmd) => {
      seen.push(cmd);
      return cmd === "cached_inventory" ? clusters : demoStatus;
    });

    await expect(cachedInventory()).resolves.toEqual(clusters);
    await expect(getAuthStatus()).resolves.toEqual(demoStatus);
    expect(seen).toEqual(["cached_inventory", "auth_status"]);
  });

  it("passes an IpcError rejection through, keeping only code and message", async () => {
    mockIPC(() => {
      throw { code: "arm_forbidden", message: "No access to subscription", detail: 42 };
    });
    await expect(cachedInventory()).rejects.toEqual({
      code: "arm_forbidden",
      message: "No access to subscription",
    });
  });

  it("normalises a plain string rejection", async () => {
    mockIPC(() => Promise.reject("token expired"));
    await expect(cachedInventory()).rejects.toEqual({ code: UNEXPECTED, message: "token expired" });
  });

  it("normalises an Error rejection", async () => {
    mockIPC(() => {
      throw new TypeError("bad payload");
    });
    await expect(getAuthStatus()).rejects.toEqual({ code: UNEXPECTED, message: "bad payload" });
  });

  it("reports a clear error when no Tauri back end is present", async () => {
    // No mockIPC here: __TAURI_INTERNALS__ is absent, as in a plain browser.
    await expect(cachedInventory()).rejects.toMatchObject({ code: NO_BACKEND });
  });
});

describe("account commands", () => {
  it("send the documented command names and camelCase arguments", async () => {
    const calls = mockCommands({
      sign_in_browser: () => account,
      sign_in_azure_cli: () => account,
      sign_in_service_principal: () => account,
      cancel_sign_in: () => null,
      list_tenants: () => [],
      list_subscriptions: () => [],
      set_selection: () => account,
      sign_out: () => null,
    });
    const cloud = { kind: "china" } as const;
    const selection = { tenants: ["t1"], subscriptions: [] };

    await expect(signInBrowser(cloud, "contoso.cn")).resolves.toEqual(account);
    await signInAzureCli(null);
    await signInServicePrincipal({ cloud, tenant: "t", clientId: "c" });
    await cancelSignIn();
    await listTenants("a1");
    await listSubscriptions("a1");
    await setSelection("a1", selection);
    await signOut("a1");

    expect(calls).toEqual([
      { cmd: "sign_in_browser", args: { cloud, tenant: "contoso.cn" } },
      { cmd: "sign_in_azure_cli", args: { tenant: null } },
      { cmd: "sign_in_service_principal", args: { cloud, tenant: "t", clientId: "c" } },
      { cmd: "cancel_sign_in", args: {} },
      { cmd: "list_tenants", args: { accountId: "a1" } },
      { cmd: "list_subscriptions", args: { accountId: "a1" } },
      { cmd: "set_selection", args: { accountId: "a1", selection } },
      { cmd: "sign_out", args: { accountId: "a1" } },
    ]);
  });

  it("device code: passes a Channel, delivers the prompt, then resolves with the account", async () => {
    const approved = deferred<unknown>();
    const prompt: DeviceCodePrompt = {
      userCode: "ABCD-1234",
      verificationUri: "https://microsoft.com/devicelogin",
      message: "Enter the code",
      expiresAt: "2030-01-01T00:00:00Z",
    };
    const calls = mockCommands({
      sign_in_device_code: (args) => {
        sendOnChannel(args.onPrompt, 0, prompt);
        return approved.promise;
      },
    });
    const onPrompt = vi.fn();

    const result = signInDeviceCode({ kind: "public" }, null, onPrompt);
    await vi.waitFor(() => expect(onPrompt).toHaveBeenCalledWith(prompt));
    expect(calls[0]!.args).toMatchObject({ cloud: { kind: "public" }, tenant: null });
    expect(calls[0]!.args.onPrompt).toBeInstanceOf(Channel);

    approved.resolve(account);
    await expect(result).resolves.toEqual(account);
  });
});

describe("inventory commands", () => {
  it("cached_inventory returns the saved inventory, or null on first start", async () => {
    const saved = inventory();
    let reply: Inventory | null = saved;
    const calls = mockCommands({ cached_inventory: () => reply });
    await expect(cachedInventory()).resolves.toEqual(saved);
    reply = null;
    await expect(cachedInventory()).resolves.toBeNull();
    expect(calls).toEqual([
      { cmd: "cached_inventory", args: {} },
      { cmd: "cached_inventory", args: {} },
    ]);
  });

  it("refresh_inventory passes a progress Channel, delivers progress in order, then the inventory", async () => {
    const done = deferred<Inventory>();
    const steps: Progress[] = [
      { phase: "subscriptions", subscriptionsScanned: 2, clustersFound: 0, credentialsResolved: 0 },
      { phase: "clusters", subscriptionsScanned: 3, clustersFound: 8, credentialsResolved: 0 },
    ];
    const calls = mockCommands({
      refresh_inventory: (args) => {
        // Out of order on the wire: the Channel reorders by index.
        sendOnChannel(args.onProgress, 1, steps[1]);
        sendOnChannel(args.onProgress, 0, steps[0]);
        return done.promise;
      },
    });
    const seen: Progress[] = [];

    const result = refreshInventory((p) => seen.push(p));
    await vi.waitFor(() => expect(seen).toEqual(steps));
    expect(calls[0]!.cmd).toBe("refresh_inventory");
    expect(Object.keys(calls[0]!.args)).toEqual(["onProgress"]);
    expect(calls[0]!.args.onProgress).toBeInstanceOf(Channel);

    const fresh = inventory();
    done.resolve(fresh);
    await expect(result).resolves.toEqual(fresh);
  });

  it("a cancelled refresh rejects with the back end's IpcError", async () => {
    mockCommands({
      refresh_inventory: () => Promise.reject({ code: "cancelled", message: "The refresh was cancelled." }),
    });
    await expect(refreshInventory(() => {})).rejects.toEqual({
      code: "cancelled",
      message: "The refresh was cancelled.",
    });
  });

  it("cancel_refresh and export_inventory send their documented arguments", async () => {
    let saved: string | null = "/tmp/inventory.csv";
    const calls = mockCommands({ cancel_refresh: () => null, export_inventory: () => saved });

    await cancelRefresh();
    await expect(exportInventory("csv")).resolves.toBe("/tmp/inventory.csv");
    saved = null;
    await expect(exportInventory("json")).resolves.toBeNull();

    expect(calls).toEqual([
      { cmd: "cancel_refresh", args: {} },
      { cmd: "export_inventory", args: { format: "csv" } },
      { cmd: "export_inventory", args: { format: "json" } },
    ]);
  });
});

describe("toIpcError", () => {
  it.each([
    [{ foo: 1 }, 'Unexpected error: {"foo":1}'],
    [{}, "Unexpected error: an unreadable value."],
    [undefined, "Unexpected error: no details were given."],
    [null, "Unexpected error: no details were given."],
    [404, "Unexpected error: 404"],
    ["   ", "The back end failed without a message."],
  ])("turns %j into a readable message", (input, message) => {
    const err = toIpcError(input);
    expect(err).toEqual({ code: UNEXPECTED, message });
    expect(err.message).not.toContain("[object Object]");
  });

  it("keeps a code that arrives without a message", () => {
    expect(toIpcError({ code: "timeout" })).toEqual({
      code: "timeout",
      message: 'The back end reported "timeout" without a message.',
    });
  });

  it("does not print [object Object] for circular values", () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(toIpcError(circular).message).toBe("Unexpected error: an unreadable value.");
  });

  it("is idempotent", () => {
    const once = toIpcError("boom");
    expect(toIpcError(once)).toEqual(once);
  });
});
