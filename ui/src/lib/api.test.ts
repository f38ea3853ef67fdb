import { Channel } from "@tauri-apps/api/core";
import { mockIPC } from "@tauri-apps/api/mocks";
import { describe, expect, it, vi } from "vitest";
import { account, clusters, deferred, demoSession, mockCommands, sendOnChannel } from "../test/fixtures";
import {
  cancelSignIn,
  getSessionInfo,
  listClusters,
  listSubscriptions,
  listTenants,
  NO_BACKEND,
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

describe("api commands", () => {
  it("invokes list_clusters and session_info by name and returns their payloads", async () => {
    const seen: string[] = [];
    mockIPC((cmd) => {
      seen.push(cmd);
      return cmd === "list_clusters" ? clusters : demoSession;
    });

    await expect(listClusters()).resolves.toEqual(clusters);
    await expect(getSessionInfo()).resolves.toEqual(demoSession);
    expect(seen).toEqual(["list_clusters", "session_info"]);
  });

  it("passes an IpcError rejection through, keeping only code and message", async () => {
    mockIPC(() => {
      throw { code: "arm_forbidden", message: "No access to subscription", detail: 42 };
    });
    await expect(listClusters()).rejects.toEqual({
      code: "arm_forbidden",
      message: "No access to subscription",
    });
  });

  it("normalises a plain string rejection", async () => {
    mockIPC(() => Promise.reject("token expired"));
    await expect(listClusters()).rejects.toEqual({ code: UNEXPECTED, message: "token expired" });
  });

  it("normalises an Error rejection", async () => {
    mockIPC(() => {
      throw new TypeError("bad payload");
    });
    await expect(getSessionInfo()).rejects.toEqual({ code: UNEXPECTED, message: "bad payload" });
  });

  it("reports a clear error when no Tauri back end is present", async () => {
    // No mockIPC here: __TAURI_INTERNALS__ is absent, as in a plain browser.
    await expect(listClusters()).rejects.toMatchObject({ code: NO_BACKEND });
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
    await signInServicePrincipal({ cloud, tenant: "t", clientId: "c", secretFile: "/s" });
    await cancelSignIn();
    await listTenants("a1");
    await listSubscriptions("a1");
    await setSelection("a1", selection);
    await signOut("a1");

    expect(calls).toEqual([
      { cmd: "sign_in_browser", args: { cloud, tenant: "contoso.cn" } },
      { cmd: "sign_in_azure_cli", args: { tenant: null } },
      { cmd: "sign_in_service_principal", args: { cloud, tenant: "t", clientId: "c", secretFile: "/s" } },
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
